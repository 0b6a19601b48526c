"""Datasets and the seeded pool/holdout split.

Images are kept as uint8 [N, C, H, W] end to end; normalization statistics are
computed once on the pool and travel with the data store.
"""

from __future__ import annotations

import numpy as np

from mia.datasets import load_raw


POOL_CONSTRUCTIONS = ("random", "train_plus_half_test", "train_only")


def split_indices(
    n: int, holdout_fraction: float, seed: int, subset: int | None = None,
    n_train: int | None = None, construction: str = "random",
) -> tuple[np.ndarray, np.ndarray]:
    """Seeded (pool, holdout) index arrays.

    construction: `random` holds out `holdout_fraction` of all examples; `train_plus_half_test`
    (the paper's) pools the official train part with a seeded half of the test part and holds
    out the other half; `train_only` pools the train part and holds out the test part. With
    `subset`, a seeded random subset of the dataset is used first (keeping each example's
    train/test part).
    """
    if construction not in POOL_CONSTRUCTIONS:
        raise ValueError(f"pool construction must be one of {list(POOL_CONSTRUCTIONS)}, got {construction!r}")
    rng = np.random.default_rng([int(seed), 0x73706C74])
    order = rng.permutation(n)
    if subset is not None:
        if not 4 <= subset <= n:
            raise ValueError(f"subset must lie in [4, {n}] for this dataset, got {subset}")
        order = order[:subset]
    if construction == "random":
        if not 0.0 < holdout_fraction < 1.0:
            raise ValueError(f"holdout_fraction must lie in (0, 1), got {holdout_fraction}")
        n_holdout = max(1, int(round(len(order) * holdout_fraction)))
        return np.sort(order[n_holdout:]), np.sort(order[:n_holdout])
    if n_train is None:
        raise ValueError(f"pool construction {construction!r} needs a dataset with an official train/test "
                         "split; this one has none (use random)")
    train, test = order[order < n_train], order[order >= n_train]  # `order` is already shuffled
    if construction == "train_only":
        return np.sort(train), np.sort(test)
    half = len(test) // 2
    return np.sort(np.concatenate([train, test[:half]])), np.sort(test[half:])


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
    construction: str = "random",
) -> tuple[dict[str, np.ndarray], dict]:
    """Arrays and attrs of a dataset's data store: pool + holdout with source indices and
    the holdout's validation/test split."""
    raw = load_raw(source, data_dir, download)
    pool, holdout = split_indices(len(raw.labels), holdout_fraction, seed, subset, raw.n_train, construction)
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
