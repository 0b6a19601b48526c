"""Datasets and the seeded pool/holdout split.

Images are kept as uint8 [N, C, H, W] end to end; normalization statistics are
computed once on the pool and travel with the data store.
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
    images: np.ndarray  # uint8 [N, C, H, W]
    labels: np.ndarray  # int64 [N]
    num_classes: int
    flip_ok: bool  # whether a horizontal flip keeps the label's meaning


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
    return RawDataset(images.astype(np.uint8), labels, 10, flip_ok=source == "fashion-mnist")


LOADERS: dict[str, Callable[[str | None, bool], RawDataset]] = {
    "digits": lambda data_dir, download: load_digits(data_dir),
    "fashion-mnist": lambda data_dir, download: _load_idx_dataset("fashion-mnist", data_dir, download),
    "mnist": lambda data_dir, download: _load_idx_dataset("mnist", data_dir, download),
}


def load_raw(source: str, data_dir: str | None = None, download: bool = False) -> RawDataset:
    """The whole dataset (train and test parts together) as uint8 images and labels."""
    if source not in LOADERS:
        raise ValueError(f"unknown dataset source {source!r}; known: {sorted(LOADERS)}")
    return LOADERS[source](data_dir, download)


def split_indices(
    n: int, holdout_fraction: float, seed: int, subset: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (pool, holdout) index arrays over the first `subset` of a shuffled dataset."""
    if not 0.0 < holdout_fraction < 1.0:
        raise ValueError(f"holdout_fraction must lie in (0, 1), got {holdout_fraction}")
    rng = np.random.default_rng([int(seed), 0x73706C74])
    order = rng.permutation(n)
    if subset is not None:
        if not 4 <= subset <= n:
            raise ValueError(f"subset must lie in [4, {n}] for this dataset, got {subset}")
        order = order[:subset]
    n_holdout = max(1, int(round(len(order) * holdout_fraction)))
    holdout, pool = np.sort(order[:n_holdout]), np.sort(order[n_holdout:])
    return pool, holdout


def validation_split(n_holdout: int, validation_fraction: float, seed: int) -> np.ndarray:
    """Boolean [n_holdout] mask of the holdout part used for early stopping; the rest
    measures test accuracy and is never looked at during training."""
    if not 0.0 <= validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must lie in [0, 1), got {validation_fraction}")
    rng = np.random.default_rng([int(seed), 0x76616C])
    mask = np.zeros(n_holdout, dtype=bool)
    mask[rng.permutation(n_holdout)[: int(round(n_holdout * validation_fraction))]] = True
    return mask


def channel_stats(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and std of uint8 images on the 0..1 scale."""
    x = images.astype(np.float64) / 255.0
    mean = x.mean(axis=(0, 2, 3))
    std = x.std(axis=(0, 2, 3))
    return mean.astype(np.float32), np.maximum(std, 1e-6).astype(np.float32)


def prepare_arrays(
    source: str,
    holdout_fraction: float,
    seed: int,
    subset: int | None = None,
    data_dir: str | None = None,
    validation_fraction: float = 0.5,
    download: bool = False,
) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and attrs of a dataset's data store: pool + holdout with source indices and
    the holdout's validation/test split."""
    raw = load_raw(source, data_dir, download)
    pool, holdout = split_indices(len(raw.labels), holdout_fraction, seed, subset)
    mean, std = channel_stats(raw.images[pool])
    arrays = {
        "pool_images": raw.images[pool],
        "pool_labels": raw.labels[pool],
        "pool_source_index": pool.astype(np.int64),
        "holdout_images": raw.images[holdout],
        "holdout_labels": raw.labels[holdout],
        "holdout_source_index": holdout.astype(np.int64),
        "holdout_is_validation": validation_split(len(holdout), validation_fraction, seed),
        "mean": mean,
        "std": std,
    }
    info = {"source": source, "num_classes": raw.num_classes, "flip_ok": raw.flip_ok}
    return arrays, info
