"""The default process group and its collectives, on MPI through mpi4py (torch.distributed's "mpi" backend).

Start the processes with `mpiexec -n N python script.py`; each calls init_process_group("mpi") and then
get_rank() / get_world_size() say which of the N it is. The collectives change NumPy-backed tensors in place
and are not recorded by autograd, as in PyTorch. mpi4py is imported on first use only, and importing it
starts MPI (a process run without mpiexec is a world of one).
"""
import enum
import warnings

import numpy as np

from ..tensor import Tensor

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call "
                    "init_process_group.")
_INSTALL = "pip install 'chainrule[mpi]' (mpi4py and an MPI library from PyPI)"


class ReduceOp(enum.Enum):
    """How all_reduce / reduce combine the processes' tensors (torch's numbering)."""
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class Backend:
    """The backends chainrule knows: MPI only."""
    MPI = "mpi"


class ProcessGroup:
    """A set of processes that run collectives together: here, an MPI communicator (its own copy, so
    collectives on two groups never mix)."""

    def __init__(self, comm):
        self.comm = comm

    def rank(self):
        return self.comm.Get_rank()

    def size(self):
        return self.comm.Get_size()

    def name(self):
        return Backend.MPI


class group:
    """group.WORLD: the default process group once init_process_group has run (else None), as in torch."""
    WORLD = None


class Work:
    """What a collective with async_op=True returns: wait() finishes it and writes the result into the tensor."""

    def __init__(self, request, finish=None):
        self._request, self._finish = request, finish

    def is_completed(self):
        return self._finish is None or bool(self._request.Test())

    def wait(self, timeout=None):
        if self._finish is not None:
            self._request.Wait()
            finish, self._finish = self._finish, None
            finish()
        return True


def _mpi():
    """mpi4py's MPI module (importing it loads the MPI library and initialises MPI)."""
    from mpi4py import MPI
    return MPI


def is_available():
    """True when mpi4py imports and finds an MPI library (pip install 'chainrule[mpi]')."""
    try:
        _mpi()
    except (ImportError, OSError, RuntimeError):
        return False
    return True


is_mpi_available = is_available


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Join the processes mpiexec started into the default group. Only backend "mpi" exists (None means it);
    rank and world_size come from MPI, and init_method / store / timeout are not needed."""
    name = Backend.MPI if backend is None else str(backend).lower()
    if name != Backend.MPI:
        raise ValueError(f"init_process_group: backend {backend!r} is not available in chainrule; the only backend "
                         "is 'mpi' (start the processes with mpiexec -n N)")
    if group.WORLD is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if not is_available():
        raise RuntimeError(f"init_process_group: the 'mpi' backend needs mpi4py and an MPI library: {_INSTALL}")
    comm = _mpi().COMM_WORLD.Dup()
    if (world_size != -1 and world_size != comm.Get_size()) or (rank != -1 and rank != comm.Get_rank()):
        warnings.warn(f"For MPI backend, world_size ({world_size}) and rank ({rank}) are ignored since they are "
                      f"assigned by the MPI runtime (here world_size {comm.Get_size()}, rank {comm.Get_rank()}).",
                      stacklevel=2)
    _set_world(ProcessGroup(comm))


def is_initialized():
    return group.WORLD is not None


def destroy_process_group(group=None):
    """Leave the default group (MPI itself stays up until the process exits, as mpi4py arranges)."""
    world = _get_group(None)
    if group is not None and group is not world:
        raise ValueError("destroy_process_group: chainrule has only the default group")
    world.comm.Free()
    _set_world(None)


def _set_world(pg):
    group.WORLD = pg


def _get_group(pg):
    if group.WORLD is None:
        raise ValueError(_NOT_INITIALIZED)
    return group.WORLD if pg is None else pg


def get_rank(group=None):
    """This process's number in the group: 0 .. get_world_size() - 1."""
    return _get_group(group).rank()


def get_world_size(group=None):
    return _get_group(group).size()


def get_backend(group=None):
    _get_group(group)
    return Backend.MPI


# ---- collectives -----------------------------------------------------------------------------------
def _buffer(tensor, op):
    """(a C-contiguous array the collective can use, a function writing it back into the tensor)."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(tensor).__name__}")
    data = tensor._data
    if data.flags.c_contiguous and data.flags.writeable:
        return data, tensor._bump_version

    buffer = np.ascontiguousarray(data)

    def write_back():
        tensor._data[...] = buffer
        tensor._bump_version()
    return buffer, write_back


def _mpi_op(op, dtype, caller):
    if not isinstance(op, ReduceOp):
        raise TypeError(f"{caller}: op must be a ReduceOp (ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, ...), got {op!r}")
    if op is ReduceOp.AVG and dtype.kind not in "fc":
        raise ValueError(f"{caller}: ReduceOp.AVG needs a floating-point tensor, got {dtype}")
    if op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR) and dtype.kind not in "biu":
        raise ValueError(f"{caller}: {op.name} needs an integer or bool tensor, got {dtype}")
    MPI = _mpi()
    return {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.PRODUCT: MPI.PROD, ReduceOp.MIN: MPI.MIN,
            ReduceOp.MAX: MPI.MAX, ReduceOp.BAND: MPI.BAND, ReduceOp.BOR: MPI.BOR, ReduceOp.BXOR: MPI.BXOR}[op]


def _run(start, finish, async_op):
    """Blocking: finish now. async_op: a Work whose wait() finishes."""
    request = start()
    if async_op:
        return Work(request, finish)
    request.Wait()
    finish()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Replace `tensor` on every process by the elementwise reduction (sum by default) of all processes' tensors."""
    comm = _get_group(group).comm
    mpi_op = _mpi_op(op, tensor._data.dtype if isinstance(tensor, Tensor) else None, "all_reduce")
    buffer, write_back = _buffer(tensor, "all_reduce")
    size = comm.Get_size()

    def finish():
        if op is ReduceOp.AVG:
            buffer[...] /= size
        write_back()
    return _run(lambda: comm.Iallreduce(_mpi().IN_PLACE, buffer, op=mpi_op), finish, async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Like all_reduce, but only process `dst` receives the result (the others' tensors are unchanged)."""
    pg = _get_group(group)
    comm, rank = pg.comm, pg.rank()
    _check_rank(dst, pg, "reduce", "dst")
    mpi_op = _mpi_op(op, tensor._data.dtype if isinstance(tensor, Tensor) else None, "reduce")
    buffer, write_back = _buffer(tensor, "reduce")
    send = _mpi().IN_PLACE if rank == dst else buffer.copy()

    def finish():
        if rank == dst:
            if op is ReduceOp.AVG:
                buffer[...] /= comm.Get_size()
            write_back()
    return _run(lambda: comm.Ireduce(send, buffer if rank == dst else None, op=mpi_op, root=dst), finish, async_op)


def broadcast(tensor, src, group=None, async_op=False):
    """Copy process `src`'s tensor into `tensor` on every other process (shapes and dtypes must match)."""
    pg = _get_group(group)
    _check_rank(src, pg, "broadcast", "src")
    buffer, write_back = _buffer(tensor, "broadcast")
    return _run(lambda: pg.comm.Ibcast(buffer, root=src), write_back, async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """Fill tensor_list[i] with process i's `tensor`, on every process (tensor_list holds world_size tensors
    of tensor's shape and dtype)."""
    pg = _get_group(group)
    if not isinstance(tensor, Tensor) or not all(isinstance(t, Tensor) for t in tensor_list):
        raise TypeError("all_gather: expected a list of Tensors and a Tensor")
    if len(tensor_list) != pg.size():
        raise ValueError(f"all_gather: tensor_list has {len(tensor_list)} tensors; it needs one per process "
                         f"({pg.size()})")
    for t in tensor_list:
        if t.shape != tensor.shape or t._data.dtype != tensor._data.dtype:
            raise ValueError(f"all_gather: every tensor in tensor_list must have the input's shape "
                             f"{tuple(tensor.shape)} and dtype {tensor.dtype}, got {tuple(t.shape)} {t.dtype}")
    send = np.ascontiguousarray(tensor._data)
    received = np.empty((pg.size(),) + send.shape, dtype=send.dtype)

    def finish():
        for t, part in zip(tensor_list, received):
            t._data[...] = part
            t._bump_version()
    return _run(lambda: pg.comm.Iallgather(send, received), finish, async_op)


def barrier(group=None, async_op=False, device_ids=None):
    """Wait until every process of the group has reached this barrier."""
    comm = _get_group(group).comm
    return _run(comm.Ibarrier, lambda: None, async_op)


def _check_rank(value, pg, caller, name):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < pg.size():
        raise ValueError(f"{caller}: {name} must be a rank from 0 to {pg.size() - 1}, got {value!r}")
