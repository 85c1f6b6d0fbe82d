"""How much of chainrule one small step runs: the distinct chainrule Python functions (and files) that

    x = cr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    x.tanh().sum().backward()

calls, counted with sys.setprofile after a warm-up, for the forward (x.tanh().sum()), the backward,
and both together. A short path is one that is quick to read, to step through and to run.

    python benchmarks/tanh_path.py

tests/system/test_tanh_path.py holds the totals to the goal (at most 30 functions in at most 5 files).
"""
import pathlib
import sys

import chainrule as cr

PACKAGE = pathlib.Path(cr.__file__).resolve().parent


def _record(fn):
    """Runs fn under sys.setprofile; returns (its result, {(filename, firstlineno, name)} of the
    chainrule functions it called)."""
    called = set()
    root = str(PACKAGE) + "/"

    def profile(frame, event, arg):
        if event == "call":
            code = frame.f_code
            if code.co_filename.startswith(root):
                called.add((code.co_filename, code.co_firstlineno, code.co_name))

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = fn()
    finally:
        sys.setprofile(previous)
    return result, called


def _step():
    x = cr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    return x, x.tanh().sum()


def measure():
    """{"forward": set, "backward": set, "total": set} of (filename, firstlineno, name), after a warm-up."""
    x, loss = _step()  # warm-up: first-call caches, lazy imports
    loss.backward()
    x = cr.tensor([0.5, -1.0, 2.0], requires_grad=True)
    loss, forward = _record(lambda: x.tanh().sum())
    _, backward = _record(loss.backward)
    expected = 1 - (cr.tensor([0.5, -1.0, 2.0]).tanh() ** 2)
    if not all(abs(a - b) < 1e-6 for a, b in zip(x.grad.tolist(), expected.tolist())):
        raise AssertionError(f"wrong gradient {x.grad.tolist()}, expected {expected.tolist()}")
    return {"forward": forward, "backward": backward, "total": forward | backward}


def files(functions):
    return {filename for filename, _, _ in functions}


def _where(filename):
    path = pathlib.Path(filename)
    try:
        return str(path.relative_to(PACKAGE))
    except ValueError:
        return str(path)


def table(measured):
    """The functions, one a line (file:line name, and whether forward F and/or backward B ran it), then totals."""
    rows = []
    for filename, line, name in sorted(measured["total"], key=lambda k: (_where(k[0]), k[1], k[2])):
        key = (filename, line, name)
        phases = ("F" if key in measured["forward"] else " ") + ("B" if key in measured["backward"] else " ")
        rows.append(f"  {phases}  {_where(filename)}:{line} {name}")
    width = max([len(r) for r in rows] + [40])
    lines = [f"chainrule functions called by x.tanh().sum().backward() (F forward, B backward):", *rows, "-" * width]
    for phase in ("forward", "backward", "total"):
        functions = measured[phase]
        lines.append(f"  {phase:9s} {len(functions):3d} functions in {len(files(functions)):2d} files")
    inner = [k for k in measured["total"] if k[2].startswith("<")]
    lines.append(f"  (of the total, {len(inner)} are comprehensions, generator expressions or lambdas)")
    lines.append("  files: " + ", ".join(sorted(_where(f) for f in files(measured["total"]))))
    return "\n".join(lines)


def main():
    print(table(measure()))


if __name__ == "__main__":
    main()
