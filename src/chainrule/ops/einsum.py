"""einsum: sums of products named by an equation ("ij,jk->ik").

The gradient of one operand is another einsum: the output's gradient times the other operands, with that
operand's labels as the result ("ij,jk->ik" gives "ik,jk->ij" for the first). Two things need more:
a label only that operand has (summed away inside it) is brought back by a vector of ones, and a label
it repeats (a diagonal, "ii") by an identity matrix that puts the gradient back on the diagonal.

The standard has no einsum: on other libraries' arrays the forward is written with its functions (diagonals
by xp.take, sums, and each contraction one batched matmul), see _einsum_standard.
"""
import math
import string

import numpy as np

from ..autograd.function import Op
from ..device import constant, library_of, numpy_dtype, shares_memory
from ..tensor import Tensor
from .shape import broadcast_to


class Einsum(Op):
    def forward(ctx, spec, *arrays):
        inputs, output = spec
        ctx.spec = spec
        ctx.sizes = {label: n for labels, a in zip(inputs, arrays) for label, n in zip(labels, a.shape)}
        ctx.save_for_backward(*arrays)
        if any(type(a) is not np.ndarray for a in arrays):
            return _einsum_standard(library_of(arrays[0]), inputs, output, arrays)
        y = np.asarray(np.einsum(",".join(inputs) + "->" + output, *arrays, optimize=len(arrays) > 1))
        if any(shares_memory(y, a) for a in arrays):  # "ii->i" gives a view of the diagonal
            y = y.copy()
        return y

    def backward(ctx, gy):
        operands = ctx.saved_tensors
        needs = ctx.needs_input_grad[1:]
        return (None, *[operand_grad(ctx, gy, operands, k) if need else None for k, need in enumerate(needs)])


def operand_grad(ctx, gy, operands, k):
    """d(sum of gy * einsum) / d(operand k), as one einsum."""
    inputs, output = ctx.spec
    terms = [output] + [labels for j, labels in enumerate(inputs) if j != k]
    values = [gy] + [a for j, a in enumerate(operands) if j != k]
    known = set("".join(terms))
    fresh = iter(sorted(set(string.ascii_letters) - set("".join(inputs) + output)))
    dtype, result = numpy_dtype(ctx.saved_arrays[k].dtype), ""
    for label in inputs[k]:
        n = ctx.sizes[label]
        if label in result:  # a repeated label: a diagonal of this operand
            new = next(fresh)
            terms.append(label + new)
            values.append(constant(np.eye(n, dtype=dtype), None, ctx.saved_arrays[k]))  # on the operands' device
            result += new
            continue
        if label not in known:  # summed inside this operand only: each element had weight 1
            terms.append(label)
            values.append(constant(np.ones(n, dtype=dtype), None, ctx.saved_arrays[k]))
        result += label
    return Einsum.apply((tuple(terms), result), *values)


Einsum.array_api = True


# ---- einsum with the standard's functions ---------------------------------------------------------
def _einsum_standard(xp, inputs, output, arrays):
    """einsum on any standard library: each operand's diagonals taken and its own labels summed away, then
    the operands contracted left to right, each pair as one batched matmul (the labels both have and no later
    term needs are the inner dim), and the result's labels put in the output's order."""
    terms = [_own_diagonals(xp, labels, a) for labels, a in zip(inputs, arrays)]
    labels, y = _sum_unneeded(xp, *terms[0], [t[0] for t in terms[1:]] + [output])
    for index, (other_labels, other) in enumerate(terms[1:], start=1):
        later = [t[0] for t in terms[index + 1:]] + [output]
        other_labels, other = _sum_unneeded(xp, other_labels, other, later + [labels])
        labels, y = _contract(xp, labels, y, other_labels, other, "".join(later))
        labels, y = _sum_unneeded(xp, labels, y, later)
    return xp.permute_dims(y, tuple(labels.index(label) for label in output))


def _own_diagonals(xp, labels, a):
    """A label repeated within one operand ("ii"): keep its diagonal, until every label is there once."""
    for label in labels:
        if labels.count(label) > 1:
            first, second = labels.index(label), labels.index(label, labels.index(label) + 1)
            rest = [i for i in range(len(labels)) if i not in (first, second)]
            n = a.shape[first]
            a = xp.permute_dims(a, (*rest, first, second))
            a = xp.reshape(a, (*a.shape[:-2], n * n))
            a = xp.take(a, xp.arange(0, n * n, n + 1), axis=a.ndim - 1)  # positions (i, i) of the flat pair
            return _own_diagonals(xp, "".join(labels[i] for i in rest) + label, a)
    return labels, a


def _sum_unneeded(xp, labels, a, elsewhere):
    """Sum away the labels no other term (nor the output) names."""
    needed = set("".join(elsewhere))
    axes = tuple(i for i, label in enumerate(labels) if label not in needed)
    if not axes:
        return labels, a
    return "".join(label for label in labels if label in needed), xp.sum(a, axis=axes)


def _contract(xp, left_labels, left, right_labels, right, kept):
    """Two terms as one: labels in both are batch dims if a later term or the output names them, else summed
    over (matmul's inner dim); each term's own labels are matmul's rows and columns."""
    batch = [c for c in left_labels if c in right_labels and c in kept]
    inner = [c for c in left_labels if c in right_labels and c not in kept]
    rows = [c for c in left_labels if c not in right_labels]
    cols = [c for c in right_labels if c not in left_labels]
    size = dict(zip(left_labels, left.shape)) | dict(zip(right_labels, right.shape))

    def arranged(labels, a, order):
        a = xp.permute_dims(a, tuple(labels.index(c) for c in order[0] + order[1] + order[2]))
        return xp.reshape(a, tuple(math.prod(size[c] for c in part) for part in order))

    product = xp.matmul(arranged(left_labels, left, (batch, rows, inner)), arranged(right_labels, right, (batch, inner, cols)))
    labels = batch + rows + cols
    return "".join(labels), xp.reshape(product, tuple(size[c] for c in labels))


# ---- the function users call --------------------------------------------------------------------
def einsum(equation, *operands):
    """torch.einsum(equation, *operands) (or a list of operands): explicit ("ij,jk->ik") or implicit
    ("ij,jk": the labels seen once, sorted) output, "..." for broadcast batch dims, "ii" for diagonals."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for t in operands:
        if not isinstance(t, Tensor):
            raise TypeError(f"einsum: operands must be Tensors, got {type(t).__name__}")
    if not operands:
        raise ValueError("einsum: at least one operand is needed")
    if len({t.dtype for t in operands}) > 1:
        raise TypeError(f"einsum: all operands must have the same dtype, got {[str(t.dtype) for t in operands]}; "
                        "convert them (x.double(), x.float())")
    inputs, output = _parse(equation, [t.shape for t in operands])
    sizes = _label_sizes(equation, inputs, operands)
    operands = [_broadcast(t, labels, sizes) for t, labels in zip(operands, inputs)]
    return Einsum.apply((tuple(inputs), output), *operands)


def _parse(equation, shapes):
    """The equation with "..." written out as letters of its own: (labels per operand, output labels)."""
    equation = equation.replace(" ", "")
    left, arrow, right = equation.partition("->")
    terms = left.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: the equation {equation!r} has {len(terms)} operand(s), but {len(shapes)} were given")
    for term in terms + ([right] if arrow else []):
        bare = term.replace("...", "", 1)
        if any(c not in string.ascii_letters for c in bare):
            raise ValueError(f"einsum: invalid subscripts {term!r} in {equation!r}: only letters and one '...' per operand")
    unused = iter(sorted(set(string.ascii_letters) - set(equation)))
    widths = []
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if ("..." in term and named > len(shape)) or ("..." not in term and named != len(shape)):
            raise ValueError(f"einsum: the subscripts {term!r} don't fit an operand of shape {tuple(shape)} "
                             f"({named} labels for {len(shape)} dims)")
        widths.append(len(shape) - named if "..." in term else 0)
    batch = "".join(next(unused) for _ in range(max(widths)))
    inputs = [term.replace("...", batch[len(batch) - w :] if w else "") for term, w in zip(terms, widths)]
    if not arrow:
        counts = "".join(inputs)
        return inputs, batch + "".join(sorted(c for c in set(counts) if counts.count(c) == 1 and c not in batch))
    output = right.replace("...", batch)
    for label in output:
        if label not in "".join(inputs) or output.count(label) > 1:
            raise ValueError(f"einsum: output label {label!r} of {equation!r} must appear in an operand, and only "
                             "once in the output")
    return inputs, output


def _label_sizes(equation, inputs, operands):
    """Each label's size; a size of 1 broadcasts, as in PyTorch."""
    sizes = {}
    for index, (labels, t) in enumerate(zip(inputs, operands)):
        own = {}
        for label, n in zip(labels, t.shape):
            if own.setdefault(label, n) != n:
                raise ValueError(f"einsum: label {label!r} is repeated in operand {index} with sizes {own[label]} and {n}")
            seen = sizes.setdefault(label, n)
            if seen != n and 1 not in (seen, n):
                raise ValueError(f"einsum: in {equation!r}, a label has size {n} in operand {index} (shape "
                                 f"{tuple(t.shape)}) which does not broadcast with size {seen} seen before")
            sizes[label] = max(seen, n)
    return sizes


def _broadcast(t, labels, sizes):
    shape = tuple(sizes[label] for label in labels)
    return t if shape == t.shape else broadcast_to(t, shape, "einsum")
