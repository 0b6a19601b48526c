"""Baseline attacks that need no shadow models."""

from __future__ import annotations

import numpy as np

from mia.attacks.signals import cross_entropy


def loss_threshold(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Yeom et al. (2018): score = -loss of the target on the un-augmented view.

    logits: [M, N, C] (view 0 of the query plan); returns [M, N]. One global threshold
    on this score is the attack; the ROC sweeps every threshold.
    """
    return -cross_entropy(logits, labels[None, :])
