"""Metrics tables per scenario and the cross-scenario summary."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from mia.analysis import gap_correlations, per_model_table, reduction_columns
from mia.metrics import attack_metrics, fpr_label
from mia.store import atomic_path, read_h5


def scenario_metrics(
    scores: np.ndarray, attacks: Sequence[str], epochs: np.ndarray, keep: np.ndarray,
    train_acc: np.ndarray, holdout_acc: np.ndarray, fprs: Sequence[float],
    stop_epoch: np.ndarray, best_epoch: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(pooled rows per attack x epoch, per-target rows) of one scenario's attack scores.

    scores: [attack, epoch, target, N]; keep: [target, N]; accuracies: [target, epoch];
    stop/best epoch: [target].
    """
    pooled_rows, target_rows = [], []
    m = keep.shape[0]
    for i, attack in enumerate(attacks):
        for e, epoch in enumerate(epochs):
            pooled, per_target = attack_metrics(scores[i, e], keep, fprs)
            tr, ho = float(train_acc[:, e].mean()), float(holdout_acc[:, e].mean())
            pooled_rows.append({"attack": attack, "epoch": int(epoch), "models": m, "train_acc": tr,
                                "holdout_acc": ho, "gap": tr - ho, "stop_epoch": float(stop_epoch.mean()),
                                "best_epoch": float(best_epoch.mean())} | pooled)
            for row in per_target:
                t = row["target"]
                acc = {"train_acc": float(train_acc[t, e]), "holdout_acc": float(holdout_acc[t, e])}
                acc["gap"] = acc["train_acc"] - acc["holdout_acc"]
                target_rows.append({"attack": attack, "epoch": int(epoch)} | acc | row
                                   | {"stop_epoch": int(stop_epoch[t]), "best_epoch": int(best_epoch[t])})
    return pd.DataFrame(pooled_rows), pd.DataFrame(target_rows)


def write_csv(frame: pd.DataFrame, path: str) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False, float_format="%.6g")


def run_metrics(attack: str, out: str, per_target_out: str, dataset: str, scenario: str,
                fprs: Sequence[float]) -> None:
    arrays, _ = read_h5(attack)
    pooled, per_target = scenario_metrics(
        arrays["scores"], list(arrays["attacks"]), arrays["epochs"], arrays["keep"],
        arrays["train_acc"], arrays["holdout_acc"], fprs, arrays["stop_epoch"], arrays["best_epoch"])
    label = {"dataset": dataset, "scenario": scenario}
    write_csv(pd.DataFrame([label] * len(pooled)).join(pooled), out)
    write_csv(pd.DataFrame([label] * len(per_target)).join(per_target), per_target_out)
    print(pooled.to_string(index=False), flush=True)


def summary_table(metrics: pd.DataFrame, fprs: Sequence[float], headline_fpr: float,
                  baseline: str) -> pd.DataFrame:
    """One row per dataset x scenario x attack at each scenario's final epoch, with the
    TPR reduction factor and holdout-accuracy change against the baseline scenario."""
    last = metrics.groupby(["dataset", "scenario"])["epoch"].transform("max")
    final = metrics[metrics["epoch"] == last]
    head = fpr_label(headline_fpr)
    cols = (["dataset", "scenario", "attack", "models", "epoch", "stop_epoch", "best_epoch", "train_acc",
             "holdout_acc", "gap", "auc", "balanced_acc"] + [fpr_label(a) for a in fprs]
            + [head + "_mean", head + "_std", "min_resolvable_fpr"])
    return reduction_columns(final[cols].reset_index(drop=True), baseline, headline_fpr)


def markdown_table(summary: pd.DataFrame, fprs: Sequence[float], headline_fpr: float) -> str:
    head = fpr_label(headline_fpr)
    pct = lambda v: f"{100 * v:.2f}"
    header = (["dataset", "scenario", "attack", "M", "stop epoch", "train acc", "holdout acc", "gap", "AUC",
               "bal. acc"] + [f"TPR@{a * 100:g}%FPR (%)" for a in fprs]
              + [f"TPR@{headline_fpr * 100:g}%FPR mean ± std (%)", "TPR reduction", "holdout acc change"])
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for r in summary.to_dict("records"):
        cells = [r["dataset"], r["scenario"], r["attack"], str(r["models"]), f"{r['stop_epoch']:.1f}",
                 f"{r['train_acc']:.3f}",
                 f"{r['holdout_acc']:.3f}", f"{r['gap']:.3f}", f"{r['auc']:.3f}", f"{r['balanced_acc']:.3f}"]
        cells += [pct(r[fpr_label(a)]) for a in fprs]
        cells.append(f"{pct(r[head + '_mean'])} ± {pct(r[head + '_std'])}")
        factor = r[head + "_reduction"]
        cells.append("n/a" if np.isnan(factor) else ("∞" if np.isinf(factor) else f"{factor:.2f}×"))
        cells.append(f"{r['holdout_acc_change']:+.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    smallest = summary["min_resolvable_fpr"].max()
    note = (f"\nPooled over all targets (each model is the target once). The smallest FPR the "
            f"pooled ROC resolves is {smallest:.2g}; TPRs at smaller FPRs count only thresholds "
            f"with no false positive. TPR reduction: baseline TPR@{headline_fpr * 100:g}%FPR divided by "
            f"the scenario's (same attack; > 1 means the scenario is safer); holdout acc change: "
            f"scenario minus baseline. Stop epoch: mean over models.\n")
    return "\n".join(lines) + "\n" + note


def run_summarize(metrics: Sequence[str], out_csv: str, out_md: str, fprs: Sequence[float],
                  headline_fpr: float, baseline: str) -> None:
    frame = pd.concat([pd.read_csv(p) for p in metrics], ignore_index=True)
    summary = summary_table(frame, fprs, headline_fpr, baseline)
    write_csv(summary, out_csv)
    with atomic_path(out_md) as tmp:
        tmp.write_text(markdown_table(summary, fprs, headline_fpr))
    print(summary.to_string(index=False), flush=True)


def run_analyze(per_target: Sequence[str], attack: str, fpr: float, seed: int, out_models: str,
                out_correlation: str) -> None:
    """Per-model table of one dataset's scenarios and the gap-vs-attack correlations."""
    frame = pd.concat([pd.read_csv(p) for p in per_target], ignore_index=True)
    models = per_model_table(frame, attack, fpr)
    correlation = gap_correlations(models, fpr, seed)
    write_csv(models, out_models)
    write_csv(correlation, out_correlation)
    print(correlation.to_string(index=False), flush=True)
