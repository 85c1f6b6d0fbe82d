"""load_digits, load_iris (scikit-learn's bundled copies) and the seed notebook's images."""
import sys

import numpy as np
import pytest
import sklearn.datasets

import chainrule as cr
from chainrule.data import DataLoader, TensorDataset, load_digits, load_iris, seed_images
from chainrule.data import datasets as datasets_module


def arrays(dataset):
    return [t.numpy() for t in dataset.tensors]


def same_rows(a, b):
    """Do a and b hold the same rows, in any order?"""
    a, b = a.reshape(len(a), -1), b.reshape(len(b), -1)
    return np.array_equal(a[np.lexsort(a.T[::-1])], b[np.lexsort(b.T[::-1])])


def test_digits_full_set_is_sklearns_scaled_to_unit_range():
    reference = sklearn.datasets.load_digits()
    dataset = load_digits()
    images, labels = arrays(dataset)
    assert isinstance(dataset, TensorDataset) and len(dataset) == 1797
    assert images.dtype == np.float32 and images.shape == (1797, 64)
    assert labels.dtype == np.int64 and labels.shape == (1797,)
    assert images.min() == 0.0 and images.max() == 1.0
    np.testing.assert_array_equal(images, (reference.data / 16).astype(np.float32))
    np.testing.assert_array_equal(labels, reference.target)
    assert dataset.classes == [str(d) for d in range(10)]
    raw, _ = arrays(load_digits(flatten=False, normalize=False))
    assert raw.shape == (1797, 1, 8, 8) and raw.dtype == np.float32 and raw.max() == 16.0
    np.testing.assert_array_equal(raw.reshape(1797, 64), reference.data)


@pytest.mark.parametrize("loader, n", [(load_digits, 1797), (load_iris, 150)])
def test_splits_are_stratified_disjoint_complete_and_fixed(loader, n):
    full_x, full_y = arrays(loader())
    train_x, train_y = arrays(loader(split="train"))
    test_x, test_y = arrays(loader(split="test"))
    for label in np.unique(full_y):
        in_class = int((full_y == label).sum())
        assert (test_y == label).sum() == round(0.2 * in_class)
        assert (train_y == label).sum() == in_class - round(0.2 * in_class)
    assert len(train_y) + len(test_y) == n
    both = np.column_stack([np.concatenate([train_x.reshape(len(train_x), -1), test_x.reshape(len(test_x), -1)]),
                            np.concatenate([train_y, test_y])])
    assert same_rows(both, np.column_stack([full_x.reshape(n, -1), full_y]))
    again_x, _ = arrays(loader(split="test"))
    np.testing.assert_array_equal(again_x, test_x)
    other_x, _ = arrays(loader(split="test", seed=1))
    assert not np.array_equal(other_x, test_x)
    half_x, _ = arrays(loader(split="test", test_fraction=0.5))
    assert abs(len(half_x) - n / 2) <= 10


def test_iris_features_are_min_max_scaled_per_feature():
    reference = sklearn.datasets.load_iris()
    dataset = load_iris()
    features, labels = arrays(dataset)
    assert features.dtype == np.float32 and features.shape == (150, 4)
    low, high = reference.data.min(axis=0), reference.data.max(axis=0)
    np.testing.assert_allclose(features, (reference.data - low) / (high - low), rtol=1e-6)
    np.testing.assert_array_equal(features.min(axis=0), 0.0)
    np.testing.assert_array_equal(features.max(axis=0), 1.0)
    np.testing.assert_array_equal(labels, reference.target)
    assert dataset.classes == ["setosa", "versicolor", "virginica"]
    raw, _ = arrays(load_iris(normalize=False))
    np.testing.assert_array_equal(raw, reference.data.astype(np.float32))


def test_bad_split_arguments():
    with pytest.raises(ValueError, match="split"):
        load_iris(split="validation")
    with pytest.raises(ValueError, match="test_fraction"):
        load_iris(split="train", test_fraction=1.0)


def test_missing_scikit_learn_says_how_to_install_it(monkeypatch):
    datasets_module._sklearn_data.cache_clear()
    monkeypatch.setitem(sys.modules, "sklearn", None)
    try:
        with pytest.raises(ImportError, match="pip install scikit-learn"):
            load_digits()
    finally:
        datasets_module._sklearn_data.cache_clear()


def test_loaders_train_with_a_dataloader():
    loader = DataLoader(load_digits(split="train", flatten=False), batch_size=64, shuffle=True)
    images, labels = next(iter(loader))
    assert images.shape == (64, 1, 8, 8) and images.dtype == cr.float32 and labels.dtype == cr.int64


def test_seed_images_are_the_notebooks():
    dataset = seed_images()
    images, labels = arrays(dataset)
    notebook = np.array([  # x_1 ... x_6 as printed in seed notebook 001
        [[56, 231], [24, 1]], [[120, 30], [24, 0]], [[20, 31], [240, 100]],
        [[56, 201], [22, -10]], [[140, 27], [30, 10]], [[25, 30], [230, 110]],
    ])
    assert images.dtype == np.float32 and images.shape == (6, 2, 2)
    np.testing.assert_array_equal(images, notebook)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 1, 2, 0, 1, 2]
    assert [dataset.classes[i] for i in labels] == ["cat", "dog", "ship", "cat", "dog", "ship"]
    flat, _ = arrays(seed_images(flatten=True))
    np.testing.assert_array_equal(flat, notebook.reshape(6, 4))
