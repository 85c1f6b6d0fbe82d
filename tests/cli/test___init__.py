"""The `chainrule` command (chainrule.cli), run the way a user runs it: --help for it and every subcommand."""
import os
import subprocess
import sys


def chainrule(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_help_on_every_subcommand():
    for args in ([], ["train"], ["demo"], ["viz"]):
        result = chainrule(*args, "--help")
        assert result.returncode == 0 and "usage: chainrule" in result.stdout


def test_version():
    from chainrule import __version__

    result = chainrule("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines() == [f"chainrule {__version__}"]
