"""L-BFGS: quasi-Newton steps built from a short history of gradient changes, with an optional
strong-Wolfe line search (cubic interpolation), following PyTorch's (itself minFunc's) algorithm.

All parameters are handled as one flat vector, an array of their library (NumPy, or CuPy, array-api-strict:
the code uses standard functions and operators only). Scalars are NumPy scalars (or 0-d arrays) of the
parameters' dtype, so float32 parameters are optimized in float32 as in PyTorch. The state (kept on the
first parameter, like PyTorch) holds arrays and those scalars as tensors.
"""
import copy
from collections import namedtuple

import numpy as np

from ..autograd.grad_mode import enable_grad
from ..device import library_of
from ..tensor import Tensor, _wrap
from .optimizer import Optimizer, check_numbers, state_copy
from .standard import copy_of


class LBFGS(Optimizer):
    """PyTorch's LBFGS. step(closure) runs up to max_iter iterations; each one:

        d = -H g   (H: the inverse Hessian estimated from the last history_size pairs
                    s = x_{k+1} - x_k, y = g_{k+1} - g_k, by the two-loop recursion)
        x = x + t d, with t = lr (the first iteration ever: min(1, 1 / |g|_1) * lr), or the t
        the strong-Wolfe line search finds starting from that guess.

    It stops early when |g|_inf <= tolerance_grad, the step or the loss change is below
    tolerance_change, or max_eval closure calls are spent. One param group only.
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        check_numbers("LBFGS", lr=lr, tolerance_grad=tolerance_grad, tolerance_change=tolerance_change)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    @property
    def _params(self):
        return self.param_groups[0]["params"]

    def step(self, closure):
        """Minimize the loss closure() returns (it must zero the grads, compute the loss and call backward);
        return the loss of its first call."""
        if not callable(closure):
            raise TypeError("LBFGS.step needs a closure: a function that recomputes the loss and its gradients")
        if len(self.param_groups) != 1:
            raise ValueError(f"LBFGS supports one param group only, but it has {len(self.param_groups)}")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        lr = lr.item() if isinstance(lr, Tensor) else lr
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = _evaluate(closure)
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        if _abs_max(flat_grad) <= tolerance_grad:
            return orig_loss

        memory = _Memory.load(state)
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                memory.reset(flat_grad)
            else:
                memory.update(flat_grad, history_size)
            memory.prev_flat_grad, memory.prev_loss = copy_of(flat_grad), loss
            d = memory.d

            # the initial guess for the step size
            memory.t = min(1.0, 1.0 / _abs_sum(flat_grad)) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad @ d  # the directional derivative
            if gtd > -tolerance_change:
                break

            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                start = [copy_of(p._data) for p in self._params]

                def along(t):
                    return self._directional_evaluate(closure, start, t, d)

                loss, flat_grad, memory.t, ls_func_evals = _strong_wolfe(
                    along, memory.t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals)
                self._add_grad(memory.t, d)
                opt_cond = _abs_max(flat_grad) <= tolerance_grad
            else:
                self._add_grad(memory.t, d)  # a fixed step
                ls_func_evals = 0
                if n_iter != max_iter:  # the last iteration's loss would be recomputed by the next step() anyway
                    loss = float(_evaluate(closure))
                    flat_grad = self._gather_flat_grad()
                    opt_cond = _abs_max(flat_grad) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _abs_max(d * memory.t) <= tolerance_change or abs(loss - memory.prev_loss) < tolerance_change:
                break  # no progress

        memory.save(state)
        return orig_loss

    # ---- the parameters as one flat vector --------------------------------------------------
    def _gather_flat_grad(self):
        xp = library_of(self._params[0]._data)
        return xp.concat([xp.zeros(p._data.size, dtype=p._data.dtype) if p.grad is None
                          else xp.reshape(p.grad._data, (-1,)) for p in self._params])

    def _add_grad(self, step_size, update):
        """parameters += step_size * update, in place."""
        offset, xp = 0, library_of(update)
        for param in self._params:
            size = param._data.size
            param._data += xp.reshape(update[offset:offset + size], param._data.shape) * step_size
            param._bump_version()
            offset += size

    def _directional_evaluate(self, closure, start, t, d):
        """The loss and flat gradient at start + t * d; the parameters are then put back at start."""
        self._add_grad(t, d)
        loss = float(_evaluate(closure))
        flat_grad = self._gather_flat_grad()
        for param, values in zip(self._params, start):
            param._data[...] = values
            param._bump_version()
        return loss, flat_grad

    def _loaded_state_value(self, param, index, name, value):
        """Arrays (flat, not of the parameter's shape) and scalar tensors in the parameter's dtype and on its
        device, as torch."""
        return _cast_state(value, param)


def _evaluate(closure):
    with enable_grad():
        return closure()


# ---- the L-BFGS memory and direction -------------------------------------------------------
_KEYS = ("d", "t", "old_dirs", "old_stps", "ro", "H_diag", "prev_flat_grad", "prev_loss")


class _Memory:
    """The running state between iterations and steps: the direction d, the step t, the curvature
    pairs (old_stps s, old_dirs y, ro = 1 / y.s), the initial inverse-Hessian scale H_diag, the
    previous gradient and loss, and al (the two-loop recursion's coefficients)."""

    @classmethod
    def load(cls, state):
        memory = cls()
        for key in (*_KEYS, "al"):
            setattr(memory, key, _from_state(state.get(key)))
        return memory

    def save(self, state):
        for key in _KEYS:
            state[key] = _to_state(getattr(self, key))
        if self.al is not None:
            state["al"] = _to_state(self.al)

    def reset(self, flat_grad):
        self.d = -flat_grad
        self.old_dirs, self.old_stps, self.ro = [], [], []
        self.H_diag = 1

    def update(self, flat_grad, history_size):
        """Remember the latest curvature pair (if the curvature is positive), then d = -H g."""
        y = flat_grad - self.prev_flat_grad
        s = self.d * self.t
        ys = y @ s
        if ys > 1e-10:
            if len(self.old_dirs) == history_size:  # forget the oldest pair
                del self.old_dirs[0], self.old_stps[0], self.ro[0]
            self.old_dirs.append(y)
            self.old_stps.append(s)
            self.ro.append(1.0 / ys)
            self.H_diag = ys / (y @ y)
        if self.al is None:
            self.al = [None] * history_size
        self.d = self._two_loop(flat_grad)

    def _two_loop(self, flat_grad):
        """-H g by the two-loop recursion, with H_diag * identity as the initial inverse Hessian."""
        al, count = self.al, len(self.old_dirs)
        q = -flat_grad
        for i in range(count - 1, -1, -1):
            al[i] = (self.old_stps[i] @ q) * self.ro[i]
            q -= al[i] * self.old_dirs[i]
        r = q * self.H_diag
        for i in range(count):
            be_i = (self.old_dirs[i] @ r) * self.ro[i]
            r += (al[i] - be_i) * self.old_stps[i]
        return r


def _to_state(value):
    """Arrays and NumPy scalars become tensors (torch keeps tensors); Python numbers and None stay."""
    if isinstance(value, list):
        return [_to_state(item) for item in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return _wrap(np.asarray(value))
    if hasattr(value, "__array_namespace__"):  # another library's array (0-d for a scalar)
        return _wrap(value)
    return value


def _from_state(value):
    if isinstance(value, list):
        return [_from_state(item) for item in value]
    if isinstance(value, Tensor):
        data = value._data
        return data[()] if type(data) is np.ndarray and data.ndim == 0 else data
    return value


def _cast_state(value, param):
    if isinstance(value, (list, tuple)):
        return [_cast_state(item, param) for item in value]
    if isinstance(value, Tensor) or hasattr(value, "__array__"):  # arrays, NumPy scalars, torch tensors
        return state_copy(value, param)
    return copy.deepcopy(value)


# ---- flat vectors of any library ----------------------------------------------------------
def _abs_max(x):
    xp = library_of(x)
    return xp.max(xp.abs(x))


def _abs_sum(x):
    xp = library_of(x)
    return xp.sum(xp.abs(x))


# ---- the strong-Wolfe line search ----------------------------------------------------------
_Point = namedtuple("_Point", "t f g gtd")  # a trial step, its loss, flat gradient and directional derivative


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to bounds
    (default: between x1 and x2); their middle if the cubic has no minimum."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        if d2_square < 0:
            return (low + high) / 2.0
        d2 = library_of(d2_square).sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, low), high)


def _strong_wolfe(along, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """Find a step t along d with sufficient decrease (f(t) <= f + c1 t gtd) and small slope
    (|gtd(t)| <= -c2 gtd). along(t) returns the loss and flat gradient there.

    First grow t until [t_prev, t] brackets such a point, then shrink the bracket by cubic
    interpolation (zoom). Returns (loss, flat gradient, t, number of evaluations).
    """
    f_new, g_new = along(t)
    evals, ls_iter = 1, 0
    gtd_new = g_new @ d
    prev = _Point(0, f, g, gtd)
    done = False
    while ls_iter < max_ls:  # bracketing
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= prev.f):
            bracket = [prev, _Point(t, f_new, g_new, gtd_new)]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, done = [_Point(t, f_new, g_new, gtd_new)], True
            break
        if gtd_new >= 0:
            bracket = [prev, _Point(t, f_new, g_new, gtd_new)]
            break
        next_t = _cubic_interpolate(prev.t, prev.f, prev.gtd, t, f_new, gtd_new,
                                    bounds=(t + 0.01 * (t - prev.t), t * 10))
        prev, t = _Point(t, f_new, g_new, gtd_new), next_t
        f_new, g_new = along(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        gtd_new = g_new @ d
    if ls_iter >= max_ls:
        bracket = [_Point(0, f, g, None), _Point(t, f_new, g_new, None)]

    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    insufficient_progress = False
    d_norm = _abs_max(d)
    while not done and ls_iter < max_ls:  # zoom
        if abs(bracket[1].t - bracket[0].t) * d_norm < tolerance_change:
            break  # the bracket is too small to shrink further
        a, b = bracket[0], bracket[-1]
        t = _cubic_interpolate(a.t, a.f, a.gtd, b.t, b.f, b.gtd)
        t, insufficient_progress = _away_from_the_ends(t, a.t, b.t, insufficient_progress)
        f_new, g_new = along(t)
        evals, ls_iter = evals + 1, ls_iter + 1
        point = _Point(t, f_new, g_new, g_new @ d)
        if point.f > f + c1 * t * gtd or point.f >= bracket[low].f:
            bracket[high] = point  # not low enough: the new high end
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if abs(point.gtd) <= -c2 * gtd:
            done = True
        elif point.gtd * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]  # the minimum lies on the other side: the old low becomes the high end
        bracket[low] = point
    best = bracket[low]
    return best.f, best.g, best.t, evals


def _away_from_the_ends(t, a, b, insufficient_progress):
    """Keep an interpolated t at least a tenth of the bracket from its ends when it sits at an end, or
    has sat near one twice in a row; returns t and whether progress is insufficient now."""
    low, high = min(a, b), max(a, b)
    margin = 0.1 * (high - low)
    if min(high - t, t - low) < margin:  # close to an end
        if insufficient_progress or t >= high or t <= low:
            return (high - margin if abs(t - high) < abs(t - low) else low + margin), False
        return t, True
    return t, False
