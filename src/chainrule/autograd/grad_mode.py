"""Grad mode: whether ops record the graph. Per thread, like PyTorch's."""
import functools
import threading

class _State(threading.local):
    enabled = True


_state = _State()


def is_grad_enabled():
    return _state.enabled


def _set_enabled(mode):
    _state.enabled = mode


class set_grad_enabled:
    """Turn recording on or off: as a call, a context manager, or a decorator."""

    def __init__(self, mode):
        self.prev = is_grad_enabled()
        self.mode = bool(mode)
        _set_enabled(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set_enabled(self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(self.mode):
                return fn(*args, **kwargs)

        _set_enabled(self.prev)  # the constructor switched the mode; a decorator must not
        return wrapper


class _GradModeContext:
    mode = True

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)  # used as a bare decorator: @cr.no_grad

    def __enter__(self):
        self.prev = is_grad_enabled()
        _set_enabled(self.mode)
        return self

    def __exit__(self, *exc):
        _set_enabled(self.prev)
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Record nothing inside: `with cr.no_grad():` or `@cr.no_grad()`."""

    mode = False


class enable_grad(_GradModeContext):
    """Record again inside a no_grad block."""

    mode = True


class inference_mode(no_grad):
    """Same as no_grad in chainrule (there is no separate inference tensor kind)."""
