"""read_idx and MNIST / FashionMNIST on small IDX files written here (gzip and plain)."""
import gzip
import os
import struct

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.data import MNIST, DataLoader, FashionMNIST, read_idx

TYPE_CODES = {np.uint8: 0x08, np.int8: 0x09, np.int16: 0x0B, np.int32: 0x0C, np.float32: 0x0D, np.float64: 0x0E}


def idx_bytes(array):
    """The IDX encoding, written from the format's definition: 0, 0, type code, ndim, big-endian sizes, data."""
    header = struct.pack(">BBBB", 0, 0, TYPE_CODES[array.dtype.type], array.ndim)
    header += struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()


def write(path, data, compress):
    path = str(path) + (".gz" if compress else "")
    with open(path, "wb") as f:
        f.write(gzip.compress(data) if compress else data)
    return path


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("dtype", list(TYPE_CODES))
def test_read_idx_round_trips_every_type(tmp_path, dtype, compress):
    rng = np.random.default_rng(0)
    array = (rng.standard_normal((3, 4, 5)) * 50).astype(dtype)
    result = read_idx(write(tmp_path / "a-idx3-ubyte", idx_bytes(array), compress))
    assert result.dtype == np.dtype(dtype) and result.dtype.isnative and result.shape == (3, 4, 5)
    np.testing.assert_array_equal(result, array)
    result[0, 0, 0] = 1  # a writable copy


def test_read_idx_accepts_pathlib_and_one_dim(tmp_path):
    labels = np.array([3, 1, 4, 1, 5], dtype=np.uint8)
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(idx_bytes(labels))
    np.testing.assert_array_equal(read_idx(path), labels)


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-1], "truncated"),
    (lambda b: b + b"\x00", "truncated or corrupt"),
    (lambda b: b[:6], "truncated"),
    (lambda b: b"\x01" + b[1:], "not an IDX file"),
    (lambda b: b[:2] + b"\x07" + b[3:], "not an IDX file"),
    (lambda b: b"", "not an IDX file"),
])
def test_read_idx_rejects_damaged_files(tmp_path, damage, message):
    good = idx_bytes(np.zeros((2, 3, 3), np.uint8))
    path = tmp_path / "bad"
    path.write_bytes(damage(good))
    with pytest.raises(ValueError, match=message):
        read_idx(path)


def test_read_idx_rejects_a_truncated_gzip(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((20, 28, 28), np.uint8)))[:-20])
    with pytest.raises(ValueError, match="gzip"):
        read_idx(path)


def write_mnist(folder, compress, n_train=5, n_test=3, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(folder, exist_ok=True)
    written = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
        labels = rng.integers(0, 10, size=n, dtype=np.uint8)
        write(os.path.join(folder, f"{prefix}-images-idx3-ubyte"), idx_bytes(images), compress)
        write(os.path.join(folder, f"{prefix}-labels-idx1-ubyte"), idx_bytes(labels), compress)
        written[prefix] = images, labels
    return written


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize("cls", [MNIST, FashionMNIST])
def test_mnist_reads_the_standard_files(tmp_path, cls, compress):
    written = write_mnist(tmp_path, compress)
    for train, prefix in ((True, "train"), (False, "t10k")):
        images, labels = written[prefix]
        dataset = cls(tmp_path, train=train)
        x, y = dataset.tensors
        assert len(dataset) == len(images) and x.shape == (len(images), 1, 28, 28)
        assert x.dtype == cr.float32 and y.dtype == cr.int64
        expected = torch.from_numpy(images).unsqueeze(1).float().div(255)  # what torchvision's ToTensor gives
        np.testing.assert_array_equal(x.numpy(), expected.numpy())
        np.testing.assert_array_equal(y.numpy(), labels)
        np.testing.assert_array_equal(dataset.data.numpy(), images)
        assert dataset.targets is y and len(dataset.classes) == 10
        image, label = dataset[0]
        assert image.shape == (1, 28, 28) and int(label) == labels[0]
    assert FashionMNIST.classes[9] == "Ankle boot" and MNIST.classes[0] == "0 - zero"


def test_mnist_finds_torchvisions_layout_and_batches_fast(tmp_path):
    write_mnist(tmp_path / "MNIST" / "raw", compress=True, n_train=10)
    dataset = MNIST(str(tmp_path), train=True, download=True)
    batches = list(DataLoader(dataset, batch_size=4))
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(batches[1][0].numpy(), dataset.tensors[0].numpy()[4:8])


def test_mnist_missing_files_say_what_and_where(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"train-images-idx3-ubyte.*never downloads"):
        MNIST(tmp_path)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        FashionMNIST(tmp_path, train=False)


def test_mnist_mismatched_files_are_rejected(tmp_path):
    write(tmp_path / "train-images-idx3-ubyte", idx_bytes(np.zeros((4, 28, 28), np.uint8)), False)
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros(3, np.uint8)), False)
    with pytest.raises(ValueError, match="labels"):
        MNIST(tmp_path)
