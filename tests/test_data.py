"""Dataset loaders through their real code paths, on small files in the real formats."""

import numpy as np
import pytest

from formats import make_idx_dataset, write_cifar, write_svhn

from mia.data import prepare_arrays, split_indices, validation_split
from mia.datasets import IDX_FILES, load_raw


@pytest.mark.parametrize("compress", [True, False])
def test_fashion_mnist_from_a_flat_folder_of_idx_files(tmp_path, compress):
    arrays = make_idx_dataset(tmp_path, compress=compress)
    raw = load_raw("fashion-mnist", str(tmp_path))
    assert raw.images.shape == (40, 1, 28, 28) and raw.images.dtype == np.uint8
    np.testing.assert_array_equal(raw.images[:30, 0], arrays[IDX_FILES[0]])
    np.testing.assert_array_equal(raw.labels[30:], arrays[IDX_FILES[3]])
    assert raw.flip_ok and raw.num_classes == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(  # nothing written next to the data
        f + (".gz" if compress else "") for f in IDX_FILES)


def test_mnist_from_torchvision_layout(tmp_path):
    arrays = make_idx_dataset(tmp_path / "MNIST" / "raw", compress=False, seed=1)
    raw = load_raw("mnist", str(tmp_path))
    np.testing.assert_array_equal(raw.labels[:30], arrays[IDX_FILES[1]])
    assert not raw.flip_ok


def test_missing_dataset_names_the_folder_the_files_and_both_ways_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as err:
        load_raw("fashion-mnist", str(tmp_path / "nowhere"))
    message = str(err.value)
    assert str(tmp_path / "nowhere") in message and "train-images-idx3-ubyte" in message
    assert "apt-get install dataset-fashion-mnist" in message and "download: true" in message
    with pytest.raises(ValueError, match="needs data_dir"):
        load_raw("fashion-mnist", None)
    with pytest.raises(ValueError, match="unknown dataset source 'cifar'"):
        load_raw("cifar")


def test_prepare_arrays_on_idx_files(tmp_path):
    make_idx_dataset(tmp_path)
    arrays, info = prepare_arrays("fashion-mnist", 0.25, seed=0, data_dir=str(tmp_path), validation_fraction=0.5)
    assert len(arrays["pool_labels"]) == 30 and len(arrays["holdout_labels"]) == 10
    assert arrays["holdout_is_validation"].sum() == 5 and info["flip_ok"]


def test_splits_are_seeded_disjoint_and_complete():
    pool, holdout = split_indices(100, 0.2, seed=3)
    assert len(holdout) == 20 and not set(pool) & set(holdout) and len(set(pool) | set(holdout)) == 100
    again, _ = split_indices(100, 0.2, seed=3)
    np.testing.assert_array_equal(pool, again)
    sub_pool, sub_hold = split_indices(100, 0.25, seed=3, subset=40)
    assert len(sub_pool) == 30 and len(sub_hold) == 10
    assert validation_split(10, 0.3, 0).sum() == 3
    with pytest.raises(ValueError, match="holdout_fraction"):
        split_indices(10, 1.5, 0)


@pytest.mark.parametrize("variant, n_train", [("cifar10", 30), ("cifar100", 6)])
def test_cifar_from_python_pickles(tmp_path, no_md5, variant, n_train):
    written = write_cifar(tmp_path, variant)
    raw = load_raw(variant, str(tmp_path))
    first_data, first_labels = next(iter(written.values()))
    assert raw.images.shape == (n_train + 6, 3, 32, 32) and raw.n_train == n_train
    # Row 0 of the first batch: its 1024 red values are the first channel, row-major.
    np.testing.assert_array_equal(raw.images[0, 0], first_data[0, :1024].reshape(32, 32))
    np.testing.assert_array_equal(raw.images[0, 2], first_data[0, 2048:].reshape(32, 32))
    assert raw.labels[:6].tolist() == first_labels and raw.flip_ok
    assert raw.num_classes == (10 if variant == "cifar10" else 100)


def test_svhn_from_mat_files(tmp_path, no_md5):
    written = write_svhn(tmp_path, n_train=8, n_test=4, seed=1)
    raw = load_raw("svhn", str(tmp_path))
    assert raw.images.shape == (12, 3, 32, 32) and raw.n_train == 8 and not raw.flip_ok
    labels = written["train"][1][:, 0]
    assert raw.labels[:8].tolist() == [0 if v == 10 else v for v in labels]  # 10 means the digit 0
    np.testing.assert_array_equal(raw.images[0, 1], written["train"][0][:, :, 1, 0])  # SVHN stores H, W, C, N


@pytest.mark.parametrize("source, files", [("cifar10", "cifar-10-batches-py/data_batch_1"),
                                           ("cifar100", "cifar-100-python/train"), ("svhn", "train_32x32.mat")])
def test_missing_torchvision_datasets_say_what_and_how(tmp_path, source, files):
    with pytest.raises(FileNotFoundError) as err:
        load_raw(source, str(tmp_path))
    assert str(tmp_path) in str(err.value) and files in str(err.value) and "download: true" in str(err.value)


def test_pool_constructions():
    n, n_train = 100, 80
    pool, hold = split_indices(n, 0.5, seed=0, n_train=n_train, construction="train_plus_half_test")
    assert len(pool) == 90 and len(hold) == 10 and (hold >= n_train).all()
    assert set(range(n_train)) <= set(pool) and not set(pool) & set(hold)
    pool, hold = split_indices(n, 0.5, seed=0, n_train=n_train, construction="train_only")
    assert pool.tolist() == list(range(80)) and hold.tolist() == list(range(80, 100))
    sub_pool, sub_hold = split_indices(n, 0.5, seed=0, subset=50, n_train=n_train, construction="train_only")
    assert len(sub_pool) + len(sub_hold) == 50 and (sub_pool < n_train).all() and (sub_hold >= n_train).all()
    with pytest.raises(ValueError, match="official train/test split"):
        split_indices(n, 0.2, seed=0, construction="train_only")
    with pytest.raises(ValueError, match="pool construction must be one of"):
        split_indices(n, 0.2, seed=0, construction="both")
