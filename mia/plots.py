"""Figures: log-log ROC curves and TPR-at-low-FPR bar charts."""

from __future__ import annotations

from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from mia.metrics import fpr_label, roc_points  # noqa: E402
from mia.store import atomic_path, read_h5  # noqa: E402


def _save(fig, path: str) -> None:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    plt.close(fig)


def roc_figure(curves: dict[str, tuple[np.ndarray, np.ndarray]], title: str, min_fpr: float = 1e-4):
    """Log-log ROC of {label: (fpr, tpr)} from the smallest resolvable FPR (>= min_fpr) to 1."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    smallest = min(fpr[fpr > 0].min() for fpr, _ in curves.values())
    floor = max(min_fpr, smallest)
    for label, (fpr, tpr) in curves.items():
        ax.plot(fpr, tpr, label=label, lw=1.3)
    ax.plot([floor, 1], [floor, 1], ls="--", color="grey", lw=0.8, label="chance")
    ax.set(xscale="log", yscale="log", xlim=(floor, 1), ylim=(floor, 1),
           xlabel="false positive rate", ylabel="true positive rate", title=title)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(True, which="both", alpha=0.2)
    return fig


def run_roc_plot(attack_files: Sequence[str], scenarios: Sequence[str], attacks: Sequence[str],
                 dataset: str, out: str) -> None:
    curves = {}
    for path, scenario in zip(attack_files, scenarios):
        arrays, _ = read_h5(path)
        names = list(arrays["attacks"])
        for attack in attacks:
            fpr, tpr = roc_points(arrays["scores"][names.index(attack), -1], arrays["keep"])
            curves[f"{scenario} / {attack}"] = (fpr, tpr)
    _save(roc_figure(curves, f"{dataset}: LiRA ROC, pooled over targets"), out)


def tpr_bar_figure(summary: pd.DataFrame, attacks: Sequence[str], fpr: float, title: str):
    """Grouped bars: TPR at `fpr` per scenario (pooled), with per-target std as error bars."""
    col = fpr_label(fpr)
    scenarios = list(dict.fromkeys(summary["scenario"]))
    width = 0.8 / len(attacks)
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(scenarios) * max(1, len(attacks) / 2), 4))
    for j, attack in enumerate(attacks):
        rows = summary[summary["attack"] == attack].set_index("scenario").reindex(scenarios)
        pos = np.arange(len(scenarios)) + (j - (len(attacks) - 1) / 2) * width
        value, spread = 100 * rows[col].to_numpy(), 100 * rows[col + "_std"].to_numpy()
        # A TPR cannot go below zero, so the lower whisker stops there.
        whiskers = np.vstack([np.minimum(spread, value), spread])
        ax.bar(pos, value, width, yerr=whiskers, capsize=3, label=attack)
    ax.set_xticks(np.arange(len(scenarios)), scenarios, rotation=20, ha="right")
    ax.set(ylabel=f"TPR at {fpr * 100:g}% FPR (%), pooled; whiskers: std over targets", title=title)
    ax.legend(fontsize=7)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def run_bar_plot(summary: str, dataset: str, attacks: Sequence[str], fpr: float, out: str) -> None:
    table = pd.read_csv(summary)
    table = table[table["dataset"] == dataset]
    _save(tpr_bar_figure(table, attacks, fpr, f"{dataset}: attack success per scenario"), out)
