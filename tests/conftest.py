"""Shared test setup: tests import their helpers from tests/ (torch_parity.py: PyTorch parity checks; nn_testing.py,
optim_parity.py: chainrule and torch side by side), which this puts on sys.path."""
import os
import sys

from hypothesis import settings

sys.path.insert(0, os.path.dirname(__file__))

# Modest example counts keep the suite fast on small machines; no deadline (first calls import torch).
# The same examples every run, so a CI run is reproducible; CHAINRULE_EXPLORE=1 draws new ones each run.
settings.register_profile("chainrule", max_examples=25, deadline=None, derandomize=not os.environ.get("CHAINRULE_EXPLORE"))
settings.load_profile("chainrule")
