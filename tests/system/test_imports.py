"""chainrule's modules import each other without a cycle.

Every import counts: at module level and inside functions and classes (a function-level import is a
cycle the module graph hides until the function first runs). Importing module X also runs the
__init__ of X's ancestor packages, so an import of chainrule.a.b is an edge to chainrule.a.b and to
chainrule.a, except to the packages the importing module is inside (they are already initialising).
`from pkg import name` where pkg/name.py or pkg/name/ exists imports that submodule.
"""
import ast
import pathlib
import textwrap

import pytest

SRC = pathlib.Path(__file__).resolve().parents[2] / "src"


# ---- the module graph -----------------------------------------------------------------------------
def module_files(src, package):
    """{dotted module name: path} for every .py file of `package` under the folder `src`."""
    modules = {}
    for path in sorted((pathlib.Path(src) / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _ancestors(name):
    """chainrule.a.b -> [chainrule.a, chainrule]"""
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def _imported_names(tree, module, is_package, known):
    """The modules that the import statements of one file name (before the ancestor rule)."""
    targets = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{node.module}" if node.module else package
            else:
                base = node.module
            targets.append(base)
            for alias in node.names:
                if f"{base}.{alias.name}" in known:  # `from pkg import submodule`
                    targets.append(f"{base}.{alias.name}")
    return targets


def import_graph(src, package):
    """{module: set of modules whose import it triggers}, for the modules of `package` only."""
    modules = module_files(src, package)
    graph = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        initialising = {name, *_ancestors(name)}
        for target in _imported_names(tree, name, path.name == "__init__.py", modules):
            for reached in (target, *_ancestors(target)):
                if reached in modules and reached not in initialising:
                    graph[name].add(reached)
    return graph


# ---- cycles, found without recursion ---------------------------------------------------------------
def strongly_connected_components(graph):
    """Tarjan's algorithm with an explicit stack: the components of more than one module, or of one
    module that imports itself, each sorted, in a stable order."""
    index, low, on_stack, stack, components = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    components.append(sorted(component))
    return sorted(components, key=lambda c: (-len(c), c))


def shortest_cycle_through(graph, start, allowed):
    """A shortest import cycle start -> ... -> start inside `allowed` (breadth-first, no recursion)."""
    parent = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node]):
                if child == start:
                    path = [node]
                    while parent[path[-1]] is not None:
                        path.append(parent[path[-1]])
                    return path[::-1] + [start]
                if child in allowed and child not in parent:
                    parent[child] = node
                    following.append(child)
        frontier = following
    return None


def import_cycles(src, package):
    """One cycle per tangle of modules: (the cycle as a list of modules, every module of the tangle)."""
    graph = import_graph(src, package)
    found = []
    for component in strongly_connected_components(graph):
        allowed = set(component)
        cycles = [shortest_cycle_through(graph, start, allowed) for start in component]
        found.append((max(cycles, key=len), component))
    return found


def describe(cycles):
    lines = []
    for cycle, component in cycles:
        lines.append(f"import cycle of {len(cycle) - 1} modules: " + " -> ".join(cycle))
        lines.append(f"  ({len(component)} modules are tangled: {', '.join(component)})")
    return "\n".join(lines)


# ---- the tests -------------------------------------------------------------------------------------
def test_chainrule_has_no_import_cycle():
    modules = module_files(SRC, "chainrule")
    assert "chainrule.tensor" in modules and "chainrule.autograd.engine" in modules  # the walk found the package
    cycles = import_cycles(SRC, "chainrule")
    assert not cycles, "\n" + describe(cycles)


SYNTHETIC = {
    "function_level_and_parent_relative": ({
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "",
        "pkg/a/x.py": "def f():\n    from ..b import y\n    return y\n",
        "pkg/b.py": "from .a import x\ny = 1\n",
    }, {"pkg.a.x", "pkg.b"}),
    "through_an_ancestor_init": ({
        "pkg/__init__.py": "",
        "pkg/p/__init__.py": "from ..r import w\n",
        "pkg/p/q.py": "z = 1\n",
        "pkg/r.py": "from .p.q import z\nw = 2\n",
    }, {"pkg.p", "pkg.r"}),
    "from_package_import_submodule": ({
        "pkg/__init__.py": "",
        "pkg/s.py": "from pkg import t\n",
        "pkg/t.py": "class T:\n    def m(self):\n        from . import s\n        return s\n",
    }, {"pkg.s", "pkg.t"}),
    "absolute_dotted_import": ({
        "pkg/__init__.py": "",
        "pkg/u/__init__.py": "",
        "pkg/u/v.py": "import pkg.w\n",
        "pkg/w.py": "import os\nimport pkg.u.v as v\n",
    }, {"pkg.u.v", "pkg.w"}),
    "four_modules": ({
        "pkg/__init__.py": "from .m1 import a\n",
        "pkg/m1.py": "from .m2 import b\na = 1\n",
        "pkg/m2.py": "from . import m3\nb = 2\n",
        "pkg/m3.py": "from .m4 import c\n",
        "pkg/m4.py": "def g():\n    from .m1 import a\nc = 3\n",
    }, {"pkg.m1", "pkg.m2", "pkg.m3", "pkg.m4"}),
    "acyclic": ({
        "pkg/__init__.py": "from .core import thing\nfrom . import sub\n",
        "pkg/core.py": "import os\nimport numpy\nthing = 1\n",
        "pkg/sub/__init__.py": "from . import leaf\nfrom .leaf import y\n",
        "pkg/sub/leaf.py": "import pkg\nfrom .. import core\nfrom ..core import thing\nfrom . import other\n"
                           "def f():\n    from pkg.sub import other\n    import pkg.sub.other\ny = thing\n",
        "pkg/sub/other.py": "from ..core import thing\n",
    }, set()),
}


@pytest.mark.parametrize("case", sorted(SYNTHETIC))
def test_the_cycle_detector_on_small_packages(case, tmp_path):
    files, expected = SYNTHETIC[case]
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    cycles = import_cycles(tmp_path, "pkg")
    if not expected:
        assert cycles == [], describe(cycles)
        return
    assert len(cycles) == 1, describe(cycles)
    cycle, component = cycles[0]
    assert set(component) == expected
    assert cycle[0] == cycle[-1] and set(cycle) == expected, describe(cycles)
    graph = import_graph(tmp_path, "pkg")
    assert all(b in graph[a] for a, b in zip(cycle, cycle[1:])), "every step of the cycle is an import"


def test_the_cycle_search_needs_no_recursion():
    """A chain of 5000 modules closed into one cycle: far deeper than Python's recursion limit."""
    n = 5000
    graph = {f"m{i}": {f"m{(i + 1) % n}"} for i in range(n)}
    components = strongly_connected_components(graph)
    assert len(components) == 1 and len(components[0]) == n
    cycle = shortest_cycle_through(graph, "m0", set(graph))
    assert len(cycle) == n + 1 and cycle[0] == cycle[-1] == "m0"
    graph["m0"] = set()  # open the chain: no cycle
    assert strongly_connected_components(graph) == []
