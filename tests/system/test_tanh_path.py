"""The path of a small step through chainrule stays short (benchmarks/tanh_path.py measures it).

x.tanh().sum().backward() on a 3-element tensor: the distinct chainrule Python functions called
(comprehensions and lambdas count, as sys.setprofile sees them) and the files they live in.
"""
import importlib.util
import pathlib

SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "benchmarks" / "tanh_path.py"
MAX_FUNCTIONS = 30
MAX_FILES = 5


def _load():
    spec = importlib.util.spec_from_file_location("tanh_path", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_counter_sees_chainrule_functions_and_only_them():
    tanh_path = _load()
    measured = tanh_path.measure()
    assert measured["forward"] and measured["backward"]
    assert measured["total"] == measured["forward"] | measured["backward"]
    root = str(tanh_path.PACKAGE) + "/"
    assert all(filename.startswith(root) for filename, _, _ in measured["total"])
    names = {name for _, _, name in measured["total"]}
    assert "backward" in names and "tanh" in names  # Tensor.backward / the tanh op are chainrule code
    again = tanh_path.measure()
    assert again == measured  # after the warm-up, the count does not change from run to run


def test_tanh_sum_backward_runs_few_functions_in_few_files(capsys):
    tanh_path = _load()
    measured = tanh_path.measure()
    report = tanh_path.table(measured)
    print(report)
    total, files = len(measured["total"]), len(tanh_path.files(measured["total"]))
    assert total <= MAX_FUNCTIONS and files <= MAX_FILES, (
        f"x.tanh().sum().backward() calls {total} chainrule functions in {files} files "
        f"(goal: at most {MAX_FUNCTIONS} in at most {MAX_FILES}):\n{report}"
    )
