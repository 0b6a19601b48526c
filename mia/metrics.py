"""ROC metrics of membership scores: AUC, balanced accuracy, TPR at fixed FPR.

TPR at FPR alpha is the largest TPR among ROC points with FPR <= alpha (0 when only the
origin qualifies); balanced accuracy is the best 1 - (FPR + FNR) / 2 over thresholds.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import auc, roc_curve

DEFAULT_FPRS = (1e-4, 1e-3, 1e-2)


def _clean(scores: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64).ravel()
    members = np.asarray(members, dtype=bool).ravel()
    if scores.shape != members.shape:
        raise ValueError(f"scores and membership labels differ in size: {scores.shape} vs {members.shape}")
    if np.isnan(scores).any():
        raise ValueError(f"{int(np.isnan(scores).sum())} membership scores are NaN")
    if members.all() or not members.any():
        raise ValueError("ROC needs both members and non-members")
    # Infinite scores are legitimate extremes (a zero-spread fit); keep them above (below)
    # every finite score, which `hi + 1` would not do once hi is past 2**53.
    finite = scores[np.isfinite(scores)]
    lo, hi = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
    scores = np.where(scores == np.inf, np.nextafter(hi, np.inf), scores)
    return np.where(scores == -np.inf, np.nextafter(lo, -np.inf), scores), members


def roc_points(scores: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(fpr, tpr) at every distinct threshold, starting at (0, 0)."""
    scores, members = _clean(scores, members)
    fpr, tpr, _ = roc_curve(members, scores, drop_intermediate=False)
    return fpr, tpr


def tpr_at_fpr(fpr: np.ndarray, tpr: np.ndarray, alpha: float) -> float:
    ok = fpr <= alpha
    return float(tpr[ok].max()) if ok.any() else 0.0


def balanced_accuracy(fpr: np.ndarray, tpr: np.ndarray) -> float:
    return float(np.max(1.0 - (fpr + (1.0 - tpr)) / 2.0))


def roc_summary(scores: np.ndarray, members: np.ndarray, fprs: Sequence[float] = DEFAULT_FPRS) -> dict:
    """AUC, balanced accuracy and {alpha: TPR at FPR alpha} of one set of scores."""
    fpr, tpr = roc_points(scores, members)
    members = np.asarray(members, dtype=bool)
    return {
        "auc": float(auc(fpr, tpr)),  # what roc_auc_score computes, without sorting again
        "balanced_acc": balanced_accuracy(fpr, tpr),
        "tpr": {a: tpr_at_fpr(fpr, tpr, a) for a in fprs},
        "n_members": int(members.sum()),
        "n_nonmembers": int((~members).sum()),
    }


def fpr_label(alpha: float) -> str:
    """Column name for TPR at FPR alpha, e.g. 1e-3 -> 'tpr@0.1%fpr'."""
    return f"tpr@{alpha * 100:g}%fpr"


def attack_metrics(
    scores: np.ndarray, keep: np.ndarray, fprs: Sequence[float] = DEFAULT_FPRS
) -> tuple[dict, list[dict]]:
    """Metrics of membership scores [T, N] against keep [T, N]: pooled over all targets,
    and one row per target. The pooled row also gets mean and std of the per-target TPRs."""
    pooled_raw = roc_summary(scores, keep, fprs)
    per_target = []
    for t in range(len(scores)):
        r = roc_summary(scores[t], keep[t], fprs)
        per_target.append(
            {"target": t, "auc": r["auc"], "balanced_acc": r["balanced_acc"]}
            | {fpr_label(a): r["tpr"][a] for a in fprs}
        )
    pooled = {
        "auc": pooled_raw["auc"],
        "balanced_acc": pooled_raw["balanced_acc"],
        "min_resolvable_fpr": 1.0 / pooled_raw["n_nonmembers"],
    } | {fpr_label(a): pooled_raw["tpr"][a] for a in fprs}
    for a in fprs:
        vals = np.array([row[fpr_label(a)] for row in per_target])
        pooled[fpr_label(a) + "_mean"] = float(vals.mean())
        pooled[fpr_label(a) + "_std"] = float(vals.std(ddof=1)) if len(vals) > 1 else 0.0
    return pooled, per_target
