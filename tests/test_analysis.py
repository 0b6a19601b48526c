import numpy as np
import pandas as pd
import pytest

from mia.analysis import gap_correlations, per_model_table, reduction_columns, spearman_bootstrap


def test_spearman_of_a_monotone_relation_is_one_with_a_tight_interval():
    x = np.arange(30.0)
    r = spearman_bootstrap(x, np.exp(x / 10))
    assert r["rho"] == pytest.approx(1.0) and r["ci_low"] == pytest.approx(1.0) and r["n_models"] == 30


def test_spearman_interval_covers_a_known_correlation():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = x + rng.normal(size=400)  # Spearman's rho of this pair is about 0.68
    r = spearman_bootstrap(x, y, n_boot=500)
    assert 0.6 < r["rho"] < 0.76
    assert r["ci_low"] < r["rho"] < r["ci_high"] and r["ci_high"] - r["ci_low"] < 0.15
    with pytest.raises(ValueError, match="at least 3"):
        spearman_bootstrap([1, 2], [1, 2])


def test_reduction_factor_and_accuracy_change_against_the_baseline():
    summary = pd.DataFrame({
        "dataset": ["d"] * 4, "scenario": ["base", "aug", "base", "aug"], "attack": ["a", "a", "b", "b"],
        "tpr@0.1%fpr": [0.10, 0.01, 0.02, 0.0], "holdout_acc": [0.90, 0.93, 0.90, 0.93],
    })
    out = reduction_columns(summary, "base", 1e-3)
    np.testing.assert_allclose(out["tpr@0.1%fpr_reduction"], [1.0, 10.0, 1.0, np.inf])
    np.testing.assert_allclose(out["holdout_acc_change"], [0.0, 0.03, 0.0, 0.03])
    with pytest.raises(ValueError, match="baseline scenario 'x'"):
        reduction_columns(summary, "x", 1e-3)


def test_per_model_table_takes_the_final_epoch_of_one_attack():
    rows = []
    for scenario in ("s1", "s2"):
        for epoch in (5, 10):
            for target in range(3):
                for attack in ("a", "b"):
                    rows.append({"dataset": "d", "scenario": scenario, "attack": attack, "epoch": epoch,
                                 "target": target, "train_acc": 1.0, "holdout_acc": 0.9 - 0.01 * target,
                                 "gap": 0.1 + 0.01 * target, "auc": 0.5 + 0.01 * target + 0.001 * epoch,
                                 "tpr@0.1%fpr": 0.001 * target})
    models = per_model_table(pd.DataFrame(rows), "a", 1e-3)
    assert len(models) == 6 and (models["epoch"] == 10).all() and "model" in models
    corr = gap_correlations(models, 1e-3)
    assert list(corr["scope"]) == ["all", "all", "s1", "s1", "s2", "s2"]
    assert list(corr["y"]) == ["tpr@0.1%fpr", "auc"] * 3 and corr["rho"].tolist() == pytest.approx([1.0] * 6)
    with pytest.raises(ValueError, match="attack 'z'"):
        per_model_table(pd.DataFrame(rows), "z", 1e-3)
