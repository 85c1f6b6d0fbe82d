"""cr.distributed on MPI: errors and a world of one in this process; the collectives under mpiexec -n 2,
checked against values every rank computes independently with NumPy."""
import importlib.util
import json

import numpy as np
import pytest
import torch.distributed

import chainrule as cr
import chainrule.distributed as dist
from tests.mpi_testing import run_mpi


@pytest.fixture
def world():
    dist.init_process_group("mpi")
    yield
    dist.destroy_process_group()


def test_available_when_mpi4py_imports():
    assert importlib.util.find_spec("mpi4py") is not None  # a dev dependency (chainrule[mpi])
    assert dist.is_available() is True and dist.is_mpi_available() is True


def test_without_init_the_errors_are_torchs():
    for name in ("get_rank", "get_world_size"):
        with pytest.raises(ValueError) as theirs:
            getattr(torch.distributed, name)()
        with pytest.raises(ValueError) as ours:
            getattr(dist, name)()
        assert str(ours.value) == str(theirs.value)
    assert dist.is_initialized() is False and dist.group.WORLD is None
    with pytest.raises(ValueError, match="not been initialized"):
        dist.all_reduce(cr.ones(2))


def test_only_the_mpi_backend_exists():
    for backend in ("gloo", "nccl"):
        with pytest.raises(ValueError, match="only backend is 'mpi'"):
            dist.init_process_group(backend)
    assert not dist.is_initialized()


def test_a_world_of_one(world):
    assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "mpi")
    assert dist.is_initialized() and dist.group.WORLD.size() == 1
    with pytest.raises(ValueError, match="twice"):
        dist.init_process_group("mpi")
    t = cr.tensor([1.5, -2.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG)
    dist.broadcast(t, src=0)
    out = [cr.zeros(2)]
    dist.all_gather(out, t)
    np.testing.assert_array_equal(out[0].numpy(), [1.5, -2.0])
    dist.barrier()
    with pytest.raises(ValueError, match="rank from 0 to 0"):
        dist.broadcast(t, src=1)
    with pytest.raises(TypeError, match="ReduceOp"):
        dist.all_reduce(t, op="sum")


def test_world_size_and_rank_arguments_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="ignored"):
        dist.init_process_group("mpi", world_size=3, rank=2)
    try:
        assert dist.get_world_size() == 1
    finally:
        dist.destroy_process_group()


SCRIPT = r"""
import json, sys
import numpy as np
import chainrule as cr
import chainrule.distributed as dist

dist.init_process_group(backend="mpi")
rank, size = dist.get_rank(), dist.get_world_size()
def mine(r):  # every rank's input, which every rank can compute
    return np.arange(6.0).reshape(2, 3) * (r + 1) - r
out = {}
for op in ("SUM", "AVG", "MAX", "MIN", "PRODUCT"):
    t = cr.tensor(mine(rank))
    dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
    out[op] = t.tolist()
t = cr.tensor([rank + 1, 6], dtype=cr.int64)
dist.all_reduce(t, op=dist.ReduceOp.BAND)
out["BAND"] = t.tolist()
column = cr.tensor(mine(rank))[:, 1]          # not contiguous: the result is written back through the view
dist.all_reduce(column)
out["column"] = column.tolist()
t = cr.tensor(mine(rank))
work = dist.all_reduce(t, async_op=True)
work.wait()
out["async"] = t.tolist()
t = cr.tensor(mine(rank))
dist.broadcast(t, src=size - 1)
out["broadcast"] = t.tolist()
t = cr.tensor(mine(rank))
dist.reduce(t, dst=0)
out["reduce"] = t.tolist()
gathered = [cr.zeros(2, 3, dtype=cr.float64) for _ in range(size)]
dist.all_gather(gathered, cr.tensor(mine(rank)))
out["all_gather"] = [g.tolist() for g in gathered]
dist.barrier()
dist.destroy_process_group()
with open(f"rank{rank}.json", "w") as f:
    json.dump({"rank": rank, "size": size, **out}, f)
"""


def test_collectives_under_mpiexec(tmp_path):
    (tmp_path / "collectives.py").write_text(SCRIPT)
    run_mpi(2, ["collectives.py"], cwd=tmp_path)
    results = [json.loads((tmp_path / f"rank{rank}.json").read_text()) for rank in range(2)]
    assert [r["rank"] for r in results] == [0, 1] and all(r["size"] == 2 for r in results)
    inputs = [np.arange(6.0).reshape(2, 3) * (r + 1) - r for r in range(2)]
    expected = {"SUM": sum(inputs), "AVG": sum(inputs) / 2, "MAX": np.maximum(*inputs),
                "MIN": np.minimum(*inputs), "PRODUCT": inputs[0] * inputs[1], "BAND": [1 & 2, 6],
                "column": sum(inputs)[:, 1], "async": sum(inputs), "broadcast": inputs[1],
                "all_gather": np.stack(inputs)}
    for r in results:
        for key, value in expected.items():
            np.testing.assert_array_equal(r[key], value, err_msg=key)
    np.testing.assert_array_equal(results[0]["reduce"], sum(inputs))
    np.testing.assert_array_equal(results[1]["reduce"], inputs[1])  # only dst receives the sum
