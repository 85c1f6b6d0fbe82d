"""Pictures of autograd graphs: cr.viz.graph(loss, model) -> .svg, .dot, .save(path); cr.viz.trace(model)."""
from .graph import graph  # noqa: F401
from .trace import Trace, trace  # noqa: F401
from .flow import Event, GradientFlow, GradientWarning, Norms  # noqa: F401
