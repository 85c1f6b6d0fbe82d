"""The autodiff engine: graph nodes (Function), the backward walk, grad mode, gradient checking."""
from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .function import Function, Node  # noqa: F401
from .gradcheck import GradcheckError, LocalizeReport, NodeCheck, gradcheck, localize, numerical_grad  # noqa: F401
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
