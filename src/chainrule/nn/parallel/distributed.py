"""DistributedDataParallel: each process runs the model on its own batch; backward() averages the gradients.

How the averaging runs (torch's Reducer, in Python):
- At construction, rank 0's parameters and buffers are broadcast, so every process starts from the same model,
  and the parameters are put in buckets as torch does: bucket_cap_mb (25) MiB each, one dtype per bucket,
  in reverse order (roughly the order backward() produces gradients in); with the default cap the bucket of
  the first parameters holds 1 MiB only, so the allreduce left after backward() is short.
- forward() arms the reducer (when grad mode is on and not inside no_sync()).
- backward(): each parameter's hook copies its gradient (.grad plus the new one, which is what .grad will hold)
  into its slot of the bucket; when a bucket is full it is divided by the world size and a non-blocking MPI
  Iallreduce starts, while backward() goes on with the layers below (buckets start in order, the same on
  every process). MPI makes progress inside MPI calls, so each later hook polls the running ones.
- When backward() has filled every .grad (the engine's queue_callback), the reducer waits for the buckets and
  writes the averages into .grad.
"""
import contextlib
import time
import weakref

import numpy as np

from ... import distributed as dist
from ...autograd.engine import queue_callback
from ...autograd.function import AccumulateGrad
from ...autograd.grad_mode import is_grad_enabled
from ...device import move, numpy_dtype, of, to_host
from ...tensor import Tensor, _wrap
from ..module import Module

_FIRST_BUCKET_BYTES = 1024 * 1024  # torch's dist._DEFAULT_FIRST_BUCKET_BYTES
_BUCKET_CAP_MB = 25


class DistributedDataParallel(Module):
    """DistributedDataParallel(module, ..., process_group=None, bucket_cap_mb=None, find_unused_parameters=False):
    the module, run by every process of the group on its own inputs, with gradients averaged in backward().

    Needs init_process_group first. On the CPU device_ids and output_device must be None, as in torch.
    gradient_as_bucket_view and static_graph are accepted and change nothing (the gradients are the same).
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        params = [p for p in module.parameters() if p.requires_grad]
        if not params:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        if device_ids or output_device is not None:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with single-device/"
                "multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters {{device(type='cpu')}}.")
        if bucket_cap_mb is not None and not bucket_cap_mb > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, got {bucket_cap_mb}")
        self.process_group = dist.group.WORLD if process_group is None else process_group
        if self.process_group is None:
            raise ValueError("Default process group has not been initialized, please make sure to call "
                             "init_process_group.")
        self.module = module
        self.device_ids = self.output_device = None
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        comm = self.process_group.comm.Dup()  # DDP's own: its buckets never meet the user's collectives
        if init_sync:
            _broadcast_from_rank0(comm, [*module.parameters(), *(module.buffers() if broadcast_buffers else [])])
        first = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap  # as torch
        self.reducer = _Reducer(params, comm, [first, self.bucket_bytes_cap])
        self._comm = comm

    def forward(self, *inputs, **kwargs):
        sync = is_grad_enabled() and self.require_backward_grad_sync
        self.require_forward_param_sync = sync
        if sync and self.broadcast_buffers:
            buffers = list(self.module.buffers())
            if buffers:
                _broadcast_from_rank0(self._comm, buffers)
        self.reducer.prepare(sync)
        output = self.module(*inputs, **kwargs)
        if sync and self.find_unused_parameters:
            self.reducer.mark_unused(_reached_leaves(output))
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Inside: backward() only accumulates the local gradients; the first backward() after the block
        (whose forward ran outside it) averages the accumulated ones."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old


def _broadcast_from_rank0(comm, tensors):
    """Every process takes rank 0's values (MPI sends host memory: a tensor on another device goes through a
    host copy)."""
    for t in tensors:
        data = np.ascontiguousarray(to_host(t._data))  # the tensor's own memory when it can be
        comm.Bcast(data, root=0)
        if data is not t._data:
            t._data[...] = data if type(t._data) is np.ndarray else move(data, of(t._data))
        t._bump_version()


def _reached_leaves(output):
    """ids of the leaves the output's graph reaches (find_unused_parameters)."""
    stack, seen, leaves = [], set(), set()
    _collect_tensors(output, stack)
    stack = [t.grad_fn for t in stack if t.grad_fn is not None] + [t for t in stack if t.grad_fn is None]
    while stack:
        node = stack.pop()
        if isinstance(node, Tensor):  # a leaf output: the parameter itself
            leaves.add(id(node))
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            leaves.add(id(node.variable))
            continue
        stack.extend(edge.node for edge in node.edges if edge is not None)
    return leaves


def _collect_tensors(value, found):
    if isinstance(value, Tensor):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect_tensors(item, found)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_tensors(item, found)


class _Bucket:
    """One flat buffer holding several parameters' gradients, and where each one lies in it."""

    def __init__(self, indices, params):
        self.indices = indices
        self.buffer = np.zeros(sum(params[i].numel() for i in indices), dtype=numpy_dtype(params[indices[0]].dtype))
        self.views, start = {}, 0
        for i in indices:
            size = params[i].numel()
            self.views[i] = self.buffer[start:start + size].reshape(params[i].shape)
            start += size
        self.pending = len(indices)


def _assign_buckets(params, caps):
    """Buckets of parameter indices, as torch assigns them: consecutive parameters of one dtype fill a bucket
    until it holds caps[0] bytes (that dtype's first bucket) or caps[-1] (the others); the buckets, ordered by
    their first parameter, are then reversed, to come roughly in the order backward() fills them."""
    buckets, filling = [], {}  # dtype -> [indices, bytes, how many buckets of this dtype closed]
    for i, p in enumerate(params):
        entry = filling.setdefault(p.dtype, [[], 0, 0])
        entry[0].append(i)
        entry[1] += p.numel() * p.element_size()
        if entry[1] >= caps[min(entry[2], len(caps) - 1)]:
            buckets.append(entry[0])
            filling[p.dtype] = [[], 0, entry[2] + 1]
    buckets += [indices for indices, _size, _closed in filling.values() if indices]
    return sorted(buckets, key=lambda indices: indices[0], reverse=True)


class _Reducer:
    """Gradient hooks, buckets, and the MPI allreduces of one DistributedDataParallel."""

    def __init__(self, params, comm, caps):
        self.params, self.comm = params, comm
        self.world_size = comm.Get_size()
        self.buckets = [_Bucket(indices, params) for indices in _assign_buckets(params, caps)]
        self.bucket_of = {i: bucket for bucket in self.buckets for i in bucket.indices}
        self.armed = self.queued = False
        self.ready = [False] * len(params)
        self.locally_used = np.ones(len(params), dtype=np.int32)
        self.next_bucket, self.requests = 0, []
        self.comm_seconds = 0.0  # time spent in MPI calls during backward (benchmarks/distributed.py reads it)
        me = weakref.ref(self)  # the parameters' hooks don't keep the reducer alive
        self.handles = [p.register_hook(_hook(me, i)) for i, p in enumerate(params)]

    def prepare(self, armed):
        """Called by forward(): a fresh iteration."""
        if self.queued:  # a backward() stopped by an error: start afresh after saying so
            self.queued, self.ready = False, [False] * len(self.params)
            raise RuntimeError(
                "Expected to have finished reduction in the prior iteration before starting a new one. This "
                "error indicates that your module has parameters that were not used in producing loss (or that "
                "backward() failed part way). You can enable unused parameter detection by passing the keyword "
                "argument `find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`.")
        self.armed = armed
        self.ready = [False] * len(self.params)
        self.locally_used[:] = 1
        for bucket in self.buckets:
            bucket.pending = len(bucket.indices)
        self.next_bucket, self.requests = 0, []

    def mark_unused(self, reached):
        """find_unused_parameters: the parameters the output doesn't depend on count as ready now."""
        for i, p in enumerate(self.params):
            if id(p) not in reached:
                self.locally_used[i] = 0
                self._store(i, None)

    def mark_ready(self, index, grad):
        if not self.armed:
            return
        if self.ready[index]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once (parameter {index}, shape "
                f"{tuple(self.params[index].shape)}): with DistributedDataParallel each forward() is followed by one "
                "backward(); to accumulate over several, run the others inside no_sync().")
        if not self.queued:
            queue_callback(self.finalize)
            self.queued = True
        self._store(index, grad._data if isinstance(grad, Tensor) else grad)

    def _store(self, index, grad):
        """Put the gradient .grad will hold (the current .grad plus the new one) into the bucket (host memory:
        the gradients of parameters on another device are copied there)."""
        view, current = self.bucket_of[index].views[index], self.params[index].grad
        if grad is None and current is None:
            view[...] = 0
        elif grad is None:
            np.copyto(view, to_host(current._data))
        elif current is None:
            np.copyto(view, to_host(grad))
        else:
            np.add(to_host(current._data), to_host(grad), out=view)
        self.ready[index] = True
        bucket = self.bucket_of[index]
        bucket.pending -= 1
        if bucket.pending == 0:
            self._launch()
        elif self.requests:
            self._poll()

    def _launch(self):
        """Start the allreduce of every full bucket whose predecessors have started (the same order everywhere)."""
        tick = time.perf_counter()
        MPI = dist.distributed_c10d._mpi()
        while self.next_bucket < len(self.buckets) and self.buckets[self.next_bucket].pending == 0:
            buffer = self.buckets[self.next_bucket].buffer
            buffer /= self.world_size  # as torch: divided before the sum
            self.requests.append(self.comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM))
            self.next_bucket += 1
        self.comm_seconds += time.perf_counter() - tick

    def _poll(self):
        tick = time.perf_counter()
        dist.distributed_c10d._mpi().Request.Testall(self.requests)
        self.comm_seconds += time.perf_counter() - tick

    def finalize(self):
        """After backward(): wait for the buckets, write the averages into .grad."""
        self.queued = self.armed = False
        missing = [i for i, ready in enumerate(self.ready) if not ready]
        self.ready = [False] * len(self.params)
        tick = time.perf_counter()
        MPI = dist.distributed_c10d._mpi()
        if missing:
            MPI.Request.Waitall(self.requests)
            raise RuntimeError(
                f"DistributedDataParallel: {len(missing)} parameters (indices {missing[:10]}) received no gradient "
                "in this backward(): the loss doesn't depend on them. Pass find_unused_parameters=True, or leave "
                "them out of the module (or set requires_grad=False on them).")
        used = self.locally_used.copy()
        MPI.Request.Waitall(self.requests)
        if not used.all():  # find_unused_parameters: is each parameter used on some process?
            self.comm.Allreduce(MPI.IN_PLACE, used, op=MPI.MAX)
        self.comm_seconds += time.perf_counter() - tick
        for i, p in enumerate(self.params):
            if used[i]:
                _write_grad(p, self.bucket_of[i].views[i])


def _hook(reducer_ref, index):
    def hook(grad):
        reducer = reducer_ref()
        if reducer is not None:
            reducer.mark_ready(index, grad)
    return hook


def _write_grad(param, average):
    if type(param._data) is not np.ndarray:  # another device: a copy of the host average, moved there
        param.grad = _wrap(move(average.copy(), of(param._data)))
        return
    grad = param.grad
    if grad is not None and not grad.requires_grad and grad._data.flags.writeable and grad.shape == average.shape:
        np.copyto(grad._data, average)
        grad._bump_version()
    else:
        param.grad = _wrap(average.copy())
