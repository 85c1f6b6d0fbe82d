"""cr.nn.parallel: DataParallel (one process: nothing to spread a model over) and DistributedDataParallel
(several processes under mpiexec, see distributed.py).

DataParallel(module) does what torch's does on a machine without GPUs: it keeps the module as
.module (so state_dict keys get the 'module.' prefix), sets device_ids = [], ignores the device
arguments, and calling it calls the module.
"""
from ..module import Module
from .distributed import DistributedDataParallel  # noqa: F401


class DataParallel(Module):
    """DataParallel(module, device_ids=None, output_device=None, dim=0): a transparent wrapper on the CPU."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
