"""autocast: accepted and disabled where torch's is, and otherwise computing in the tensors' own dtype."""
import warnings

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.amp import autocast, get_autocast_dtype, is_autocast_enabled


def recorded(make):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        made = make()
    return made, [w.category for w in caught]


def test_the_names_torch_has():
    assert cr.autocast is cr.amp.autocast is autocast
    assert get_autocast_dtype("cpu") is cr.bfloat16 and get_autocast_dtype("cuda") == cr.float16
    assert str(torch.get_autocast_dtype("cpu")).split(".")[1] == str(get_autocast_dtype("cpu")).split(".")[1]
    assert str(torch.get_autocast_dtype("cuda")) == "torch." + str(get_autocast_dtype("cuda"))
    assert is_autocast_enabled("cpu") == torch.is_autocast_enabled("cpu") is False


@pytest.mark.parametrize("device_type, dtype", [("cpu", None), ("cpu", "float16"), ("cuda", None), ("cpu", "float32")])
def test_enabled_and_warnings_match_torch(device_type, dtype):
    ours, our_warnings = recorded(lambda: autocast(device_type, dtype=dtype and getattr(cr, dtype)))
    theirs, their_warnings = recorded(lambda: torch.autocast(device_type, dtype=dtype and getattr(torch, dtype)))
    assert ours._enabled == theirs._enabled and our_warnings == their_warnings
    with ours:
        assert is_autocast_enabled(device_type) == ours._enabled
    assert is_autocast_enabled(device_type) is False


def test_bad_device_types_are_refused_like_torchs():
    with pytest.raises(ValueError):
        torch.autocast(torch.device("cpu"))
    with pytest.raises(ValueError, match="device_type"):
        autocast(cr.device("cpu"))
    with pytest.raises(RuntimeError):
        torch.autocast("tpu")
    with pytest.raises(RuntimeError, match="unsupported autocast device_type 'tpu'"):
        autocast("tpu")


def test_it_computes_in_the_tensors_own_dtype():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=(4, 2)).astype(np.float32)
    with autocast("cpu"), autocast("cpu", dtype=cr.float16):
        assert is_autocast_enabled("cpu") and get_autocast_dtype("cpu") == cr.float16
        inside = cr.tensor(x) @ cr.tensor(w)
    assert get_autocast_dtype("cpu") is cr.bfloat16 and not is_autocast_enabled("cpu")
    with torch.autocast("cpu", enabled=False):  # torch without its lower-precision path
        expected = torch.tensor(x) @ torch.tensor(w)
    assert inside.dtype == np.float32
    np.testing.assert_allclose(inside.numpy(), expected.numpy(), rtol=1e-6)


def test_nested_disabled_regions_and_the_decorator():
    region = autocast("cpu")

    @region
    def enabled_inside(depth):
        if depth:
            return enabled_inside(depth - 1)  # re-entering the same instance restores correctly
        with autocast("cpu", enabled=False):
            assert not is_autocast_enabled("cpu")
        return is_autocast_enabled("cpu")

    assert enabled_inside(2) and enabled_inside.__name__ == "enabled_inside"
    assert not is_autocast_enabled("cpu")


def test_cuda_autocast_is_enabled_where_cupy_sees_a_gpu(monkeypatch):
    import chainrule.amp.autocast_mode as autocast_mode

    monkeypatch.setattr(autocast_mode, "cuda_device_count", lambda: 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with autocast("cuda"):
            assert is_autocast_enabled("cuda")
    assert not is_autocast_enabled("cuda")
