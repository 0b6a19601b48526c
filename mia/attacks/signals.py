"""Per-query membership signals computed from logits."""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp


def _label_logit(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    labels = np.asarray(labels)
    idx = labels.reshape(labels.shape + (1,) * (logits.ndim - 1 - labels.ndim))
    idx = np.broadcast_to(idx, logits.shape[:-1])[..., None]
    return np.take_along_axis(logits, idx, axis=-1)[..., 0], idx


def logit_scaled_confidence(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """LiRA's score log p_y - log sum_{y' != y} p_y', from logits without forming softmax.

    Equals z_y - logsumexp_{y' != y} z_y', which stays finite for logits of any size;
    the softmax form underflows to log(0) once the true class dominates.
    logits: [..., C] where the leading axes of `labels` match the leading axes of logits.
    """
    z = np.asarray(logits, dtype=np.float64)
    z_y, idx = _label_logit(z, labels)
    others = z.copy()
    np.put_along_axis(others, idx, -np.inf, axis=-1)
    return z_y - logsumexp(others, axis=-1)


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-example cross-entropy -log p_y from logits [..., C]."""
    z = np.asarray(logits, dtype=np.float64)
    z_y, _ = _label_logit(z, labels)
    return logsumexp(z, axis=-1) - z_y
