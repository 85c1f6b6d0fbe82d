"""cr.cuda: no CUDA, as torch on a machine without a GPU; with a (fake) CuPy, the runtime calls GPU scripts make."""
import sys
import types

import pytest
import torch

import chainrule as cr
from chainrule.device import as_device, library


def test_no_cuda():
    assert cr.cuda.is_available() is torch.cuda.is_available() is False
    assert cr.cuda.device_count() == torch.cuda.device_count() == 0
    assert cr.cuda.manual_seed(0) is None and cr.cuda.manual_seed_all(0) is None
    assert cr.cuda.amp.GradScaler.__module__ == "chainrule.cuda.amp"


class FakeRuntime:
    """CuPy's runtime calls, recorded: a machine with two GPUs."""

    def __init__(self):
        self.device, self.synced, self.freed = 0, [], 0

    def getDeviceCount(self):
        return 2

    def getDevice(self):
        return self.device

    def setDevice(self, index):
        self.device = index

    def getDeviceProperties(self, index):
        return {"name": f"GPU {index}".encode()}


def test_the_calls_gpu_scripts_make_go_to_cupys_runtime(monkeypatch):
    runtime = FakeRuntime()
    pool = types.SimpleNamespace(used_bytes=lambda: 1024, free_all_blocks=lambda: setattr(runtime, "freed", 1))
    device = lambda index: types.SimpleNamespace(synchronize=lambda: runtime.synced.append(index))  # noqa: E731
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=runtime, Device=device)
    fake.get_default_memory_pool = lambda: pool
    monkeypatch.setitem(sys.modules, "cupy", fake)
    cr.cuda.set_device("cuda:1")
    assert cr.cuda.current_device() == 1 and cr.cuda.get_device_name() == "GPU 1"
    assert as_device("cuda") == cr.device("cuda:1")  # 'cuda' is the current GPU, as in PyTorch
    assert library(as_device("cuda")) is fake
    with pytest.raises(RuntimeError, match=r"one GPU per process.*cuda:1.*set_device\(0\)"):
        library(cr.device("cuda:0"))  # ops make their arrays on the current GPU: another one is refused
    cr.cuda.synchronize()
    cr.cuda.synchronize(cr.device("cuda", 0))
    assert runtime.synced == [1, 0] and cr.cuda.get_device_name(0) == "GPU 0"
    assert cr.cuda.memory_allocated() == 1024
    cr.cuda.empty_cache()
    assert runtime.freed == 1


def test_without_a_gpu_the_calls_say_so():
    assert not cr.cuda.is_available() and cr.cuda.is_bf16_supported() is False
    cr.cuda.empty_cache()  # nothing to hand back, as in PyTorch
    for call in (cr.cuda.synchronize, cr.cuda.current_device, cr.cuda.memory_allocated, cr.cuda.get_device_name):
        with pytest.raises(RuntimeError, match="no CUDA device"):
            call()
