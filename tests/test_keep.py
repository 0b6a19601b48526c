import numpy as np
import pytest

from mia.keep import keep_mask, keep_matrix


@pytest.mark.parametrize("n_pool", [10, 11, 1438])
def test_every_example_is_in_for_exactly_half_the_models(n_pool):
    keep = keep_matrix(seed=3, n_models=8, n_pool=n_pool)
    assert keep.shape == (8, n_pool)
    np.testing.assert_array_equal(keep.sum(axis=0), 4)


def test_pairs_are_complementary_and_even_models_take_floor_half():
    keep = keep_matrix(seed=0, n_models=6, n_pool=101)
    for p in range(3):
        np.testing.assert_array_equal(keep[2 * p], ~keep[2 * p + 1])
        assert keep[2 * p].sum() == 50
        assert keep[2 * p + 1].sum() == 51


def test_masks_do_not_change_when_models_are_added():
    small = keep_matrix(seed=5, n_models=4, n_pool=300)
    large = keep_matrix(seed=5, n_models=10, n_pool=300)
    np.testing.assert_array_equal(small, large[:4])
    np.testing.assert_array_equal(keep_mask(5, 7, 300), large[7])


def test_masks_depend_on_the_seed_only():
    np.testing.assert_array_equal(keep_matrix(1, 4, 200), keep_matrix(1, 4, 200))
    assert not np.array_equal(keep_matrix(1, 4, 200), keep_matrix(2, 4, 200))
    # Different pairs draw different halves.
    keep = keep_matrix(1, 4, 200)
    assert not np.array_equal(keep[0], keep[2])


def test_odd_model_count_and_negative_index_are_rejected():
    with pytest.raises(ValueError, match="even"):
        keep_matrix(0, 5, 10)
    with pytest.raises(ValueError, match=">= 0"):
        keep_mask(0, -1, 10)
