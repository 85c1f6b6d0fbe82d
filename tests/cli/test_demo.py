"""`chainrule demo`, run the way a user runs it (a subprocess): the seed notebooks' numbers, agreeing with torch."""
import os
import subprocess
import sys


def chainrule(*args, cwd=None):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, "-m", "chainrule", *args], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def test_demo_prints_the_seed_numbers_and_agrees_with_torch():
    result = chainrule("demo")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # seed 0's printed weights, in the notebook's 4-decimal format
    assert "['1.0100', '-1.9900', '1.6700', '3.6700', '-2.4000', '1.6000']" in out
    assert "['1.4200', '0.6800', '2.0400', '-0.8400']" in out
    assert "['0.4200', '0.0400']" in out
    assert "3.297442541400256" in out  # seed 4
    assert "PyTorch" in out and "DISAGREE" not in out
    assert out.strip().endswith("every number agrees")
