"""save/load: safetensors files, nested state dicts, PyTorch interop both ways, atomic writes, no pickle."""
import collections
import io
import json
import os
import pathlib
import pickle

import numpy as np
import pytest
import safetensors.torch
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from safetensors import safe_open

import chainrule as cr
from chainrule.serialization import load, save

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def assert_same(a, b):
    """Same structure, same container and key types, same tensor dtypes and values."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, cr.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert [(type(k), k) for k in a] == [(type(k), k) for k in b]
        for key in a:
            assert_same(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    else:
        assert a == b or (a != a and b != b)  # NaN equals NaN here


def optimizer_state():
    return {
        "state": {0: {"step": 3, "exp_avg": cr.randn(4, 3), "exp_avg_sq": cr.rand(4, 3)},
                  1: {"step": 3, "exp_avg": cr.randn(4), "exp_avg_sq": cr.rand(4)}},
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                          "amsgrad": False, "foreach": None, "params": [0, 1]}],
    }


def test_nested_optimizer_state_round_trips(tmp_path):
    state = optimizer_state()
    save(state, tmp_path / "opt.safetensors")
    loaded = load(tmp_path / "opt.safetensors")
    assert_same(loaded, state)
    assert loaded["state"][0]["exp_avg"].dtype == cr.float32
    assert list(loaded["state"]) == [0, 1] and isinstance(loaded["param_groups"][0]["betas"], tuple)


def test_nested_tensor_keys_follow_the_documented_scheme(tmp_path):
    path = str(tmp_path / "opt.safetensors")
    save({"state": {0: {"exp_avg": cr.ones(2)}}, "odd/key~": [cr.zeros(1)], 0: cr.ones(1), "0": cr.zeros(1)}, path)
    assert sorted(safetensors.torch.load_file(path)) == ["0", "0~2", "odd~1key~0/0", "state/0/exp_avg"]
    with safe_open(path, framework="np") as f:
        header = json.loads(f.metadata()["chainrule"])
    assert header["format_version"] == 2 and header["chainrule_version"] == cr.__version__
    assert len(header["sha256"]) == 64


def test_module_state_dict_keeps_order_type_and_dtypes(tmp_path):
    state = collections.OrderedDict(
        (f"w_{dtype}", cr.tensor(np.arange(6).reshape(2, 3).astype(dtype))) for dtype in DTYPES
    )
    state["scalar"] = cr.tensor(2.5)
    state["empty"] = cr.zeros(0, 3)
    save(state, tmp_path / "m.safetensors")
    assert_same(load(tmp_path / "m.safetensors"), state)
    with safe_open(str(tmp_path / "m.safetensors"), framework="np") as f:
        assert sorted(f.keys()) == sorted(state)  # a flat state dict is stored under exactly its keys


def test_other_objects_round_trip(tmp_path):
    path = tmp_path / "x"
    for obj in [cr.tensor([1.0, 2.0]), [cr.ones(2), (1, "two", None)], {}, 3.5, {"a": np.arange(3), "b": np.float32(2.5)},
                {1.5: "float key", True: "bool key", None: [float("nan"), float("inf")]}]:
        save(obj, path)
        assert_same(load(path), obj)


def test_requires_grad_and_non_contiguous_tensors_save_their_values(tmp_path):
    w = cr.randn(3, 4, requires_grad=True)
    save({"w": w, "wt": w.detach().T}, tmp_path / "w")
    loaded = load(tmp_path / "w")
    np.testing.assert_array_equal(loaded["w"].numpy(), w.detach().numpy())
    np.testing.assert_array_equal(loaded["wt"].numpy(), w.detach().numpy().T)
    assert not loaded["w"].requires_grad
    loaded["w"].numpy()[0, 0] = 5.0  # loaded arrays are writable


def torch_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))


def test_torch_loads_what_chainrule_saves(tmp_path):
    net = torch_net()
    rng = np.random.default_rng(1)
    ours = collections.OrderedDict(
        (name, cr.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))) for name, p in net.state_dict().items()
    )
    save(ours, tmp_path / "net.safetensors")
    net.load_state_dict(safetensors.torch.load_file(str(tmp_path / "net.safetensors")), strict=True)
    for name, value in net.state_dict().items():
        assert value.dtype == torch.float32
        np.testing.assert_array_equal(value.numpy(), ours[name].numpy())


def test_chainrule_loads_what_torch_saves(tmp_path):
    net = torch_net()
    safetensors.torch.save_file(net.state_dict(), str(tmp_path / "torch.safetensors"))
    loaded = load(str(tmp_path / "torch.safetensors"), map_location="cpu")
    assert type(loaded) is dict and sorted(loaded) == sorted(net.state_dict())
    for name, value in net.state_dict().items():
        assert isinstance(loaded[name], cr.Tensor) and loaded[name].dtype == cr.float32
        np.testing.assert_array_equal(loaded[name].numpy(), value.numpy())
    safetensors.torch.save_file({"state/0/exp_avg": torch.ones(2)}, str(tmp_path / "flat.safetensors"))
    assert list(load(tmp_path / "flat.safetensors")) == ["state/0/exp_avg"]  # no metadata: stays flat


def test_chainrule_module_state_dicts_move_to_torch_and_back(tmp_path):
    import chainrule.nn as nn

    cr.manual_seed(3)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    net = torch_net()
    save(model.state_dict(), tmp_path / "ours.safetensors")
    net.load_state_dict(safetensors.torch.load_file(str(tmp_path / "ours.safetensors")), strict=True)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    for name, value in net.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), model.state_dict()[name].numpy())
    # float32 matmuls in two libraries: equal up to float32 rounding
    np.testing.assert_allclose(
        net(torch.from_numpy(x)).detach().numpy(), model(cr.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )

    theirs = torch_net()
    safetensors.torch.save_file(theirs.state_dict(), str(tmp_path / "theirs.safetensors"))
    model.load_state_dict(load(tmp_path / "theirs.safetensors"))
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(model.state_dict()[name].numpy(), value.numpy())


def saved_file(tmp_path):
    path = tmp_path / "state.safetensors"
    save(optimizer_state(), path)
    return path


def test_corrupted_tensor_bytes_fail_the_checksum(tmp_path):
    path = saved_file(tmp_path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        load(path)


@pytest.mark.parametrize("keep", [0, 5, 8, 100, -1])
def test_truncated_files_are_rejected(tmp_path, keep):
    path = saved_file(tmp_path)
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        load(path)


def test_foreign_files_are_rejected(tmp_path):
    path = tmp_path / "foreign"
    for content in [b"hello world, this is not a safetensors file", json.dumps({"a": 1}).encode(), os.urandom(64)]:
        path.write_bytes(content)
        with pytest.raises(ValueError):
            load(path)
    torch.save({"w": torch.ones(2)}, str(path))  # a zip of pickles
    with pytest.raises(ValueError, match="never unpickles"):
        load(path)


class Trap:
    """Unpickling this would run code that writes a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.write_text, (pathlib.Path(self.marker), "unpickled"))


def test_a_pickle_is_never_unpickled(tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.safetensors"
    path.write_bytes(pickle.dumps({"w": Trap(marker)}))
    with pytest.raises(ValueError):
        load(path)
    assert not marker.exists()
    # and a pickle hidden in the metadata is only ever read as JSON text
    safetensors.torch.save_file({"w": torch.ones(1)}, str(path), metadata={"chainrule": pickle.dumps(Trap(marker)).hex()})
    with pytest.raises(ValueError, match="not valid JSON"):
        load(path)
    assert not marker.exists()


def write_with_header(path, tensors, header):
    safetensors.torch.save_file(tensors, str(path), metadata={"chainrule": json.dumps(header)})


def test_bad_chainrule_metadata_is_rejected(tmp_path):
    path = tmp_path / "bad.safetensors"
    good = saved_file(tmp_path)
    with safe_open(str(good), framework="pt") as f:
        tensors = {k: f.get_tensor(k) for k in f.keys()}
        header = json.loads(f.metadata()["chainrule"])
    write_with_header(path, tensors, header)
    assert_same(load(path), load(good))  # rewritten by torch with the same metadata: still fine
    from chainrule.serialization import _checksum

    arrays = {k: t.numpy() for k, t in tensors.items()}

    def with_structure(structure):  # a well-formed checksum, so the structure check itself is reached
        return {**header, "structure": structure, "sha256": _checksum(arrays, structure)}

    cases = [
        ({**header, "format_version": 99}, "upgrade chainrule"),
        ({**header, "format_version": "one"}, "format_version"),
        ({k: v for k, v in header.items() if k != "sha256"}, "sha256"),
        ({**header, "structure": {"dict": []}}, "checksum"),
        (with_structure({"set": [1, 2]}), "does not describe"),
        (with_structure({"dict": [["w", {"tensor": "missing"}]]}), "does not describe"),
        (with_structure({"dict": []}), "does not mention"),
    ]
    for bad_header, message in cases:
        write_with_header(path, tensors, bad_header)
        with pytest.raises(ValueError, match=message):
            load(path)


def test_save_is_atomic_when_the_write_fails_midway(tmp_path, monkeypatch):
    path = tmp_path / "state.safetensors"
    save({"w": cr.ones(3)}, path)
    before = path.read_bytes()
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])
            raise OSError("disk full")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    with pytest.raises(OSError, match="disk full"):
        save({"w": cr.zeros(1000)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["state.safetensors"]
    np.testing.assert_array_equal(load(path)["w"].numpy(), np.ones(3, np.float32))


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_save_is_atomic_when_fsync_or_rename_fails(tmp_path, monkeypatch, step):
    path = tmp_path / "state.safetensors"
    save({"w": cr.ones(3)}, path)
    before = path.read_bytes()

    def fail(*args):
        raise OSError(f"{step} failed")

    monkeypatch.setattr(os, step, fail)
    with pytest.raises(OSError, match=f"{step} failed"):
        save({"w": cr.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["state.safetensors"]


def test_save_replaces_the_previous_file(tmp_path):
    path = tmp_path / "state.safetensors"
    save({"w": cr.ones(3)}, path)
    save({"w": cr.zeros(2)}, str(path))
    assert load(path)["w"].tolist() == [0.0, 0.0]


def test_argument_errors(tmp_path):
    with pytest.raises(TypeError, match="path"):
        save({"w": cr.ones(1)}, 3)
    with pytest.raises(TypeError, match="path"):
        load(b"bytes are not a file")
    with pytest.raises(TypeError, match="can't store a set"):
        save({"w": {1, 2}}, tmp_path / "g")
    with pytest.raises(TypeError, match="dict keys"):
        save({(1, 2): cr.ones(1)}, tmp_path / "g")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        save(loop, tmp_path / "g")
    assert not (tmp_path / "g").exists()
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing")
    save({"w": cr.ones(1)}, tmp_path / "h")
    with pytest.raises(RuntimeError, match="CPU"):
        load(tmp_path / "h", map_location="cuda")


def tensors_of(dtype):
    return hnp.arrays(dtype, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)).map(cr.tensor)


leaves = (
    st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=5) | st.booleans() | st.none()
    | tensors_of(np.float32) | tensors_of(np.float64) | tensors_of(np.int64) | tensors_of(np.bool_)
)
keys = st.text(max_size=6) | st.integers(-5, 5)
trees = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=40, deadline=None)
@given(trees)
def test_any_tree_round_trips(tmp_path_factory, tree):
    path = tmp_path_factory.mktemp("tree") / "t.safetensors"
    save(tree, path)
    assert_same(load(path), tree)


def test_a_changed_number_in_the_metadata_fails_the_checksum(tmp_path):
    import json as _json

    path = tmp_path / "ckpt.safetensors"
    cr.save({"epoch": 3, "weights": cr.ones(2)}, path)
    raw = path.read_bytes()
    size = int.from_bytes(raw[:8], "little")
    header = _json.loads(raw[8 : 8 + size])
    inner = _json.loads(header["__metadata__"]["chainrule"])
    inner["structure"]["dict"][0][1] = 4  # epoch 3 -> 4, JSON still valid
    header["__metadata__"]["chainrule"] = _json.dumps(inner)
    text = _json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + size :])
    with pytest.raises(ValueError, match="checksum"):
        cr.load(path)


# runs cr.save(..., PATH) and is killed (SIGKILL) in the middle of it, after the temporary is written
KILLED_IN_SAVE = """
import os, signal, sys
import chainrule as cr

os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)
cr.save({"w": cr.ones(3)}, sys.argv[1])
"""


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL")
def test_a_save_cleans_up_the_temporaries_that_killed_saves_of_the_file_left(tmp_path):
    import signal
    import subprocess
    import sys

    target = tmp_path / "ckpt.safetensors"
    save({"w": cr.zeros(3)}, target)
    for _ in range(2):  # kill -9 in the middle of two saves: each leaves its .ckpt.safetensors.<hex>.tmp
        result = subprocess.run([sys.executable, "-c", KILLED_IN_SAVE, str(target)], capture_output=True, timeout=120)
        assert result.returncode == -signal.SIGKILL, result.stderr
    left = sorted(p.name for p in tmp_path.iterdir() if p.name != "ckpt.safetensors")
    assert len(left) == 2 and all(name.startswith(".ckpt.safetensors.") and name.endswith(".tmp") for name in left)
    np.testing.assert_array_equal(load(target)["w"].numpy(), np.zeros(3))  # the file itself was never touched
    others = [".other.safetensors.0123456789abcdef.tmp", ".ckpt.safetensors.0123456789ABCDEF.tmp",
              ".ckpt.safetensors.notahextoken.tmp", ".ckpt.safetensors.0123456789abcdef.tmp.keep",
              "ckpt.safetensors.0123456789abcdef.tmp", ".ckpt.safetensors.0123456789abcdef0.tmp", "notes.txt"]
    for name in others:
        (tmp_path / name).write_bytes(b"not a temporary of this save")
    save({"w": cr.ones(3)}, target)  # a later save of the same file
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(others + ["ckpt.safetensors"])
    for name in others:
        assert (tmp_path / name).read_bytes() == b"not a temporary of this save"
    np.testing.assert_array_equal(load(target)["w"].numpy(), np.ones(3))


def test_a_save_leaves_the_temporaries_of_other_files_alone(tmp_path):
    stale = tmp_path / ".a.safetensors.00112233445566aa.tmp"
    stale.write_bytes(b"x")
    save({"w": cr.ones(1)}, tmp_path / "b.safetensors")
    assert stale.read_bytes() == b"x"
    save({"w": cr.ones(1)}, tmp_path / "a.safetensors")
    assert not stale.exists()


# ---- file objects: io.BytesIO and open(path, 'wb' / 'rb'), as torch.save / torch.load take -------------
def test_round_trips_through_bytes_io():
    state = optimizer_state()
    buffer = io.BytesIO()
    save(state, buffer)
    buffer.seek(0)
    assert_same(load(buffer, map_location="cpu", weights_only=True), state)


def test_round_trips_through_open_files_and_matches_the_path_format(tmp_path):
    model = cr.nn.Linear(3, 2)
    with open(tmp_path / "model.safetensors", "wb") as f:
        save(model.state_dict(), f)
    with open(tmp_path / "model.safetensors", "rb") as f:
        assert_same(load(f), model.state_dict())
    save(model.state_dict(), tmp_path / "by_path.safetensors")
    assert (tmp_path / "model.safetensors").read_bytes() == (tmp_path / "by_path.safetensors").read_bytes()
    reference = safetensors.torch.load_file(tmp_path / "model.safetensors")  # independent reader
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(reference[name].numpy(), value.numpy())


def test_file_objects_are_read_and_written_at_their_position():
    buffer = io.BytesIO()
    buffer.write(b"prefix")
    save({"w": cr.arange(3)}, buffer)
    buffer.seek(len(b"prefix"))
    assert_same(load(buffer), {"w": cr.tensor([0, 1, 2])})
    assert buffer.getvalue().startswith(b"prefix")


def test_torch_and_chainrule_exchange_bytes_io():
    weights = {"w": torch.arange(6.0).reshape(2, 3)}
    loaded = load(io.BytesIO(safetensors.torch.save(weights)))
    np.testing.assert_array_equal(loaded["w"].numpy(), weights["w"].numpy())
    buffer = io.BytesIO()
    save({"w": cr.arange(6.0).reshape(2, 3)}, buffer)
    np.testing.assert_array_equal(safetensors.torch.load(buffer.getvalue())["w"].numpy(), weights["w"].numpy())


def test_bad_bytes_in_a_file_object_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="not a valid safetensors file"):
        load(io.BytesIO(b"not a safetensors file at all"))
    buffer = io.BytesIO()
    save({"w": cr.ones(4)}, buffer)
    with pytest.raises(ValueError, match="not a valid safetensors|corrupted"):
        load(io.BytesIO(buffer.getvalue()[:-3]))
    pickled = io.BytesIO()
    torch.save({"w": torch.ones(1)}, pickled)  # a pickle-based file: refused, never unpickled
    pickled.seek(0)
    with pytest.raises(ValueError, match="never unpickles"):
        load(pickled)
    (tmp_path / "t").write_bytes(buffer.getvalue())
    with open(tmp_path / "t") as text_file, pytest.raises(TypeError, match="binary mode"):
        load(text_file)
    with open(tmp_path / "u", "w") as text_file, pytest.raises(TypeError, match="binary mode"):
        save({"w": cr.ones(1)}, text_file)


def test_a_whole_module_is_refused_with_a_pointer_to_its_state_dict(tmp_path):
    model = cr.nn.Sequential(cr.nn.Linear(2, 2), cr.nn.ReLU())
    for target in (io.BytesIO(), tmp_path / "model.safetensors"):
        with pytest.raises(TypeError, match=r"whole Sequential.*model\.state_dict\(\)"):
            save(model, target)
    with pytest.raises(TypeError, match=r"whole Linear \(at model\).*state_dict"):
        save({"model": model[0]}, io.BytesIO())
    optimizer = cr.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"whole SGD.*optimizer\.state_dict\(\)"):
        save({"optimizer": optimizer}, io.BytesIO())
    buffer = io.BytesIO()
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, buffer)  # what to do instead
    buffer.seek(0)
    restored = load(buffer)
    assert_same(restored["model"], model.state_dict())
    assert_same(restored["optimizer"], optimizer.state_dict())
    assert not (tmp_path / "model.safetensors").exists()
