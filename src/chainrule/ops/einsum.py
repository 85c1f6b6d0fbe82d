"""einsum: sums of products named by an equation ("ij,jk->ik").

The gradient of one operand is another einsum: the output's gradient times the other operands, with that
operand's labels as the result ("ij,jk->ik" gives "ik,jk->ij" for the first). Two things need more:
a label only that operand has (summed away inside it) is brought back by a vector of ones, and a label
it repeats (a diagonal, "ii") by an identity matrix that puts the gradient back on the diagonal.
"""
import string

import numpy as np

from ..autograd.function import Op
from ..tensor import Tensor
from .shape import broadcast_to


class Einsum(Op):
    def forward(ctx, spec, *arrays):
        inputs, output = spec
        ctx.spec = spec
        ctx.sizes = {label: n for labels, a in zip(inputs, arrays) for label, n in zip(labels, a.shape)}
        ctx.save_for_backward(*arrays)
        y = np.asarray(np.einsum(",".join(inputs) + "->" + output, *arrays, optimize=len(arrays) > 1))
        if any(np.may_share_memory(y, a) for a in arrays):  # "ii->i" gives a view of the diagonal
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
    dtype, result = ctx.saved_arrays[k].dtype, ""
    for label in inputs[k]:
        n = ctx.sizes[label]
        if label in result:  # a repeated label: a diagonal of this operand
            new = next(fresh)
            terms.append(label + new)
            values.append(np.eye(n, dtype=dtype))
            result += new
            continue
        if label not in known:  # summed inside this operand only: each element had weight 1
            terms.append(label)
            values.append(np.ones(n, dtype=dtype))
        result += label
    return Einsum.apply((tuple(terms), result), *values)


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
