"""cr.distributed: several processes training one model, on MPI (mpi4py), in torch.distributed's shape.

    mpiexec -n 2 python train.py        # pip install 'chainrule[mpi]' brings mpi4py and MPICH's mpiexec

    import chainrule.distributed as dist
    dist.init_process_group("mpi")      # the only backend; rank and world size come from mpiexec
    model = cr.nn.parallel.DistributedDataParallel(model)   # averages the gradients in backward()
    sampler = cr.utils.data.DistributedSampler(dataset)     # each process its own shard

is_available() is False without mpi4py; scripts that check it take their single-process path.
"""
from .distributed_c10d import (  # noqa: F401
    Backend, ProcessGroup, ReduceOp, Work, all_gather, all_reduce, barrier, broadcast, destroy_process_group,
    get_backend, get_rank, get_world_size, group, init_process_group, is_available, is_initialized,
    is_mpi_available, reduce,
)
