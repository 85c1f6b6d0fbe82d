"""Run a script under mpiexec for the distributed tests (mpiexec comes with the `mpich` wheel, in the
environment's scripts folder next to python)."""
import os
import shutil
import subprocess
import sys
import sysconfig


def mpiexec():
    """The mpiexec of this Python environment (the mpich wheel puts it in the venv's bin), else the one on PATH."""
    here = os.path.join(sysconfig.get_path("scripts"), "mpiexec")
    found = here if os.path.exists(here) else shutil.which("mpiexec")
    assert found, "no mpiexec: pip install 'chainrule[mpi]' (mpi4py and mpich)"
    return found


def run_mpi(processes, args, cwd=None, timeout=120):
    """Run `python args...` in `processes` MPI processes; the finished CompletedProcess (stdout, stderr as text)."""
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    command = [mpiexec(), "-n", str(processes), sys.executable, *args]
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done
