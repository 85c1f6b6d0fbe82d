"""Write scikit-learn's 1,797 handwritten digits as MNIST-format IDX files, for trying MNIST code offline.

Each 8x8 digit is scaled up to 24x24 (bilinear) and centred in a 28x28 frame, as MNIST centres its
20x20 digits; pixel values become 0-255 bytes. The split is load_digits' fixed stratified one
(1,437 training, 360 test images). Then train the MNIST example on them:

    python examples/digits_to_idx.py FOLDER
    python examples/cnn_mnist.py FOLDER --epochs 3

These are real handwritten digits, but far fewer and coarser than MNIST's 70,000: accuracies on them
say that the pipeline learns, not what a model would reach on MNIST.
"""
import argparse
import gzip
import os
import struct

import numpy as np

import chainrule as cr

FILES = {"train": "train", "test": "t10k"}  # our split name -> MNIST's file prefix


def upscale_matrix(size_in, size_out):
    """The (size_out, size_in) matrix of bilinear interpolation along one axis (pixel centres aligned)."""
    centres = (np.arange(size_out) + 0.5) * size_in / size_out - 0.5
    low = np.clip(np.floor(centres).astype(int), 0, size_in - 1)
    high = np.clip(low + 1, 0, size_in - 1)
    frac = np.clip(centres - low, 0.0, 1.0)
    matrix = np.zeros((size_out, size_in))
    matrix[np.arange(size_out), low] += 1 - frac
    matrix[np.arange(size_out), high] += frac
    return matrix


def as_mnist_images(digits):
    """(N, 8, 8) values in 0..16 -> (N, 28, 28) uint8, the digit 24x24 in the middle."""
    grow = upscale_matrix(8, 24)
    big = grow @ digits @ grow.T  # (24, 8) @ (N, 8, 8) @ (8, 24), batched over N
    frame = np.zeros((len(digits), 28, 28))
    frame[:, 2:26, 2:26] = big
    return np.clip(np.rint(frame * (255 / 16)), 0, 255).astype(np.uint8)


def write_idx(path, array):
    """An IDX file of unsigned bytes (gzip-compressed): MNIST's own format."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", help="where to write the four IDX files (created if missing)")
    args = parser.parse_args()
    os.makedirs(args.folder, exist_ok=True)
    for split, prefix in FILES.items():
        images, labels = cr.data.load_digits(split=split, flatten=False, normalize=False).tensors
        write_idx(os.path.join(args.folder, f"{prefix}-images-idx3-ubyte.gz"), as_mnist_images(images.numpy()[:, 0]))
        write_idx(os.path.join(args.folder, f"{prefix}-labels-idx1-ubyte.gz"), labels.numpy().astype(np.uint8))
        print(f"{split}: {len(labels)} images -> {args.folder}/{prefix}-*-ubyte.gz")


if __name__ == "__main__":
    main()
