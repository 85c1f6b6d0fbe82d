"""The op tests, run again with every chainrule tensor on array-api-strict's device (CHAINRULE_ARRAY_LIBRARY, read
by tests/torch_parity.py): a CPU library that refuses everything outside the Python array API standard. What
passes there computes with standard functions only, so it runs on CuPy too; CuPy itself needs a GPU.

Every op test file runs here in full, and so do the layer and optimizer tests; an op written for NumPy only
would raise NotImplementedError naming the op and the library (Op.array_api), never compute through a silent
copy. The op tests run in one pytest process (one import of torch), each file's own selection joined into one
-k.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RUNS = {  # test file -> the tests run there (a pytest -k expression; None: all), the others left out for the reasons above
    "tests/ops/test_softmax.py": None,
    "tests/ops/test_linalg.py": None,
    "tests/ops/test_activation.py": None,
    "tests/ops/test_linear.py": None,
    "tests/ops/test_elementwise.py": None,
    "tests/ops/test_reduce.py": None,
    "tests/ops/test_scan.py": None,
    "tests/ops/test_einsum.py": None,
    "tests/ops/test_shape.py": None,
    "tests/ops/test_sort.py": None,
    "tests/ops/test_select.py": None,
    "tests/ops/test_fold.py": None,
    "tests/ops/test_math.py": None,
    "tests/ops/test_statistics.py": None,
    "tests/ops/test_inplace.py": None,
    "tests/ops/test_index.py": None,
    "tests/ops/test_norm.py": None,
    "tests/ops/test_scatter.py": None,
    "tests/ops/test_layout.py": None,
    "tests/ops/test_margin_loss.py": None,
    "tests/ops/test_likelihood_loss.py": None,
    "tests/ops/test_pooling.py": None,
    "tests/ops/test_embedding_bag.py": None,
    "tests/ops/test_diagonal.py": None,
    "tests/ops/test_local_norm.py": None,
    "tests/ops/test_nonlinear.py": None,
    "tests/ops/test_shuffle.py": None,
    "tests/autograd/test_engine.py": None,  # backward itself: accumulation, hooks, seeds, dtype casts
    "tests/ops/test_embedding.py": None,
    "tests/ops/test_loss.py": None,
    "tests/ops/test_pad.py": None,
    "tests/ops/test_upsample.py": None,
    "tests/ops/test_conv.py": None,
    "tests/ops/test_pool.py": None,
    "tests/ops/test_attention.py": None,
    "tests/ops/test_rnn.py": None,
}


def _selection():
    """One -k expression for every file: a test runs when its file's name and that file's own selection match
    (a file's name is a keyword of each of its tests)."""
    parts = []
    for path, chosen in RUNS.items():
        name = os.path.basename(path)
        parts.append(f"({name} and ({chosen}))" if chosen else f"({name})")
    return " or ".join(parts)


def _run_on_array_api_strict(*arguments):
    env = dict(os.environ, CHAINRULE_ARRAY_LIBRARY="array_api_strict", PYTHONWARNINGS="ignore")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *arguments]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-5000:]


def test_the_op_tests_pass_with_every_tensor_on_array_api_strict():
    _run_on_array_api_strict(*RUNS, "-k", _selection())


def test_the_layer_tests_pass_with_every_tensor_on_array_api_strict():
    """tests/nn with the default device there: layers are made there (as in PyTorch) and compute there. Left
    out: DistributedDataParallel (it averages over MPI from host memory, so it refuses other devices) and
    the repr test (a tensor's repr then names its device, as PyTorch's does)."""
    _run_on_array_api_strict("tests/nn", "--ignore=tests/nn/parallel/test_distributed.py", "-k", "not repr_like_torch")


def test_the_optimizer_tests_pass_with_every_tensor_on_array_api_strict():
    """tests/optim with every parameter, gradient and state tensor there, against torch.optim step by step."""
    _run_on_array_api_strict("tests/optim")
