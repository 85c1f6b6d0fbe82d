"""Module: API behaviour, registration order, state dicts, modes and dtypes, and numbers equal to torch's;
whole models of nn layers (also on empty batches, and the seed notebooks' fully-connected nets)."""
from collections import OrderedDict

import numpy as np
import pytest
import torch
import torch.nn as tnn
import torch.nn.functional as TF
from nn_testing import assert_close, assert_grads_close, pair, rng
from torch_parity import check_torch, random_array

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F


def copy_weights(ours, theirs):
    """Give a torch model the same parameter values as a chainrule model of the same architecture."""
    with torch.no_grad():
        for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert name == tname
            tp.copy_(torch.tensor(p.detach().numpy()))


def mlp():
    return nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))


def torch_mlp():
    return tnn.Sequential(tnn.Linear(4, 5), tnn.ReLU(), tnn.Linear(5, 3))


class Square(nn.Module):
    """seed 0's custom activation sigma(x) = x ** 2, as a Module."""

    def forward(self, x):
        return x**2


class TorchSquare(tnn.Module):
    def forward(self, x):
        return x**2


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(cr.ones(3))
        self.body = nn.Sequential(nn.Linear(4, 4), nn.Tanh())
        self.heads = nn.ModuleList([nn.Linear(4, 3), nn.Linear(4, 3, bias=False)])
        self.register_buffer("running", cr.zeros(3))
        self.register_buffer("scratch", cr.zeros(1), persistent=False)

    def forward(self, x):
        h = self.body(x)
        return sum(head(h) for head in self.heads) * self.scale + self.running


class TorchNet(tnn.Module):
    def __init__(self):
        super().__init__()
        self.scale = tnn.Parameter(torch.ones(3))
        self.body = tnn.Sequential(tnn.Linear(4, 4), tnn.Tanh())
        self.heads = tnn.ModuleList([tnn.Linear(4, 3), tnn.Linear(4, 3, bias=False)])
        self.register_buffer("running", torch.zeros(3))
        self.register_buffer("scratch", torch.zeros(1), persistent=False)

    def forward(self, x):
        h = self.body(x)
        return sum(head(h) for head in self.heads) * self.scale + self.running


# ---- numbers equal to torch's ---------------------------------------------------------------------
@pytest.mark.parametrize("make, make_torch", [(mlp, torch_mlp), (Net, TorchNet)])
def test_forward_and_backward_match_torch(make, make_torch):
    model, tmodel = make().double(), make_torch().double()
    copy_weights(model, tmodel)
    x = rng(0).normal(size=(6, 4))
    labels = np.array([0, 1, 2, 0, 1, 2])
    loss = F.cross_entropy(model(cr.tensor(x)), cr.tensor(labels))
    tloss = torch.nn.functional.cross_entropy(tmodel(torch.tensor(x)), torch.tensor(labels))
    assert_close(loss, tloss)
    loss.backward()
    tloss.backward()
    for (name, p), (_, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        assert_close(p.grad, tp.grad)


def test_custom_activation_module_in_a_model():
    model = nn.Sequential(nn.Linear(2, 2), Square(), nn.Linear(2, 2), Square()).double()
    tmodel = tnn.Sequential(tnn.Linear(2, 2), TorchSquare(), tnn.Linear(2, 2), TorchSquare()).double()
    copy_weights(model, tmodel)
    x = rng(1).normal(size=(3, 2))
    loss = nn.MSELoss()(model(cr.tensor(x)), cr.tensor(np.ones((3, 2))))
    tloss = tnn.MSELoss()(tmodel(torch.tensor(x)), torch.tensor(np.ones((3, 2))))
    loss.backward()
    tloss.backward()
    assert_close(loss, tloss)
    for p, tp in zip(model.parameters(), tmodel.parameters()):
        assert_close(p.grad, tp.grad)
    assert "(1): Square()" in repr(model)


def test_float32_model_stays_float32():
    model = mlp()
    x = cr.randn(2, 4)
    out = model(x)
    out.sum().backward()
    assert out.dtype == cr.float32
    assert all(p.dtype == cr.float32 and p.grad.dtype == cr.float32 for p in model.parameters())


def test_repr_like_torch():
    assert repr(mlp()) == repr(torch_mlp())
    assert repr(Net()) == repr(TorchNet()).replace("TorchNet", "Net")
    many = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2), nn.Linear(2, 2), nn.ReLU()])
    tmany = tnn.ModuleList([tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.Linear(2, 2), tnn.ReLU()])
    assert repr(many) == repr(tmany)
    assert "(0): Linear(in_features=4, out_features=5, bias=True)" in repr(mlp())
    assert repr(nn.Parameter(cr.tensor([1.0, 2.0]))) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


# ---- registration and ordering --------------------------------------------------------------------
def test_names_and_order_equal_torchs():
    model, tmodel = Net(), TorchNet()
    assert [n for n, _ in model.named_parameters()] == [n for n, _ in tmodel.named_parameters()]
    assert [n for n, _ in model.named_buffers()] == [n for n, _ in tmodel.named_buffers()]
    assert [n for n, _ in model.named_modules()] == [n for n, _ in tmodel.named_modules()]
    assert [n for n, _ in model.named_children()] == [n for n, _ in tmodel.named_children()]
    assert list(model.state_dict()) == list(tmodel.state_dict())
    assert list(mlp().state_dict()) == list(torch_mlp().state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


def test_shared_parameters_and_modules_appear_once():
    shared = nn.Linear(3, 3)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]  # like torch: every name
    tied = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 3))
    tied[1].weight = tied[0].weight
    assert [n for n, _ in tied.named_parameters()] == ["0.weight", "0.bias", "1.bias"]


def names_of(model):
    """Every ordered listing a re-assignment could disturb, by name (class names without "Torch")."""
    return {
        "parameters": [n for n, _ in model.named_parameters()],
        "buffers": [n for n, _ in model.named_buffers()],
        "children": [(n, type(m).__name__.removeprefix("Torch")) for n, m in model.named_children()],
        "modules": [(n, type(m).__name__.removeprefix("Torch")) for n, m in model.named_modules()],
        "state_dict": list(model.state_dict()),
    }


def reassign_everything(lib, model):
    """Give every kind of entry of a Net / TorchNet a new object under its old name."""
    model.scale = lib.nn.Parameter(model.scale.detach() * 2)
    model.heads[0].weight = lib.nn.Parameter(model.heads[0].weight.detach() + 1)
    model.running = lib.ones(3, dtype=model.running.dtype)  # a persistent buffer
    model.scratch = lib.ones(1, dtype=model.scratch.dtype)  # a non-persistent one stays non-persistent
    model.body = lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.ReLU())
    model.body[1] = lib.nn.Sigmoid()  # Sequential.__setitem__ assigns under the existing key


def test_reassigning_an_existing_name_keeps_its_place_like_torch():
    model, tmodel = Net(), TorchNet()
    reassign_everything(cr, model)
    reassign_everything(torch, tmodel)
    assert names_of(model) == names_of(tmodel)
    layer, tlayer = nn.Linear(3, 2), tnn.Linear(3, 2)
    layer.weight = nn.Parameter(layer.weight.detach() * 2)
    tlayer.weight = tnn.Parameter(tlayer.weight.detach() * 2)
    assert names_of(layer) == names_of(tlayer)
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    norm, tnorm = nn.BatchNorm1d(3), tnn.BatchNorm1d(3)
    norm.running_mean, tnorm.running_mean = cr.ones(3), torch.ones(3)
    assert names_of(norm) == names_of(tnorm)
    assert norm.running_mean.tolist() == [1.0, 1.0, 1.0]


def test_moving_a_name_to_another_kind_goes_to_the_end_like_torch():
    def build(lib):
        module = lib.nn.Module()
        module.x = lib.nn.Parameter(lib.zeros(1))
        module.y = lib.nn.Parameter(lib.zeros(1))
        module.register_buffer("z", lib.zeros(1))
        module.register_buffer("w", lib.zeros(1), persistent=False)
        module.c = lib.nn.ReLU()
        module.d = lib.nn.ReLU()
        module.z = lib.nn.Parameter(lib.ones(1))  # a buffer's name taken by a Parameter
        module.w = lib.nn.Tanh()  # a non-persistent buffer's name taken by a module
        module.c = lib.nn.Parameter(lib.ones(1))  # a module's name taken by a Parameter
        module.x = None  # stays registered, as None, in its place
        module.x = lib.nn.Parameter(lib.ones(1))
        with pytest.raises(TypeError, match="parameter 'y'"):
            module.y = lib.nn.ReLU()  # a Parameter's name refuses a module, in both
        return module

    assert names_of(build(cr)) == names_of(build(torch))
    assert list(build(cr)._parameters) == list(build(torch)._parameters) == ["x", "y", "z", "c"]


@pytest.mark.parametrize("make, make_torch", [(mlp, torch_mlp), (Net, TorchNet)])
def test_reassigning_parameters_while_iterating_named_parameters_like_torch(make, make_torch):
    """What weight loading code does: a new Parameter per name, set on its owner inside the loop."""
    model, tmodel = make().double(), make_torch().double()
    copy_weights(model, tmodel)
    for lib, m in ((cr, model), (torch, tmodel)):
        owners, count = dict(m.named_modules()), 0
        for name, p in m.named_parameters():
            owner_name, _, leaf = name.rpartition(".")
            setattr(owners[owner_name], leaf, lib.nn.Parameter(p.detach() * 2))
            count += 1
        assert count == len(list(m.parameters()))  # every parameter visited once, none twice
    assert names_of(model) == names_of(tmodel)
    for (name, p), (tname, tp) in zip(model.state_dict().items(), tmodel.state_dict().items()):
        assert name == tname
        assert_close(p, tp)
    x = rng(1).normal(size=(3, 4))
    assert_close(model(cr.tensor(x)), tmodel(torch.tensor(x)))


def test_weight_tying_gives_torchs_parameter_list():
    def tie(lib):
        a, b = lib.nn.Linear(3, 3), lib.nn.Linear(3, 3)
        b.weight = a.weight
        return a, b, lib.nn.Sequential(a, lib.nn.ReLU(), b)

    a, b, model = tie(cr)
    ta, tb, tmodel = tie(torch)
    assert names_of(model) == names_of(tmodel)
    assert names_of(b) == names_of(tb)  # the tied weight keeps b's first place
    ours = [[p is q for q in (a.weight, a.bias, b.bias)] for p in model.parameters()]
    theirs = [[p is q for q in (ta.weight, ta.bias, tb.bias)] for p in tmodel.parameters()]
    assert ours == theirs
    assert [p is a.weight for p in b.parameters()] == [p is ta.weight for p in tb.parameters()] == [True, False]


def test_attribute_registration():
    module = nn.Module()
    module.w = nn.Parameter(cr.zeros(2))
    module.child = nn.Linear(2, 2)
    module.register_buffer("b", cr.ones(2))
    module.plain = 3
    assert list(module._parameters) == ["w"] and list(module._modules) == ["child"] and list(module._buffers) == ["b"]
    module.b = cr.zeros(2)  # assigning a tensor to a buffer name replaces the buffer
    assert module.b.tolist() == [0.0, 0.0]
    module.w = None
    assert module.w is None and list(module.parameters()) == list(module.child.parameters())
    with pytest.raises(TypeError, match="parameter 'w'"):
        module.w = cr.zeros(2)  # a plain tensor is not a Parameter
    del module.child
    assert not hasattr(module, "child")
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        module.missing
    module.register_parameter("v", nn.Parameter(cr.zeros(1)))
    module.add_module("head", nn.ReLU())
    assert module.v.shape == (1,) and isinstance(module.head, nn.ReLU)
    with pytest.raises(KeyError, match="already exists"):
        module.register_buffer("plain", cr.zeros(1))
    with pytest.raises(KeyError, match=r"\."):
        module.register_parameter("a.b", None)
    with pytest.raises(TypeError):
        module.add_module("x", 3)


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.layer = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="__init__"):
        Broken()


def test_missing_forward_is_a_clear_error():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(cr.zeros(1))


# ---- modes and gradients --------------------------------------------------------------------------
def test_train_and_eval_reach_every_child():
    model = Net()
    assert model.training and all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model.body[1].training
    with pytest.raises(ValueError, match="boolean"):
        model.train("yes")


def test_zero_grad_and_requires_grad():
    model = mlp()
    model(cr.randn(2, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all((p.grad.numpy() == 0).all() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_apply_visits_children_before_parents():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Tanh()))
    tmodel = tnn.Sequential(tnn.Linear(2, 2), tnn.Sequential(tnn.ReLU(), tnn.Tanh()))
    seen, tseen = [], []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    tmodel.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen


def test_apply_with_init_functions():
    model = mlp()

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.bias)
            nn.init.ones_(m.weight)

    model.apply(init_weights)
    assert all((p.detach().numpy() == (1 if n.endswith("weight") else 0)).all() for n, p in model.named_parameters())


# ---- dtype and device -----------------------------------------------------------------------------
def test_double_and_float_convert_in_place_keeping_the_objects():
    model = Net()
    params_before = list(model.parameters())
    model(cr.randn(2, 4)).sum().backward()
    assert model.double() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params_before]
    assert all(p.dtype == cr.float64 and p.grad.dtype == cr.float64 for p in model.parameters())
    assert all(b.dtype == cr.float64 for b in model.buffers())
    assert model(cr.randn(2, 4, dtype=cr.float64)).dtype == cr.float64
    model.float()
    assert all(p.dtype == cr.float32 for p in model.parameters())
    assert model.to(cr.float64) is model and model.body[0].weight.dtype == cr.float64
    assert model.to("cpu") is model and model.to("cpu", cr.float32).body[0].weight.dtype == cr.float32
    assert model.to(cr.device("cpu")) is model and model.cpu() is model
    assert model.to(cr.zeros(1, dtype=cr.float64)).body[0].weight.dtype == cr.float64
    with pytest.raises(RuntimeError, match="cuda"):
        model.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        model.to(cr.int64)


def test_integer_buffers_keep_their_dtype():
    module = nn.Module()
    module.register_buffer("count", cr.tensor(3))
    module.double()
    assert module.count.dtype == cr.int64


# ---- state_dict / load_state_dict -----------------------------------------------------------------
def test_state_dict_is_detached_and_shares_memory():
    model = Net()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert "scratch" not in state and "running" in state
    assert not any(t.requires_grad for t in state.values())
    assert state["body.0.weight"]._data is model.body[0].weight._data
    assert model.state_dict(keep_vars=True)["scale"] is model.scale


def test_state_dict_round_trip_with_torch():
    model, tmodel = Net(), TorchNet()
    tmodel.load_state_dict({k: torch.tensor(v.numpy()) for k, v in model.state_dict().items()})
    back = Net()
    result = back.load_state_dict(tmodel.state_dict())  # torch tensors load directly
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert repr(result) == "<All keys matched successfully>"
    for (k, a), (_, b) in zip(model.state_dict().items(), back.state_dict().items()):
        assert (a.numpy() == b.numpy()).all(), k


def test_load_state_dict_copies_into_the_same_objects_with_their_dtype():
    model = mlp()
    weight = model[0].weight
    array = weight._data
    source = mlp().double()
    model.load_state_dict(source.state_dict())
    assert model[0].weight is weight and weight._data is array and weight.dtype == cr.float32
    np.testing.assert_allclose(weight.detach().numpy(), source[0].weight.detach().numpy(), rtol=1e-6)


def snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def assert_unchanged(model, before):
    after = snapshot(model)
    assert all((after[k] == before[k]).all() for k in before)


def test_load_state_dict_refuses_missing_keys_and_changes_nothing():
    model = mlp()
    before = snapshot(model)
    state = mlp().state_dict()
    del state["0.weight"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0.weight"'):
        model.load_state_dict(state)
    assert_unchanged(model, before)


def test_load_state_dict_refuses_unexpected_keys_and_changes_nothing():
    model = mlp()
    before = snapshot(model)
    state = mlp().state_dict()
    state["extra.weight"] = cr.zeros(2)
    state["0.bias"] = "not a tensor"
    with pytest.raises(RuntimeError, match='0.bias.*received str'):
        model.load_state_dict(state, strict=False)
    state["0.bias"] = mlp().state_dict()["0.bias"]
    with pytest.raises(RuntimeError, match='Unexpected key\\(s\\) in state_dict: "extra.weight"'):
        model.load_state_dict(state)
    assert_unchanged(model, before)


def test_load_state_dict_refuses_size_mismatch_even_when_not_strict():
    model = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 2))
    before = snapshot(model)
    state = nn.Sequential(nn.Linear(4, 3), nn.Linear(4, 2)).state_dict()
    message = ("size mismatch for 0.weight: copying a param with shape (3, 4) from checkpoint, "
               "the shape in current model is (4, 4)")
    for strict in (True, False):
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            model.load_state_dict(state, strict=strict)
        assert_unchanged(model, before)


def test_load_state_dict_not_strict_loads_what_matches():
    model = mlp()
    source = mlp()
    state = source.state_dict()
    del state["2.bias"]
    state["other"] = cr.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["2.bias"] and result.unexpected_keys == ["other"]
    assert (model[0].weight.detach().numpy() == source[0].weight.detach().numpy()).all()
    assert not (model[2].bias.detach().numpy() == source[2].bias.detach().numpy()).all()


def test_an_optimizer_made_before_double_still_trains_the_model():
    cr.manual_seed(0)
    model = mlp()
    optimizer = cr.optim.SGD(model.parameters(), lr=0.5)
    model.double()
    before = [p.detach().numpy().copy() for p in model.parameters()]
    x = cr.randn(8, 4, dtype=cr.float64)
    F.cross_entropy(model(x), cr.tensor([0, 1, 2, 0, 1, 2, 0, 1])).backward()
    optimizer.step()
    assert all(p.dtype == cr.float64 for p in model.parameters())
    assert all(not np.array_equal(b, p.detach().numpy()) for b, p in zip(before, model.parameters()))


def test_feeding_float64_to_a_float32_model_names_the_fix():
    with pytest.raises(TypeError, match="model.double"):
        mlp()(cr.randn(2, 4, dtype=cr.float64))


# ---- empty batches (N = 0) and empty feature dims ----------------------------------------------------
EMPTY_INPUT_CASES = [  # (name, fn(lib, x), input shape)
    ("relu", lambda lib, x: lib.nn.functional.relu(x), (0, 3)),
    ("tanh", lambda lib, x: lib.nn.functional.tanh(x), (0, 3)),
    ("sigmoid", lambda lib, x: lib.nn.functional.sigmoid(x), (0, 3)),
    ("gelu", lambda lib, x: lib.nn.functional.gelu(x), (0, 3)),
    ("gelu_tanh", lambda lib, x: lib.nn.functional.gelu(x, approximate="tanh"), (0, 3)),
    ("ReLU, no features", lambda lib, x: lib.nn.ReLU()(x), (4, 0)),
    ("Tanh", lambda lib, x: lib.nn.Tanh()(x), (0, 2, 3)),
    ("Sigmoid", lambda lib, x: lib.nn.Sigmoid()(x), (0, 2, 3)),
    ("GELU", lambda lib, x: lib.nn.GELU()(x), (2, 0)),
    ("dropout", lambda lib, x: lib.nn.functional.dropout(x, 0.5, training=True), (0, 3)),
    ("dropout p=1", lambda lib, x: lib.nn.functional.dropout(x, 1.0, training=True), (0, 3)),
    ("Dropout", lambda lib, x: lib.nn.Dropout(0.3)(x), (0, 2, 3)),
    ("Dropout, eval", lambda lib, x: lib.nn.Dropout(0.3).eval()(x), (0, 2, 3)),
    ("Flatten", lambda lib, x: lib.nn.Flatten()(x), (0, 2, 3)),
    ("Flatten, all dims", lambda lib, x: lib.nn.Flatten(0)(x), (0, 2, 3)),
    ("Flatten, no channels", lambda lib, x: lib.nn.Flatten()(x), (2, 0, 3)),
    ("Flatten, middle dims", lambda lib, x: lib.nn.Flatten(1, 2)(x), (0, 0, 3, 2)),
]


@pytest.mark.parametrize("name, fn, shape", EMPTY_INPUT_CASES, ids=[case[0] for case in EMPTY_INPUT_CASES])
def test_layers_of_empty_inputs_match_torch(name, fn, shape):
    check_torch(fn, random_array(shape))


def small_cnn(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Conv2d(2, 4, 3, padding=1), nn_.BatchNorm2d(4), nn_.ReLU(), nn_.MaxPool2d(2),
                          nn_.Flatten(), nn_.Linear(4 * 3 * 3, 5), nn_.Dropout(0.2), nn_.GELU(), nn_.Linear(5, 3))


def small_mlp(lib):
    nn_ = lib.nn
    return nn_.Sequential(nn_.Linear(4, 6), nn_.Tanh(), nn_.LayerNorm(6), nn_.Linear(6, 6), nn_.Sigmoid(),
                          nn_.Linear(6, 3))


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("make, shape", [(small_cnn, (0, 2, 6, 6)), (small_mlp, (0, 4)), (small_mlp, (2, 0, 4))])
def test_models_on_empty_batches_match_torch(make, shape, training):
    """A whole model and its loss on an empty batch: empty outputs, a nan mean loss, and zero gradients for
    every parameter, as torch's; in train mode BatchNorm's running statistics stay as they were."""
    ours, theirs = make(cr).double().train(training), make(torch).double().train(training)
    ours.load_state_dict(theirs.state_dict())
    x, tx = pair(random_array(shape))
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty)
    if y.ndim == 3:  # (2, 0, 3) logits: the classes to dim 1 for cross_entropy
        y, ty = y.permute(0, 2, 1), ty.permute(0, 2, 1)
    labels = np.zeros(ty.shape[:1] + ty.shape[2:], np.int64)
    loss = F.cross_entropy(y, cr.tensor(labels))
    tloss = TF.cross_entropy(ty, torch.tensor(labels))
    assert_close(loss, tloss)  # nan
    loss.backward()
    tloss.backward()
    assert_grads_close([x, *ours.parameters()], [tx, *theirs.parameters()])
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)


# ---- a whole network -------------------------------------------------------------------------------
def _lenet(lib):
    n = lib.nn
    return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(), n.MaxPool2d(2),
                        n.Conv2d(4, 6, 3, groups=2), n.ReLU(), n.AvgPool2d(2, ceil_mode=True), n.Flatten(),
                        n.Linear(6, 5), n.LayerNorm(5), n.Linear(5, 3))


def test_small_cnn_trains_like_torch():
    ours, theirs = _lenet(cr).double(), _lenet(torch).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict(theirs.state_dict())
    opt = cr.optim.SGD(ours.parameters(), lr=0.1, momentum=0.9)
    topt = torch.optim.SGD(theirs.parameters(), lr=0.1, momentum=0.9)
    r = rng(12)
    for _ in range(3):
        x, y = r.normal(size=(5, 1, 8, 8)), r.integers(0, 3, size=5)
        loss = F.cross_entropy(ours(cr.tensor(x)), cr.tensor(y))
        tloss = TF.cross_entropy(theirs(torch.tensor(x)), torch.tensor(y))
        assert_close(loss, tloss)
        for o, lib_loss in ((opt, loss), (topt, tloss)):
            o.zero_grad()
            lib_loss.backward()
            o.step()
    for key, value in theirs.state_dict().items():
        assert_close(ours.state_dict()[key], value)


# ---- the seed notebooks' examples: their printed numbers are the expected values -----------------------
def one_sgd_step(weights, biases, activation, lr=0.01):
    """seed 0: a fully-connected net with the given weights, one SGD step on MSELoss for input [1, 1], target [2, 3]."""
    layers = []
    for w, b in zip(weights, biases):
        layer = nn.Linear(len(w[0]), len(w)).double()
        layer.load_state_dict({"weight": np.array(w, dtype=float), "bias": np.array(b, dtype=float)})
        layers += [layer] + ([activation()] if activation else [])
    model = nn.Sequential(*layers)
    loss = nn.MSELoss()(model(cr.tensor([1.0, 1.0], dtype=cr.float64)), cr.tensor([2.0, 3.0], dtype=cr.float64))
    loss.backward()
    with cr.no_grad():
        for p in model.parameters():
            p -= lr * p.grad
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return [[round(float(v), 4) for v in m.weight.detach().numpy().ravel()] for m in linears], \
           [[round(float(v), 4) for v in m.bias.detach().numpy()] for m in linears]


def test_seed0_identity_activation():
    weights, biases = one_sgd_step([[[1, -2], [2, 4], [-3, 1]], [[1, 2, -3], [2, -1, 3]]], [[1, 2, 3], [2, 1]], None)
    assert weights == [[1.01, -1.99, 1.67, 3.67, -2.4, 1.6], [1.0, 0.96, -3.13, 2.0, -0.44, 3.07]]
    assert biases == [[1.01, 1.67, 3.6], [1.87, 1.07]]


def test_seed0_square_activation_module():
    weights, biases = one_sgd_step([[[1, -2], [1, 1]], [[1, -1], [2, -1]]], [[0, 0], [0, 0]], Square)
    assert weights == [[0.0, -3.0, -0.84, -0.84], [1.42, 0.68, 2.04, -0.84]]
    assert biases == [[-1.0, -1.84], [0.42, 0.04]]
