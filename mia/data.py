"""Datasets and the seeded pool/holdout split.

Images are kept as uint8 [N, C, H, W] end to end; normalization statistics are
computed once on the pool and travel with the data store.
"""

from __future__ import annotations

from dataclasses import dataclass
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


LOADERS: dict[str, Callable[[str | None], RawDataset]] = {"digits": load_digits}


def load_raw(source: str, data_dir: str | None = None) -> RawDataset:
    if source not in LOADERS:
        raise ValueError(f"unknown dataset source {source!r}; known: {sorted(LOADERS)}")
    return LOADERS[source](data_dir)


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
) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and attrs of a dataset's data store: pool + holdout with source indices and
    the holdout's validation/test split."""
    raw = load_raw(source, data_dir)
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
