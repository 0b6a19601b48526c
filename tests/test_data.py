"""Dataset loaders through their real code paths, on small files in the real formats."""

import gzip
import struct

import numpy as np
import pytest

from mia.data import IDX_FILES, load_raw, prepare_arrays, split_indices, validation_split


def write_idx(path, array: np.ndarray, compress: bool) -> None:
    """An IDX file as LeCun's MNIST format defines it: magic (0, 0, 0x08 uint8, ndim),
    big-endian int32 dimensions, then the raw bytes."""
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(np.uint8).tobytes()
    if compress:
        path = path.with_name(path.name + ".gz")
        data = gzip.compress(data)
    path.write_bytes(data)


def make_idx_dataset(folder, n_train=30, n_test=10, compress=True, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {
        IDX_FILES[0]: rng.integers(0, 256, (n_train, 28, 28)), IDX_FILES[1]: rng.integers(0, 10, n_train),
        IDX_FILES[2]: rng.integers(0, 256, (n_test, 28, 28)), IDX_FILES[3]: rng.integers(0, 10, n_test),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, arr in arrays.items():
        write_idx(folder / name, arr, compress)
    return arrays


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
