"""Every ```python block in README.md runs as written, and prints what its comments say it prints.

Each block runs in a fresh interpreter (this one's), from an empty temporary folder. A line
`print(...)  # EXPECTED` is checked when EXPECTED starts with `tensor(`, a number, True or False: the printed
text must equal it (prose after it, like `: central differences agree`, is allowed). Other comments are prose.
"""
import io
import os
import re
import subprocess
import sys
import textwrap
import tokenize

import pytest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
README = os.path.join(ROOT, "README.md")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)
_CHECKED = re.compile(r"^(tensor\(|-?\d|True\b|False\b)")
_PROSE_AFTER = (":", " (", ";", ",", " --", " —")
_MARK = "@@readme-check {}@@"


def readme_blocks():
    """[(line number in README.md, dedented code)] of every ```python block, list-item ones included."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    return [(text.count("\n", 0, m.start()) + 2, textwrap.dedent(m.group("body"))) for m in _FENCE.finditer(text)]


def instrument(code):
    """The code with each checked print wrapped in markers, and {marker index: expected text}."""
    comments = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = (token.start[1], token.string[1:].strip())
    lines, expected = code.splitlines(), {}
    for number, (column, comment) in comments.items():
        line = lines[number - 1]
        statement = line[:column].rstrip()
        if not statement.lstrip().startswith("print(") or not _CHECKED.match(comment) or not _complete(statement):
            continue
        indent = statement[: len(statement) - len(statement.lstrip())]
        key = len(expected)
        expected[key] = comment
        lines[number - 1] = (f"{indent}print({_MARK.format(key)!r}); {statement.lstrip()}; "
                             f"print({_MARK.format(key)!r})")
    return "\n".join(lines) + "\n", expected


def _complete(statement):
    try:  # a print spread over several lines is left alone
        compile(statement.lstrip(), "<readme>", "exec")
    except SyntaxError:
        return False
    return True


def printed(stdout, key):
    start, end = stdout.index(_MARK.format(key)) + len(_MARK.format(key)), stdout.rindex(_MARK.format(key))
    return stdout[start:end].strip()


def matches(text, comment):
    return comment == text or any(comment.startswith(text + tail) for tail in _PROSE_AFTER)


def test_the_readme_has_python_blocks_and_the_instrumenting_is_sound():
    blocks = readme_blocks()
    assert len(blocks) >= 5
    code, expected = instrument("x = 1\nif x:\n    print(x + 1)  # 2: two\nprint('a')  # prose\nprint(x,  # 3\n      x)\n")
    assert expected == {0: "2: two"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert matches(printed(result.stdout, 0), expected[0]) and not matches("3", expected[0])


@pytest.mark.parametrize("line, code", [pytest.param(*block, id=f"README.md:{block[0]}") for block in readme_blocks()])
def test_readme_python_block_runs_and_prints_what_it_says(line, code, tmp_path):
    source, expected = instrument(code)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.abspath(os.path.join(ROOT, "src"))] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
    env.setdefault("MPLBACKEND", "Agg")
    result = subprocess.run([sys.executable, "-c", source], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, f"README.md block at line {line} failed:\n{code}\n{result.stderr}"
    for key, comment in expected.items():
        assert matches(printed(result.stdout, key), comment), (
            f"README.md block at line {line}: printed {printed(result.stdout, key)!r}, its comment says {comment!r}")
