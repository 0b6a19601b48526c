"""Across-model analysis: does the generalization gap track attack success?"""

from __future__ import annotations


import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from mia.metrics import fpr_label


def per_model_table(per_target: pd.DataFrame, attack: str, fpr: float) -> pd.DataFrame:
    """One row per target model at its scenario's final epoch, for one attack."""
    rows = per_target[per_target["attack"] == attack]
    if rows.empty:
        raise ValueError(f"attack {attack!r} is not in the per-target tables; they hold {sorted(set(per_target['attack']))}")
    last = rows.groupby(["dataset", "scenario"])["epoch"].transform("max")
    rows = rows[rows["epoch"] == last]
    cols = ["dataset", "scenario", "target", "epoch", "train_acc", "holdout_acc", "gap", "auc", fpr_label(fpr)]
    return rows[cols].rename(columns={"target": "model"}).reset_index(drop=True)


def spearman_bootstrap(x: np.ndarray, y: np.ndarray, n_boot: int = 2000, seed: int = 0,
                       level: float = 0.95) -> dict[str, float]:
    """Spearman's rho with a percentile bootstrap interval over resampled models."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    if len(x) < 3:
        raise ValueError(f"a correlation needs at least 3 models, got {len(x)}")
    rho = float(spearmanr(x, y).statistic)
    rng = np.random.default_rng(seed)
    boots = []
    for _ in range(n_boot):
        idx = rng.integers(0, len(x), len(x))
        if np.ptp(x[idx]) > 0 and np.ptp(y[idx]) > 0:  # a constant resample has no rank correlation
            boots.append(spearmanr(x[idx], y[idx]).statistic)
    lo, hi = np.quantile(boots, [(1 - level) / 2, (1 + level) / 2]) if boots else (np.nan, np.nan)
    return {"rho": rho, "ci_low": float(lo), "ci_high": float(hi), "n_models": len(x), "n_boot": len(boots)}


def gap_correlations(models: pd.DataFrame, fpr: float, seed: int = 0) -> pd.DataFrame:
    """Spearman's rho (with bootstrap 95 % CI) of the gap against TPR at `fpr` and AUC,
    over all models of a dataset (scope 'all': differences between scenarios drive it) and
    within each scenario. The bootstrap treats models as independent, though the two
    models of a keep-mask pair share their data."""
    rows = []
    for (dataset,), group in models.groupby(["dataset"]):
        scopes = [("all", group)] + [(name, g) for name, g in group.groupby("scenario", sort=False)]
        for scope, members in scopes:
            if len(members) < 3:
                continue
            for y in (fpr_label(fpr), "auc"):
                rows.append({"dataset": dataset, "scope": scope, "x": "gap", "y": y}
                            | spearman_bootstrap(members["gap"], members[y], seed=seed))
    return pd.DataFrame(rows)


def reduction_columns(summary: pd.DataFrame, baseline: str, fpr: float) -> pd.DataFrame:
    """Add, per dataset and attack, how many times lower TPR at `fpr` is than in the
    baseline scenario (inf when the scenario's TPR is 0) and the holdout-accuracy change."""
    col = fpr_label(fpr)
    ref = summary[summary["scenario"] == baseline].set_index(["dataset", "attack"])
    if ref.empty:
        raise ValueError(f"baseline scenario {baseline!r} is not in the summary; scenarios: {sorted(set(summary['scenario']))}")
    keys = pd.MultiIndex.from_frame(summary[["dataset", "attack"]])
    base_tpr = ref[col].reindex(keys).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(summary[col].to_numpy() > 0, base_tpr / summary[col].to_numpy(),
                          np.where(base_tpr > 0, np.inf, np.nan))
    out = summary.copy()
    out[f"{col}_reduction"] = factor
    out["holdout_acc_change"] = summary["holdout_acc"].to_numpy() - ref["holdout_acc"].reindex(keys).to_numpy()
    return out
