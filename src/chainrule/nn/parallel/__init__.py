"""cr.nn.parallel: chainrule runs on one CPU, so there is nothing to spread a model over.

DataParallel(module) does what torch's does on a machine without GPUs: it keeps the module as
.module (so state_dict keys get the 'module.' prefix), sets device_ids = [], ignores the device
arguments, and calling it calls the module.
"""
from ..module import Module


class DataParallel(Module):
    """DataParallel(module, device_ids=None, output_device=None, dim=0): a transparent wrapper on the CPU."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
