"""Small dataset files in each dataset's real on-disk format, for tests of the loaders."""

import gzip
import pickle
import struct

import numpy as np
from scipy.io import savemat

from mia.datasets import IDX_FILES


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


def write_cifar(root, variant, n_per_batch=6, seed=0):
    """CIFAR's python version: pickled dicts with 'data' uint8 [n, 3072] (R, G, B planes
    of 32x32) and 'labels' (CIFAR-10) or 'fine_labels' (CIFAR-100)."""
    rng = np.random.default_rng(seed)
    if variant == "cifar10":
        folder, label_key, classes = root / "cifar-10-batches-py", "labels", 10
        batches = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        meta = ("batches.meta", {"label_names": [f"c{i}" for i in range(10)]})
    else:
        folder, label_key, classes = root / "cifar-100-python", "fine_labels", 100
        batches = ["train", "test"]
        meta = ("meta", {"fine_label_names": [f"c{i}" for i in range(100)]})
    folder.mkdir(parents=True)
    written = {}
    for name in batches:
        data = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, classes, n_per_batch).tolist()
        (folder / name).write_bytes(pickle.dumps({"data": data, label_key: labels}))
        written[name] = (data, labels)
    (folder / meta[0]).write_bytes(pickle.dumps(meta[1]))
    return written


def write_svhn(root, n_train=8, n_test=4, seed=0):
    """SVHN's .mat files: X uint8 [32, 32, 3, N] (H, W, C, N), y [N, 1] with 10 for the digit 0."""
    rng = np.random.default_rng(seed)
    written = {}
    for split, n in (("train", n_train), ("test", n_test)):
        x = rng.integers(0, 256, (32, 32, 3, n), dtype=np.uint8)
        y = rng.integers(1, 11, (n, 1))
        savemat(root / f"{split}_32x32.mat", {"X": x, "y": y})
        written[split] = (x, y)
    return written
