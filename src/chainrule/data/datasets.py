"""Small real data sets that work offline: scikit-learn's bundled digits and iris, and the seed
notebook's six 2x2 images. Each loader returns a TensorDataset of (float32 features, int64 labels)
with a `.classes` list naming the labels.

Train/test splits are fixed: stratified by class, the first round(test_fraction * class size) samples
of each class in a permutation drawn from NumPy with `seed` form the test set. Both splits keep the
original sample order.
"""
import functools

import numpy as np

from ..tensor import _wrap
from .dataset import TensorDataset

SEED_CLASSES = ["cat", "dog", "ship"]
_SEED_IMAGES = [
    [[56, 231], [24, 1]],     # x_1 cat
    [[120, 30], [24, 0]],     # x_2 dog
    [[20, 31], [240, 100]],   # x_3 ship
    [[56, 201], [22, -10]],   # x_4 cat
    [[140, 27], [30, 10]],    # x_5 dog
    [[25, 30], [230, 110]],   # x_6 ship
]
_SEED_LABELS = [0, 1, 2, 0, 1, 2]


def load_digits(split=None, test_fraction=0.2, seed=0, flatten=True, normalize=True):
    """The 8x8 handwritten digits (1,797 images of 0-9, from scikit-learn).

    split: None (all), 'train' or 'test'. Images are float32, shape (N, 64) if flatten else
    (N, 1, 8, 8); normalize=True scales the 0..16 pixel values to [0, 1]. Labels are int64 0-9.
    """
    bunch = _sklearn_data("load_digits")
    images = bunch.data.astype(np.float32)
    if normalize:
        images /= np.float32(16)
    if not flatten:
        images = images.reshape(-1, 1, 8, 8)
    classes = [str(digit) for digit in range(10)]
    return _labelled(images, bunch.target, classes, split, test_fraction, seed)


def load_iris(split=None, test_fraction=0.2, seed=0, normalize=True):
    """Fisher's iris flowers (150 samples, 4 measurements in cm, 3 species, from scikit-learn).

    normalize=True scales each feature to [0, 1] by its min and max over all 150 samples (fixed
    numbers, the same for both splits). Features are float32 (N, 4), labels int64 0-2.
    """
    bunch = _sklearn_data("load_iris")
    features = bunch.data
    if normalize:
        low, high = features.min(axis=0), features.max(axis=0)
        features = (features - low) / (high - low)
    classes = [str(name) for name in bunch.target_names]
    return _labelled(features.astype(np.float32), bunch.target, classes, split, test_fraction, seed)


def seed_images(flatten=False):
    """The seed notebook's six 2x2 "images" and their labels (cat, dog, ship, cat, dog, ship).

    Returns a TensorDataset of float32 images of shape (6, 2, 2), or (6, 4) if flatten, with the raw
    pixel values the notebook used, and int64 labels [0, 1, 2, 0, 1, 2]; `.classes` is
    ['cat', 'dog', 'ship'], so dataset.classes[label] names a label.
    """
    images = np.array(_SEED_IMAGES, dtype=np.float32)
    if flatten:
        images = images.reshape(6, 4)
    dataset = TensorDataset(_wrap(images), _wrap(np.array(_SEED_LABELS, dtype=np.int64)))
    dataset.classes = list(SEED_CLASSES)
    return dataset


@functools.lru_cache(maxsize=None)
def _sklearn_data(loader_name):
    try:
        from sklearn import datasets
    except ImportError as err:
        raise ImportError(
            f"chainrule.data.{loader_name} reads the copy of the data set that scikit-learn ships; "
            "install it with: pip install scikit-learn (or pip install 'chainrule[data]')"
        ) from err
    return getattr(datasets, loader_name)()


def _labelled(features, labels, classes, split, test_fraction, seed):
    labels = np.asarray(labels, dtype=np.int64)
    rows = _split_indices(labels, split, test_fraction, seed)
    dataset = TensorDataset(_wrap(features[rows]), _wrap(labels[rows]))
    dataset.classes = classes
    return dataset


def _split_indices(labels, split, test_fraction=0.2, seed=0):
    """The sorted sample indices of `split` (None: all, 'train' or 'test') in the fixed stratified split."""
    if split is None:
        return np.arange(len(labels))
    if split not in ("train", "test"):
        raise ValueError(f"split must be None, 'train' or 'test', got {split!r}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    rng = np.random.default_rng(seed)
    in_test = np.zeros(len(labels), dtype=bool)
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        in_test[members[: int(round(len(members) * test_fraction))]] = True
    return np.flatnonzero(in_test if split == "test" else ~in_test)
