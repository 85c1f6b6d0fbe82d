"""The delta-rule network is the independent second way to a gradient: it must not touch autodiff."""
import ast
from pathlib import Path

import pytest

import chainrule.manual

MANUAL = Path(chainrule.manual.__file__).parent


@pytest.mark.parametrize("module", ["network.py", "activations.py", "losses.py", "numerical.py", "rnn.py", "tables.py"])
def test_imports_numpy_and_its_own_siblings_only(module):
    tree = ast.parse((MANUAL / module).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    # matplotlib draws tables.py's plot (imported inside that function): no autodiff there either
    assert imported <= {"numpy", ".activations", ".losses", "matplotlib.figure"}, imported
