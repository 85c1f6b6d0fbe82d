"""MNIST and Fashion-MNIST from the standard IDX files a user already has (gzip or not).

IDX layout (big-endian): two zero bytes, a type code, the number of dims n, then n uint32 sizes,
then the values in C order. chainrule reads these files offline and never downloads them.
"""
import gzip
import math
import os
import struct
import zlib

import numpy as np

from ..tensor import _wrap
from .dataset import TensorDataset

_IDX_DTYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """The array stored in an IDX file (gzip-compressed or plain), in native byte order."""
    path = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read()
    if raw.startswith(_GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as err:
            raise ValueError(f"read_idx: {path} is a corrupt or truncated gzip file ({err})") from None
    return parse_idx(raw, path)


def parse_idx(raw, name="<bytes>"):
    """The array held by the bytes of an (uncompressed) IDX file."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(
            f"read_idx: {name} is not an IDX file: it must start with two zero bytes and a type code "
            f"({', '.join(hex(code) for code in _IDX_DTYPES)}), got {bytes(raw[:4])!r}"
        )
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    start = 4 + 4 * ndim
    if len(raw) < start:
        raise ValueError(f"read_idx: {name} is truncated: its header promises {ndim} dims but the file has {len(raw)} bytes")
    shape = struct.unpack(f">{ndim}I", raw[4:start])
    count = math.prod(shape)
    expected = start + count * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(
            f"read_idx: {name} is truncated or corrupt: an IDX array of shape {shape} and dtype {dtype.name} "
            f"takes {expected} bytes, the file has {len(raw)}"
        )
    values = np.frombuffer(raw, dtype=dtype, count=count, offset=start).reshape(shape)
    return values.astype(dtype.newbyteorder("="))


class MNIST(TensorDataset):
    """MNIST from its four IDX files in `root` (or root/MNIST/raw, where torchvision keeps them).

    Sample i is (image float32 (1, 28, 28) in [0, 1], label int64). Besides .tensors, .data holds
    the raw uint8 images (N, 28, 28), .targets the labels and .classes the label names, as in
    torchvision; .images_file and .labels_file are the files read. Labels outside 0-9 are refused
    (ValueError naming the file) when the files are read, not mid-training. download is accepted for torchvision code: chainrule never downloads, so the
    files must already be there.
    """

    folder = "MNIST"
    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
               "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"]

    def __init__(self, root, train=True, download=False):
        self.root, self.train = os.fspath(root), train
        prefix = "train" if train else "t10k"
        self.images_file = self._find(f"{prefix}-images-idx3-ubyte")
        self.labels_file = self._find(f"{prefix}-labels-idx1-ubyte")
        images, labels = read_idx(self.images_file), read_idx(self.labels_file)
        _check_pair(type(self).__name__, images, labels)
        _check_labels(type(self).__name__, labels, len(self.classes), self.labels_file)
        self.data = _wrap(images)
        self.targets = _wrap(labels.astype(np.int64))
        scaled = images[:, None].astype(np.float32) / np.float32(255)
        super().__init__(_wrap(scaled), self.targets)

    def _find(self, stem):
        folders = [self.root, os.path.join(self.root, self.folder, "raw"), os.path.join(self.root, self.folder)]
        for folder in folders:
            for name in (stem, stem + ".gz"):
                if os.path.isfile(os.path.join(folder, name)):
                    return os.path.join(folder, name)
        prefix = "train" if self.train else "t10k"
        raise FileNotFoundError(
            f"{type(self).__name__}: could not find {stem} or {stem}.gz in {folders}. Put the standard IDX files "
            f"({prefix}-images-idx3-ubyte.gz and {prefix}-labels-idx1-ubyte.gz, gzipped or not) in {self.root!r} "
            f"(or {os.path.join(self.root, self.folder, 'raw')!r}); chainrule works offline and never downloads them."
        )


class FashionMNIST(MNIST):
    """Fashion-MNIST: the same file names and layout as MNIST, in root or root/FashionMNIST/raw."""

    folder = "FashionMNIST"
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def _check_pair(name, images, labels):
    if images.ndim != 3 or images.dtype != np.uint8:
        raise ValueError(
            f"{name}: the images file must hold uint8 images of shape (N, H, W), got {images.dtype} {images.shape}"
        )
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"{name}: expected {len(images)} labels of shape (N,) for {len(images)} images, got shape {labels.shape}"
        )


def _check_labels(name, labels, classes, path):
    bad = ~((labels >= 0) & (labels < classes) & (labels == np.floor(labels)))  # nan is bad too
    if bad.any():
        first = int(np.argmax(bad))
        raise ValueError(
            f"{name}: {path} holds labels outside 0-{classes - 1} (e.g. {labels[first]} at index {first}); "
            f"the labels file must hold one class index from 0 to {classes - 1} per image"
        )
