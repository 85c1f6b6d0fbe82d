"""DistributedDataParallel: N processes with batch B each take the same steps as torch with batch N*B in one
process (mpiexec -n 2 and -n 4, float64, SGD with momentum); no_sync, find_unused_parameters; the buckets as
torch assigns them; errors in a world of one."""
import json

import numpy as np
import pytest
import torch
import torch.distributed

import chainrule as cr
import chainrule.distributed as dist
from chainrule.nn.parallel import DistributedDataParallel
from chainrule.nn.parallel.distributed import _assign_buckets
from tests.mpi_testing import run_mpi

B, STEPS = 3, 3

SCRIPT = r"""
import json, sys
import numpy as np
import chainrule as cr
import chainrule.distributed as dist
from chainrule.nn.parallel import DistributedDataParallel as DDP

B, STEPS, DEVICE = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
dist.init_process_group("mpi")
rank, size = dist.get_rank(), dist.get_world_size()
cr.manual_seed(rank)  # a different init on every rank: DDP starts them all from rank 0's
net = cr.nn.Sequential(cr.nn.Linear(4, 6, dtype=cr.float64), cr.nn.Tanh(), cr.nn.Linear(6, 2, dtype=cr.float64))
net.to(DEVICE)  # on another device, the buckets are host copies of the gradients
model = DDP(net, bucket_cap_mb=100 / 2**20)  # several buckets (100 bytes each)
opt = cr.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
rng = np.random.default_rng(0)
X, Y = rng.normal(size=(STEPS, size * B, 4)), rng.normal(size=(STEPS, size * B, 2))
weights = [[p.tolist() for p in net.parameters()]]
for step in range(STEPS):
    x, y = cr.tensor(X[step, rank * B:(rank + 1) * B], device=DEVICE), cr.tensor(Y[step, rank * B:(rank + 1) * B], device=DEVICE)
    loss = ((model(x) - y) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    weights.append([p.tolist() for p in net.parameters()])

# no_sync: two half batches, the first without averaging, give the full-batch gradient summed over both
opt.zero_grad()
half = B // 2 + 1
x, y = cr.tensor(X[0, rank * B:(rank + 1) * B], device=DEVICE), cr.tensor(Y[0, rank * B:(rank + 1) * B], device=DEVICE)
with model.no_sync():
    ((model(x[:half]) - y[:half]) ** 2).sum().backward()
local = [p.grad.tolist() for p in net.parameters()]  # not averaged yet
((model(x[half:]) - y[half:]) ** 2).sum().backward()
accumulated = [p.grad.tolist() for p in net.parameters()]

# find_unused_parameters: rank 0 never uses `extra`, rank 1 does; both get the average, a parameter no rank
# uses keeps .grad None
class Two(cr.nn.Module):
    def __init__(self):
        super().__init__()
        self.body = cr.nn.Linear(4, 2, dtype=cr.float64)
        self.extra = cr.nn.Linear(4, 2, dtype=cr.float64)
        self.never = cr.nn.Linear(4, 2, dtype=cr.float64)
    def forward(self, x):
        return self.body(x) + (self.extra(x) if rank == 1 else 0)
two = DDP(Two().to(DEVICE), find_unused_parameters=True)
two(x).sum().backward()
unused = {name: None if p.grad is None else p.grad.tolist() for name, p in two.named_parameters()}
with open(f"rank{rank}.json", "w") as f:
    json.dump({"rank": rank, "weights": weights, "local": local, "accumulated": accumulated,
               "unused": unused, "keys": list(model.state_dict())}, f)
"""


def torch_reference(initial, processes):
    """The same run in one torch process with the whole batch N*B per step."""
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)).double()
    with torch.no_grad():
        for p, value in zip(net.parameters(), initial):
            p.copy_(torch.tensor(value, dtype=torch.float64))
    opt = torch.optim.SGD(net.parameters(), lr=0.2, momentum=0.9)
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(STEPS, processes * B, 4)), rng.normal(size=(STEPS, processes * B, 2))
    weights = []
    for step in range(STEPS):
        loss = ((net(torch.tensor(X[step])) - torch.tensor(Y[step])) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        weights.append([p.detach().numpy().copy() for p in net.parameters()])
    return weights, X, Y


def run(processes, tmp_path, device="cpu"):
    (tmp_path / "ddp.py").write_text(SCRIPT)
    run_mpi(processes, ["ddp.py", str(B), str(STEPS), device], cwd=tmp_path)
    return [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in range(processes)]


def check_steps(results, processes):
    initial = results[0]["weights"][0]
    for r in results:  # every rank started from rank 0's weights
        for mine, first in zip(r["weights"][0], initial):
            np.testing.assert_array_equal(mine, first)
    reference, _X, _Y = torch_reference(initial, processes)
    for r in results:
        for step, expected in enumerate(reference, start=1):
            for got, want in zip(r["weights"][step], expected):
                np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, err_msg=f"step {step}")


@pytest.fixture(scope="module", params=["cpu", "array_api_strict"])
def two(request, tmp_path_factory):
    """Two processes; on array-api-strict (the stand-in for a GPU) the model and batches live there and the
    gradients reach the MPI buckets through host copies."""
    return run(2, tmp_path_factory.mktemp("ddp2"), request.param)


def test_two_processes_match_one_with_the_whole_batch(two):
    check_steps(two, 2)
    assert two[0]["keys"] == ["module.0.weight", "module.0.bias", "module.2.weight", "module.2.bias"]


def test_find_unused_parameters(two):
    """extra is used on rank 1 only: both ranks get half of rank 1's gradient; a parameter no rank uses keeps
    .grad None (the loss is a sum over B rows, so a bias's gradient is B per output)."""
    for r in two:
        assert r["unused"]["module.never.weight"] is None and r["unused"]["module.never.bias"] is None
        np.testing.assert_array_equal(r["unused"]["module.extra.bias"], [3 / 2, 3 / 2])  # B rows of ones, / 2
        np.testing.assert_array_equal(r["unused"]["module.body.bias"], [3, 3])


def test_no_sync_accumulates_then_averages(two):
    """The gradient after no_sync + one synced backward is the mean over ranks of each rank's summed
    gradient over its whole batch (torch: the sum of squared errors over B rows, averaged over 2 ranks)."""
    results = two
    local = [np.asarray(r["local"][0]) for r in results]
    assert not np.allclose(local[0], local[1])  # inside no_sync each rank kept its own gradient
    initial = results[0]["weights"][STEPS]
    net = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2)).double()
    with torch.no_grad():
        for p, value in zip(net.parameters(), initial):
            p.copy_(torch.tensor(value, dtype=torch.float64))
    X, Y = torch_reference(results[0]["weights"][0], 2)[1:]
    ((net(torch.tensor(X[0])) - torch.tensor(Y[0])) ** 2).sum().div(2).backward()
    for r in results:
        for got, p in zip(r["accumulated"], net.parameters()):
            np.testing.assert_allclose(got, p.grad.numpy(), rtol=0, atol=1e-12)


def test_four_processes_match_one_with_the_whole_batch(tmp_path):
    check_steps(run(4, tmp_path), 4)


def test_buckets_are_torchs():
    shapes = [((100,), cr.float64), ((50,), cr.float32), ((300,), cr.float64), ((10,), cr.float64),
              ((200,), cr.float64), ((5,), cr.float32)]
    ours = [cr.zeros(*shape, dtype=dtype) for shape, dtype in shapes]
    theirs = [torch.zeros(*shape, dtype=getattr(torch, str(dtype).removeprefix("chainrule."))) for shape, dtype in shapes]
    for caps in ([1000, 2000], [1000], [10**6]):
        expected, _limits = torch.distributed._compute_bucket_assignment_by_size(theirs, caps)
        assert _assign_buckets(ours, caps) == list(reversed(expected))


@pytest.fixture
def world():
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def test_errors_as_torch(world):
    with pytest.raises(RuntimeError, match="doesn't have any parameter that requires a gradient"):
        DistributedDataParallel(cr.nn.ReLU())
    with pytest.raises(ValueError, match="device_ids and output_device arguments only work"):
        DistributedDataParallel(cr.nn.Linear(2, 2), device_ids=[0])
    model = DistributedDataParallel(cr.nn.Sequential(cr.nn.Linear(2, 2), cr.nn.Linear(2, 2)))
    model.module[0](cr.ones(1, 2)).sum().backward()  # through the module itself: nothing to average
    out = model(cr.ones(1, 2))
    with pytest.raises(RuntimeError, match="find_unused_parameters=True"):
        model.module[1](out.detach()).sum().backward()  # the first layer gets no gradient
    model(cr.ones(1, 2)).sum().backward()  # the next iteration works
    assert model.module[0].weight.grad is not None


def test_needs_a_process_group():
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedDataParallel(cr.nn.Linear(2, 2))


def test_a_world_of_one_changes_nothing(world):
    net = cr.nn.Linear(3, 2, dtype=cr.float64)
    model = DistributedDataParallel(net)
    x = cr.randn(4, 3, dtype=cr.float64)
    model(x).pow(2).sum().backward()
    w = torch.tensor(net.weight.detach().numpy(), requires_grad=True)
    torch.nn.functional.linear(torch.tensor(x.numpy()), w, torch.tensor(net.bias.detach().numpy())).pow(2).sum().backward()
    np.testing.assert_allclose(net.weight.grad.numpy(), w.grad.numpy(), rtol=1e-12)
    assert model.module is net and list(model.state_dict()) == ["module.weight", "module.bias"]
