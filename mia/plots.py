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


def gap_scatter_figure(models: pd.DataFrame, correlation: pd.DataFrame, fpr: float, title: str):
    """Gap vs TPR at `fpr` and vs AUC, one point per model, coloured by scenario, with
    Spearman's rho and its bootstrap interval in each panel."""
    col = fpr_label(fpr)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    # The default cycle repeats after 10 colours; a 4 x 4 study grid needs distinct ones.
    palette = plt.get_cmap("tab10" if models["scenario"].nunique() <= 10 else "tab20").colors
    for ax, y, label in ((axes[0], col, f"TPR at {fpr * 100:g}% FPR"), (axes[1], "auc", "AUC")):
        for k, (scenario, group) in enumerate(models.groupby("scenario", sort=False)):
            ax.scatter(group["gap"], group[y], s=14, alpha=0.75, label=scenario, color=palette[k % len(palette)])
        r = correlation[(correlation["y"] == y) & (correlation["scope"] == "all")].iloc[0]
        ax.text(0.03, 0.95, f"Spearman ρ = {r['rho']:.2f}\n95% CI [{r['ci_low']:.2f}, {r['ci_high']:.2f}]"
                f"\n{int(r['n_models'])} models", transform=ax.transAxes, va="top", fontsize=8,
                bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})
        ax.set(xlabel="generalization gap (train acc − holdout acc)", ylabel=label)
        ax.grid(True, alpha=0.3)
    axes[1].legend(fontsize=7, loc="lower right")
    fig.suptitle(title)
    return fig


def run_gap_plot(models: str, correlation: str, fpr: float, dataset: str, out: str) -> None:
    _save(gap_scatter_figure(pd.read_csv(models), pd.read_csv(correlation), fpr,
                             f"{dataset}: gap vs attack success, one point per model"), out)


def epoch_figure(metrics: pd.DataFrame, attacks: Sequence[str], fpr: float, title: str):
    """TPR at `fpr` (pooled) and holdout accuracy against epoch, one line per scenario."""
    col = fpr_label(fpr)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for scenario, group in metrics.groupby("scenario", sort=False):
        for attack in attacks:
            rows = group[group["attack"] == attack].sort_values("epoch")
            axes[0].plot(rows["epoch"], 100 * rows[col], marker="o", ms=3, label=f"{scenario} / {attack}")
        rows = group[group["attack"] == attacks[0]].sort_values("epoch")
        axes[1].plot(rows["epoch"], rows["holdout_acc"], marker="o", ms=3, label=scenario)
    axes[0].set(xlabel="epoch", ylabel=f"TPR at {fpr * 100:g}% FPR (%)")
    axes[1].set(xlabel="epoch", ylabel="holdout accuracy")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    return fig


def run_epoch_plot(metrics: Sequence[str], attacks: Sequence[str], fpr: float, dataset: str, out: str) -> None:
    frame = pd.concat([pd.read_csv(p) for p in metrics], ignore_index=True)
    _save(epoch_figure(frame, attacks, fpr, f"{dataset}: attack success and accuracy over training"), out)
