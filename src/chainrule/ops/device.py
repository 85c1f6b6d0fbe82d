"""Moving a tensor to another device: a recorded copy, so gradients flow back to where the tensor came from."""
from ..autograd.function import Op
from ..device import check, move, of


class ToCopy(Op):
    """y = x on another device (CPU <-> CUDA, through the host); backward moves the gradient back."""

    array_api = True

    def forward(ctx, x, device):
        ctx.source = of(x)
        return move(x, device)

    def backward(ctx, gy):
        return _move_gradient(gy, ctx.source), None


def _move_gradient(gy, device):
    """An array gradient is moved as an array; under create_graph a Tensor is moved with to_device (recorded)."""
    return gy.to(device) if hasattr(gy, "grad_fn") else move(gy, device)


def to_device(input, device):
    """input on `device` (the same tensor if it is there already): Tensor.to(device), .cuda(), .cpu()."""
    device = check(device)
    return input if input.device == device else ToCopy.apply(input, device)
