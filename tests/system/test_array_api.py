"""The op tests, run again with every chainrule tensor on array-api-strict's device (CHAINRULE_ARRAY_LIBRARY, read
by tests/torch_parity.py): a CPU library that refuses everything outside the Python array API standard. What
passes there computes with standard functions only, so it runs on CuPy too; CuPy itself needs a GPU.

Op families not yet written for the standard raise NotImplementedError naming the op and the library
(never a silent copy); their tests are left out below, each with the reason:
- embedding's max_norm (it renormalises rows in place);
- autograd.gradcheck called on tensors of another device (gradcheck perturbs NumPy arrays in place; check_op
  runs it on the CPU through a recorded move);
- cross_entropy with class weights, label smoothing, ignored or probability targets, or second derivatives;
  nll_loss (the loss tests run are listed: the others test those);
All the tests run in one pytest process (one import of torch), each file's own selection joined into one -k.
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RUNS = {  # test file -> the tests run there (a pytest -k expression; None: all), the others left out for the reasons above
    "tests/ops/test_softmax.py": None,
    "tests/ops/test_linalg.py": None,
    "tests/ops/test_activation.py": "not gradcheck",
    "tests/ops/test_linear.py": "not gradcheck",
    "tests/ops/test_elementwise.py": None,
    "tests/ops/test_reduce.py": None,
    "tests/ops/test_scan.py": None,
    "tests/ops/test_einsum.py": None,
    "tests/ops/test_shape.py": None,
    "tests/ops/test_sort.py": None,
    "tests/ops/test_select.py": None,
    "tests/ops/test_inplace.py": None,
    "tests/ops/test_index.py": None,
    "tests/ops/test_norm.py": "not batch_norm_of_no_channels",
    "tests/ops/test_embedding.py": "not options4 and not options5",  # those two: max_norm (in-place renorm)
    "tests/ops/test_loss.py": "binary_cross_entropy or mse_loss or robust_losses or extreme_logits or gradient_is_softmax "
                              "or is_one_fused or seed3_in_both or tiny_gradients_are_not or targets_of_another_shape "
                              "or float_target_of_the_wrong_shape or bad_targets or weights_that_require_grad",
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


def test_the_op_tests_pass_with_every_tensor_on_array_api_strict():
    env = dict(os.environ, CHAINRULE_ARRAY_LIBRARY="array_api_strict", PYTHONWARNINGS="ignore")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *RUNS, "-k", _selection()]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-5000:]
