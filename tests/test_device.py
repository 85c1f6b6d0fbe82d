"""Devices: tensors on another array library's device (array-api-strict here, CuPy on a GPU), moves between
devices that gradients flow back through, mixed-device errors, and the CUDA device logic (with a fake CuPy)."""
import sys
import types

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.device import as_device, library, library_of

STRICT = "array_api_strict"
X = np.random.default_rng(0).uniform(-2, 2, (3, 4))


@pytest.fixture
def default_device():
    """Restores the default device a test changes."""
    before = cr.get_default_device()
    yield
    cr.set_default_device(before)


def test_a_tensor_made_on_a_device_reports_it_and_keeps_its_values_and_dtype():
    t = cr.tensor(X, device=STRICT)
    assert t.device == cr.device(STRICT) and str(t.device) == STRICT and not t.is_cuda
    assert type(t._data).__module__.startswith("array_api_strict")
    assert t.dtype == cr.float64 and t.shape == (3, 4)
    np.testing.assert_array_equal(t.cpu().numpy(), X)
    assert cr.zeros(2, 3, device=STRICT, dtype=cr.float32).device == cr.device(STRICT)
    assert cr.randn(2, device=STRICT).device == cr.device(STRICT)
    assert cr.zeros_like(t).device == t.device and t.new_ones(2).device == t.device
    assert "device='array_api_strict'" in repr(t)


def test_to_and_cpu_move_between_devices_and_return_self_where_nothing_changes():
    cpu = cr.tensor(X)
    assert cpu.to("cpu") is cpu and cpu.cpu() is cpu
    moved = cpu.to(STRICT)
    assert moved.device == cr.device(STRICT) and moved.to(STRICT) is moved
    back = moved.to("cpu", cr.float32)
    assert back.device == cr.device("cpu") and back.dtype == cr.float32
    np.testing.assert_array_equal(back.numpy(), X.astype(np.float32))
    assert cpu.to(moved).device == moved.device  # to(other): its device and dtype


def test_gradients_flow_back_through_a_move_to_the_source_device():
    ours = cr.tensor(X, requires_grad=True)
    y = ours.to(STRICT)
    loss = (y.exp() * y).sum().cpu()
    loss.backward()
    theirs = torch.tensor(X, requires_grad=True)
    (theirs.exp() * theirs).sum().backward()
    assert ours.grad.device == cr.device("cpu")
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    assert y.grad_fn.name() == "ToCopyBackward0"


def test_a_leaf_on_a_device_gets_its_gradient_there_and_accumulates_it():
    ours = cr.tensor(X, requires_grad=True, device=STRICT)
    for _ in range(2):
        (ours * ours).sum().backward()
    assert ours.grad.device == cr.device(STRICT)
    np.testing.assert_allclose(ours.grad.cpu().numpy(), 2 * (2 * X), rtol=1e-12)


def test_second_derivatives_on_a_device_match_torch():
    ours = cr.tensor(X, requires_grad=True, device=STRICT)
    (g,) = cr.autograd.grad((ours.tanh() * ours).sum(), [ours], create_graph=True)
    (gg,) = cr.autograd.grad(g.sum(), [ours])
    theirs = torch.tensor(X, requires_grad=True)
    (tg,) = torch.autograd.grad((theirs.tanh() * theirs).sum(), [theirs], create_graph=True)
    (tgg,) = torch.autograd.grad(tg.sum(), [theirs])
    np.testing.assert_allclose(gg.cpu().numpy(), tgg.numpy(), rtol=1e-10)


def test_mixing_devices_in_one_op_names_both():
    with pytest.raises(RuntimeError, match="same device.*cpu and array_api_strict"):
        cr.tensor(X) + cr.tensor(X, device=STRICT)


def test_an_op_not_yet_written_for_the_standard_refuses_other_libraries_clearly():
    from chainrule.autograd.function import Op

    class NumpyOnly(Op):  # array_api left False: its forward computes with NumPy only
        def forward(ctx, x):
            return np.cumsum(x, axis=-1)

        def backward(ctx, gy):
            return gy

    np.testing.assert_array_equal(NumpyOnly.apply(cr.tensor(X)).numpy(), np.cumsum(X, axis=-1))
    with pytest.raises(NotImplementedError, match="numpyonly: .*array_api_strict.*cpu()"):
        NumpyOnly.apply(cr.tensor(X, device=STRICT))


def test_the_default_device_places_new_tensors(default_device):
    cr.set_default_device(STRICT)
    assert cr.tensor([1.0, 2.0]).device == cr.device(STRICT) and cr.ones(2).device == cr.device(STRICT)
    cr.set_default_device("cpu")
    assert cr.ones(2).device == cr.device("cpu")


def test_layers_are_made_on_the_default_device_as_in_torch(default_device):
    cr.set_default_device(STRICT)
    layer = cr.nn.LSTM(2, 3)
    assert {p.device for p in layer.parameters()} == {cr.device(STRICT)}
    assert layer(cr.ones(4, 1, 2))[0].device == cr.device(STRICT)  # its zero initial state too
    cr.set_default_device("cpu")
    assert cr.nn.Linear(2, 3).weight.device == cr.device("cpu")


def test_a_module_moves_its_parameters_in_place_and_computes_there():
    cr.manual_seed(0)
    layer = cr.nn.Linear(4, 2).double()
    weight = layer.weight
    expected = layer(cr.tensor(X)).detach().numpy()
    assert layer.to(STRICT) is layer and layer.weight is weight
    assert weight.device == cr.device(STRICT) and layer.bias.device == cr.device(STRICT)
    out = layer(cr.tensor(X, device=STRICT))
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected, rtol=1e-12)
    out.sum().backward()
    assert weight.grad.device == cr.device(STRICT)
    layer.cpu()
    assert weight.device == cr.device("cpu") and weight.grad.device == cr.device("cpu")


def test_save_goes_through_the_host_and_load_maps_to_a_device(tmp_path):
    state = {"w": cr.tensor(X, device=STRICT)}
    cr.save(state, tmp_path / "w.safetensors")
    on_cpu = cr.load(tmp_path / "w.safetensors")["w"]
    assert on_cpu.device == cr.device("cpu")
    np.testing.assert_array_equal(on_cpu.numpy(), X)
    assert cr.load(tmp_path / "w.safetensors", map_location=STRICT)["w"].device == cr.device(STRICT)


def test_without_cupy_there_is_no_cuda_device():
    assert cr.cuda.is_available() is False and cr.cuda.device_count() == 0
    assert not cr.accelerator.is_available() and cr.accelerator.current_accelerator() is None
    with pytest.raises(RuntimeError, match="cupy"):
        cr.tensor(X).cuda()
    with pytest.raises(RuntimeError, match="cuda"):
        cr.zeros(2, device="cuda")


def test_a_fake_cupy_routes_the_cuda_device_logic(monkeypatch):
    fake = types.ModuleType("cupy")
    fake.cuda = types.SimpleNamespace(runtime=types.SimpleNamespace(getDeviceCount=lambda: 2))
    monkeypatch.setitem(sys.modules, "cupy", fake)
    assert cr.cuda.is_available() is True and cr.cuda.device_count() == 2
    assert cr.accelerator.is_available() and cr.accelerator.current_accelerator() == cr.device("cuda")
    assert cr.accelerator.device_count() == 2
    assert library(as_device("cuda")) is fake
    assert as_device("cuda") == cr.device("cuda:0")
    with pytest.raises(RuntimeError, match="cuda:2.*2 CUDA device"):
        library(cr.device("cuda:2"))


def test_cupy_arrays_compute_with_array_api_compats_namespace(monkeypatch):
    """CuPy's own namespace is NumPy's, not the standard's: its arrays go through array-api-compat's wrapper."""
    fake_cupy_array = type("ndarray", (), {"__module__": "cupy"})()
    standard = types.SimpleNamespace(name="array_api_compat.cupy")
    compat = types.ModuleType("array_api_compat")
    compat.array_namespace = lambda array: standard if array is fake_cupy_array else None
    monkeypatch.setitem(sys.modules, "array_api_compat", compat)
    assert library_of(fake_cupy_array) is standard
    assert library_of(np.ones(2)) is np and library_of(2.0) is np


def test_in_place_changes_on_another_device_write_its_memory_as_in_torch():
    results = []
    for lib, device in ((cr, STRICT), (torch, "cpu")):
        t = lib.tensor(X, device=device)
        row, column = t[0], t[:, 1]
        t.add_(1.0)
        row.mul_(2.0)  # through a view: the base sees it
        t[2] = 5.0
        column.zero_()
        t += lib.ones(4, device=device)
        results.append([a.cpu().numpy() if lib is cr else a.numpy() for a in (t, row, column)])
        if lib is cr:
            assert t.device == row.device == cr.device(STRICT) and type(t._data) is not np.ndarray
            assert t._version == row._version == column._version == 5
    for ours, theirs in zip(*results):
        np.testing.assert_array_equal(ours, theirs)


def test_in_place_changes_in_the_graph_on_another_device_give_torchs_gradients():
    grads = []
    for lib, device in ((cr, STRICT), (torch, "cpu")):
        x = lib.tensor(X, device=device, requires_grad=True)
        w = lib.tensor(X[0] + 3, device=device, requires_grad=True)
        y = x * 2
        y[1].mul_(w)  # CopySlices on y; w's gradient needs y's old row (kept)
        y[:, 2] = w[:3]
        y.exp_()
        y.sum().backward()
        grads.append([g.cpu().numpy() if lib is cr else g.numpy() for g in (y.detach(), x.grad, w.grad)])
        if lib is cr:
            assert x.grad.device == cr.device(STRICT) and y.grad_fn.name() == "ExpBackward0"
    for ours, theirs in zip(*grads):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_sort_topk_and_nonzero_give_indices_on_the_input_device():
    t = cr.tensor(X[0], device=STRICT)
    values, indices = cr.sort(t, descending=True)
    assert values.device == indices.device == t.device
    np.testing.assert_array_equal(indices.cpu().numpy(), torch.sort(torch.tensor(X[0]), descending=True).indices.numpy())
    assert cr.topk(t, 2).indices.device == t.device
    found = cr.nonzero(t > 0)
    assert found.device == t.device
    np.testing.assert_array_equal(found.cpu().numpy(), torch.nonzero(torch.tensor(X[0]) > 0).numpy())


@pytest.mark.parametrize("view", [
    lambda a: a[1], lambda a: a[:, 1:3], lambda a: a[::2, 1], lambda a: a.T, lambda a: a.reshape(-1)[3:7],
    lambda a: a[0:1].expand(3, 6),
])
def test_layouts_answer_memory_questions_as_numpy_does_on_any_library(view):
    """device.layout, shares_memory and inplace.positions_in give the same answers for a view of a NumPy
    array and of an array-api-strict one (read through DLPack): in-place changes find views alike everywhere."""
    from chainrule.device import layout, shares_memory
    from chainrule.ops.inplace import positions_in

    base = np.arange(24.0).reshape(4, 6)
    answers = []
    for device in ("cpu", STRICT):
        t = cr.tensor(base, device=device)
        v = view(t)
        place = layout(v._data)
        answers.append((place.shape, place.strides, place.read_only, place.address - layout(t._data).address,
                        shares_memory(v._data, t._data), shares_memory(t[:1]._data, t[1:]._data),
                        positions_in(t._data, v._data).tolist()))
    assert answers[0] == answers[1]
    assert answers[0][4] is True and answers[0][5] is False
    np.testing.assert_array_equal(base.reshape(-1)[answers[0][6]], view(cr.tensor(base)).numpy())


def test_random_draws_land_on_the_device_of_their_input_as_in_torch():
    """Random numbers are drawn on the host (cr.manual_seed seeds them) and placed on the input's device: the
    same numbers there as on the CPU."""
    p = np.array([[0.1, 0.9, 0.0], [0.3, 0.3, 0.4]])
    made = {}
    for device in ("cpu", STRICT):
        t = cr.tensor(p, device=device)
        cr.manual_seed(3)
        made[device] = [cr.multinomial(t, 2), cr.multinomial(t, 4, replacement=True), cr.bernoulli(t),
                        cr.randn_like(t), cr.rand_like(t)]
        assert {m.device for m in made[device]} == {cr.device(device)}
    for ours, cpu in zip(made[STRICT], made["cpu"]):
        np.testing.assert_array_equal(ours.cpu().numpy(), cpu.numpy())
