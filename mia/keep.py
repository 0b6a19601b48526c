"""Keep masks: which pool examples each shadow model trains on.

Model 2p trains on a seeded random half of the pool (exactly floor(N/2) examples) and
model 2p+1 on the complement. The draw for pair p depends only on (seed, p, N), so
adding models never changes an existing mask and every example is IN for exactly half
of any even number of models.
"""

from __future__ import annotations

import numpy as np


def pair_half(seed: int, pair: int, n_pool: int) -> np.ndarray:
    """Boolean mask of the half of the pool that model 2*pair trains on."""
    rng = np.random.default_rng([int(seed), 0x6B656570, int(pair)])
    chosen = rng.permutation(n_pool)[: n_pool // 2]
    mask = np.zeros(n_pool, dtype=bool)
    mask[chosen] = True
    return mask


def keep_mask(seed: int, model_index: int, n_pool: int) -> np.ndarray:
    """Boolean [n_pool] mask of the examples model `model_index` trains on."""
    if model_index < 0:
        raise ValueError(f"model index must be >= 0, got {model_index}")
    half = pair_half(seed, model_index // 2, n_pool)
    return half if model_index % 2 == 0 else ~half


def keep_matrix(seed: int, n_models: int, n_pool: int) -> np.ndarray:
    """Boolean [n_models, n_pool] keep matrix for models 0..n_models-1."""
    if n_models % 2:
        raise ValueError(f"the number of models must be even (complementary pairs), got {n_models}")
    return np.stack([keep_mask(seed, i, n_pool) for i in range(n_models)])
