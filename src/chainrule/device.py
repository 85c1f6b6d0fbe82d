"""Devices. chainrule computes on the CPU (NumPy); these names let device-aware PyTorch code run unchanged."""


class device:
    """cr.device('cpu'), like torch.device. Other device types can be named but not used."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got {type!r}")
        name, _, number = type.partition(":")
        self.type = name
        self.index = int(number) if number else index

    def __eq__(self, other):
        other = device(other) if isinstance(other, str) else other
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else f"device(type='{self.type}', index={self.index})"


_default = device("cpu")


def set_default_device(dev):
    """Only the CPU exists: set_default_device('cpu') works, anything else raises RuntimeError."""
    global _default
    dev = device(dev) if dev is not None else device("cpu")
    if dev.type != "cpu":
        raise RuntimeError(f"set_default_device: chainrule runs on the CPU only; {dev} is not available")
    _default = dev


def get_default_device():
    return _default
