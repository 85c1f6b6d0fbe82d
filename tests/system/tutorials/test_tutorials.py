"""PyTorch beginner-tutorial programs, run once with torch and once with chainrule imported in its place.

Each program in programs/ is written for PyTorch and imports it only through the lines in
`CHAINRULE_IMPORTS`. "Changing the import" is literally that: the test swaps those lines of text
and runs the program again, in a fresh namespace and a fresh working directory (the quickstart
saves model.pth there). Both runs leave their results in a module-level dict RESULTS, which must
agree to a tolerance set by the program's dtype.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

import chainrule

PROGRAMS = Path(__file__).parent / "programs"

CHAINRULE_IMPORTS = {
    "import torch": "import chainrule as torch",
    "from torch import nn": "from chainrule import nn",
    "from torch.utils.data import DataLoader, TensorDataset":
        "from chainrule.utils.data import DataLoader, TensorDataset",
}
OTHER_IMPORTS = {"import math", "import numpy as np", "from sklearn.datasets import load_digits"}

# float64 programs agree to rounding (summation order differs between NumPy and torch's kernels);
# float32 ones to float32 rounding grown over a few hundred training steps.
FLOAT64 = dict(rtol=1e-9, atol=1e-12)
FLOAT32 = dict(rtol=1e-4, atol=1e-6)
TOLERANCES = {
    "tensors_tutorial": FLOAT64,
    "autograd_tutorial": FLOAT32,
    "polynomial_autograd": FLOAT64,
    "polynomial_custom_function": FLOAT32,
    "polynomial_nn": FLOAT64,
    "quickstart": FLOAT32,
    "buildmodel_optimization": FLOAT64,
    "transformer_tutorial": FLOAT64,
    "char_rnn_classification": FLOAT64,
}
# In float32 one of the 360 test digits may sit on a near-tie between two classes and flip.
KEY_TOLERANCES = {("quickstart", "test accuracies"): dict(rtol=0, atol=1.5 / 360)}


def program_names():
    return sorted(path.stem for path in PROGRAMS.glob("*.py"))


def with_chainrule(source):
    """The program with its torch import lines replaced by chainrule's; nothing else changes."""
    return "\n".join(CHAINRULE_IMPORTS.get(line, line) for line in source.split("\n"))


def run_program(name, source, directory, monkeypatch):
    directory.mkdir()
    monkeypatch.chdir(directory)
    namespace = {"__name__": "__main__"}
    exec(compile(source, str(PROGRAMS / f"{name}.py"), "exec"), namespace)
    return namespace


def assert_same(mine, theirs, tolerance, where):
    if isinstance(theirs, (list, tuple)) and not _is_plain(theirs):
        assert type(mine) is type(theirs) and len(mine) == len(theirs), f"{where}: {mine!r} vs {theirs!r}"
        for i, (m, t) in enumerate(zip(mine, theirs)):
            assert_same(m, t, tolerance, f"{where}[{i}]")
    elif isinstance(theirs, (np.ndarray, float)):
        mine_array, their_array = np.asarray(mine), np.asarray(theirs)
        assert type(mine) is type(theirs), f"{where}: {type(mine).__name__} vs {type(theirs).__name__}"
        assert mine_array.shape == their_array.shape, f"{where}: shape {mine_array.shape} vs {their_array.shape}"
        assert mine_array.dtype == their_array.dtype, f"{where}: dtype {mine_array.dtype} vs {their_array.dtype}"
        np.testing.assert_allclose(mine_array, their_array, err_msg=where, **tolerance)
    else:  # bools, ints, strings, shapes, names: exactly equal
        assert type(mine) is type(theirs) and mine == theirs, f"{where}: {mine!r} vs {theirs!r}"


def _is_plain(sequence):
    return all(isinstance(v, (bool, int, str)) for v in sequence)


@pytest.mark.parametrize("name", program_names())
def test_program_gives_torchs_results_with_chainrule_imported(name, tmp_path, monkeypatch):
    source = (PROGRAMS / f"{name}.py").read_text()
    with_torch = run_program(name, source, tmp_path / "torch", monkeypatch)
    with_chainrule_ = run_program(name, with_chainrule(source), tmp_path / "chainrule", monkeypatch)
    assert with_chainrule_["torch"] is chainrule
    expected, results = with_torch["RESULTS"], with_chainrule_["RESULTS"]
    assert sorted(results) == sorted(expected)
    for key, value in expected.items():
        tolerance = KEY_TOLERANCES.get((name, key), TOLERANCES[name])
        assert_same(results[key], value, tolerance, f"{name}: RESULTS[{key!r}]")


@pytest.mark.parametrize("name", program_names())
def test_program_imports_torch_only_through_the_swapped_lines(name):
    source = (PROGRAMS / f"{name}.py").read_text()
    imports = [ast.get_source_segment(source, node) for node in ast.walk(ast.parse(source))
               if isinstance(node, (ast.Import, ast.ImportFrom))]
    assert "import torch" in imports
    assert set(imports) <= set(CHAINRULE_IMPORTS) | OTHER_IMPORTS, imports
    swapped = with_chainrule(source)
    assert "torch" not in "".join(ast.get_source_segment(swapped, node) for node in ast.walk(ast.parse(swapped))
                                  if isinstance(node, (ast.Import, ast.ImportFrom))).replace("as torch", "")


def test_every_program_has_a_tolerance():
    assert sorted(TOLERANCES) == program_names()


# ---- `out=`, which the Tensors tutorial uses (torch.matmul(a, b, out=c), torch.mul(a, b, out=c)) ----
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "matmul", "mm"])
def test_out_argument_writes_into_out_like_torch(op):
    import torch

    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((3, 3)), rng.standard_normal((3, 3))
    for lib in (torch, chainrule):
        out = lib.zeros(0, dtype=lib.float64)  # the wrong shape: out= resizes it
        returned = getattr(lib, op)(lib.tensor(a), lib.tensor(b), out=out)
        assert returned is out
        expected = getattr(torch, op)(torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("lib_name", ["torch", "chainrule"])
def test_out_argument_refuses_autograd_and_lossy_casts(lib_name):
    import torch

    lib = torch if lib_name == "torch" else chainrule
    a = lib.tensor([1.5, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="out="):
        lib.mul(a, a, out=lib.zeros(2))
    with lib.no_grad():
        assert lib.mul(a, a, out=lib.zeros(2)).tolist() == [2.25, 4.0]
    with pytest.raises((RuntimeError, TypeError), match="can't be cast"):
        lib.mul(a.detach(), 2.0, out=lib.zeros(2, dtype=lib.int64))
