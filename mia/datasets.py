"""Dataset registry: every dataset through its real loader (scikit-learn for digits,
torchvision for the rest), as uint8 [N, C, H, W] images with the train part first.

Nothing is downloaded unless a dataset's `download` switch says so; a missing dataset
stops with the folder, the files expected and how to obtain them.
"""

from __future__ import annotations

import gzip
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class RawDataset:
    images: np.ndarray  # uint8 [N, C, H, W], the official train part first
    labels: np.ndarray  # int64 [N]
    num_classes: int
    flip_ok: bool  # whether a horizontal flip keeps the label's meaning
    n_train: int | None = None  # size of the official train part; None: no official split


def load_digits(data_dir: str | None = None) -> RawDataset:
    """scikit-learn's 1,797 8x8 digits; shipped with the package, no download."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    # Pixel values are 0..16; rescale to the 0..255 range every other dataset uses.
    images = np.rint(bunch.images * (255.0 / 16.0)).astype(np.uint8)[:, None, :, :]
    # Mirrored digits are different symbols, so flipping is not a valid augmentation.
    return RawDataset(images, bunch.target.astype(np.int64), 10, flip_ok=False)


IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
HOW_TO_GET = {
    "fashion-mnist": "offline: `apt-get install dataset-fashion-mnist` (Debian/Ubuntu; files land in "
                     "/usr/share/datasets/fashion-mnist, point data_dir there); online: set the dataset's "
                     "`download: true` and torchvision fetches it into data_dir",
    "mnist": "online: set the dataset's `download: true` and torchvision fetches it into data_dir; or copy "
             "the four IDX files (optionally .gz) from a connected machine into data_dir",
}


def _torchvision_idx_root(data_dir: Path, folder: str, scratch: Path) -> Path | None:
    """A root that torchvision's MNIST-family class accepts: data_dir itself when it has
    torchvision's layout ({folder}/raw/<idx files>), else a scratch copy of a flat folder of
    IDX files (plain or .gz, as Debian ships them); None when neither is there."""
    raw = data_dir / folder / "raw"
    if all((raw / f).is_file() for f in IDX_FILES):
        return data_dir
    found = {}
    for f in IDX_FILES:
        for candidate in (data_dir / f, data_dir / f"{f}.gz"):
            if candidate.is_file():
                found[f] = candidate
                break
    if len(found) < len(IDX_FILES):
        return None
    target = scratch / folder / "raw"
    target.mkdir(parents=True)
    for name, src in found.items():
        opener = gzip.open if src.suffix == ".gz" else open
        with opener(src, "rb") as fin, open(target / name, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return scratch


def _load_idx_dataset(source: str, data_dir: str | None, download: bool) -> RawDataset:
    from torchvision import datasets

    cls = {"fashion-mnist": datasets.FashionMNIST, "mnist": datasets.MNIST}[source]
    if data_dir is None:
        raise ValueError(f"dataset source {source!r} needs data_dir (the folder with its IDX files); "
                         f"to get the data: {HOW_TO_GET[source]}")
    root_dir = Path(data_dir)
    with tempfile.TemporaryDirectory(prefix="mia-idx-") as scratch:
        root = _torchvision_idx_root(root_dir, cls.__name__, Path(scratch))
        if root is None and not download:
            raise FileNotFoundError(
                f"{source} not found in {root_dir}: expected {list(IDX_FILES)} (plain or .gz) there or under "
                f"{root_dir / cls.__name__ / 'raw'}. To get the data: {HOW_TO_GET[source]}")
        root = root or root_dir
        parts = [cls(str(root), train=train, download=download) for train in (True, False)]
        images = np.concatenate([p.data.numpy() for p in parts])[:, None, :, :]
        labels = np.concatenate([p.targets.numpy() for p in parts]).astype(np.int64)
    # Mirrored clothes keep their class; mirrored digits do not.
    return RawDataset(images.astype(np.uint8), labels, 10, flip_ok=source == "fashion-mnist",
                      n_train=len(parts[0].targets))


# source: (torchvision class, files expected under data_dir, classes, flip keeps the label)
PICKLED = {
    "cifar10": ("CIFAR10", [f"cifar-10-batches-py/{f}" for f in
                            ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5",
                             "test_batch", "batches.meta"]], 10, True),
    "cifar100": ("CIFAR100", ["cifar-100-python/train", "cifar-100-python/test", "cifar-100-python/meta"], 100, True),
    # House numbers: a mirrored digit is another symbol.
    "svhn": ("SVHN", ["train_32x32.mat", "test_32x32.mat"], 10, False),
}


def _load_torchvision_dataset(source: str, data_dir: str | None, download: bool) -> RawDataset:
    """CIFAR-10/100 (python pickles) and SVHN (.mat) through torchvision's classes."""
    from torchvision import datasets

    cls_name, files, classes, flip_ok = PICKLED[source]
    how = (f"set the dataset's `download: true` on a connected machine and torchvision fetches it into "
           f"data_dir, or copy {files} there from such a machine")
    if data_dir is None:
        raise ValueError(f"dataset source {source!r} needs data_dir; to get the data: {how}")
    root = Path(data_dir)
    missing = [f for f in files if not (root / f).is_file()]
    if missing and not download:
        raise FileNotFoundError(f"{source} not found in {root}: missing {missing}. To get the data: {how}")
    cls = getattr(datasets, cls_name)
    if source == "svhn":
        parts = [cls(str(root), split=split, download=download) for split in ("train", "test")]
        images = np.concatenate([p.data for p in parts])  # already [N, 3, 32, 32]
        labels = np.concatenate([p.labels for p in parts])
    else:
        parts = [cls(str(root), train=train, download=download) for train in (True, False)]
        images = np.concatenate([p.data for p in parts]).transpose(0, 3, 1, 2)  # HWC -> CHW
        labels = np.concatenate([np.asarray(p.targets) for p in parts])
    return RawDataset(np.ascontiguousarray(images, dtype=np.uint8), labels.astype(np.int64), classes, flip_ok,
                      n_train=len(parts[0]))


LOADERS: dict[str, Callable[[str | None, bool], RawDataset]] = {
    "digits": lambda data_dir, download: load_digits(data_dir),
    "fashion-mnist": lambda data_dir, download: _load_idx_dataset("fashion-mnist", data_dir, download),
    "mnist": lambda data_dir, download: _load_idx_dataset("mnist", data_dir, download),
    "cifar10": lambda data_dir, download: _load_torchvision_dataset("cifar10", data_dir, download),
    "cifar100": lambda data_dir, download: _load_torchvision_dataset("cifar100", data_dir, download),
    "svhn": lambda data_dir, download: _load_torchvision_dataset("svhn", data_dir, download),
}


def load_raw(source: str, data_dir: str | None = None, download: bool = False) -> RawDataset:
    """The whole dataset (train and test parts together) as uint8 images and labels."""
    if source not in LOADERS:
        raise ValueError(f"unknown dataset source {source!r}; known: {sorted(LOADERS)}")
    return LOADERS[source](data_dir, download)
