"""NumPy's indexing in the array API standard's functions (ops/standard_index.py), on array-api-strict arrays,
against NumPy's own x[key], np.add.at and x[key] = v. (tests/ops/test_index.py draws keys at random through
t[key]; these name the cases each function has to get right.)"""
import numpy as np
import pytest

from chainrule.device import as_device, move, to_host
from chainrule.ops import standard_index

STRICT = as_device("array_api_strict")
X = np.arange(1.0, 25.0).reshape(2, 3, 4)
KEYS = {
    "ints_and_slices": (1, slice(0, 2), slice(None, None, -2)),
    "one_element": (1, 2, 3),
    "none_and_ellipsis": (None, Ellipsis, 0),
    "array_after_a_slice": (slice(None), np.array([2, 0, 2])),
    "arrays_apart": (np.array([1, 0]), slice(None), np.array([3, -1])),
    "two_dim_array": (0, np.array([[0, 1], [2, 2]])),
    "mask_over_two_dims": (X[:, :, 0] > 6,),
    "mask_after_a_slice": (slice(None), np.array([True, False, True])),
    "bool_scalar": (True, np.array([1, 1])),
}


@pytest.mark.parametrize("name", KEYS)
def test_get_is_numpys_indexing(name):
    key = KEYS[name]
    np.testing.assert_array_equal(to_host(standard_index.get(move(X, STRICT), key)), X[key])


@pytest.mark.parametrize("name", KEYS)
def test_index_add_is_numpys_add_at(name):
    key = KEYS[name]
    g = np.arange(1.0, 1.0 + X[key].size).reshape(X[key].shape)
    expected = np.zeros(X.shape)
    np.add.at(expected, key, g)
    np.testing.assert_array_equal(to_host(standard_index.index_add(move(g, STRICT), key, X.shape)), expected)


def test_index_add_keeps_each_cells_sum_to_itself():
    """A nan, or a large value, in one cell never reaches another (as differences of a running sum would)."""
    key = (np.array([0, 3, 3, 2, 1, 3, 4]),)
    g = np.array([np.nan, 1e16, 2.0, 1e16, 1.0, 2.0, 1.0])
    expected = np.zeros(5)
    np.add.at(expected, key, g)  # [nan, 1, 1e16, 1e16 + 4, 1]: every order of these sums gives the same
    np.testing.assert_array_equal(to_host(standard_index.index_add(move(g, STRICT), key, (5,))), expected)


@pytest.mark.parametrize("name", KEYS)
def test_put_writes_in_place_as_numpy(name):
    key = KEYS[name]
    theirs, ours = X.copy(), move(X.copy(), STRICT)
    values = -np.arange(1.0, 1.0 + X[key].size).reshape(X[key].shape)
    theirs[key] = values
    standard_index.put(ours, key if isinstance(key, tuple) else (key,), move(values, STRICT))
    np.testing.assert_array_equal(to_host(ours), theirs)


def test_put_lets_the_last_write_win_on_repeats_and_broadcasts_values():
    theirs, ours = np.zeros(6), move(np.zeros(6), STRICT)
    key = (np.array([4, 1, 4, 4]),)
    theirs[key] = np.array([1.0, 2.0, 3.0, 5.0])
    standard_index.put(ours, key, move(np.array([1.0, 2.0, 3.0, 5.0]), STRICT))
    np.testing.assert_array_equal(to_host(ours), theirs)
    standard_index.put(ours, (slice(1, 3),), 7.0)
    theirs[1:3] = 7.0
    np.testing.assert_array_equal(to_host(ours), theirs)
