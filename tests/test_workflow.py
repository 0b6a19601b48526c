"""The real Snakefile: dry runs of the DAG and a tiny end-to-end run."""

import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import yaml

from conftest import ROOT, TINY_CONFIG, snakemake, write_config
from mia.store import read_h5


def job_counts(dry_run_output: str) -> dict[str, int]:
    table = dry_run_output.split("Job stats:")[1]
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\w+)\s+(\d+)$", table, re.M)}


def test_dry_run_of_the_default_config_lists_the_expected_jobs(tmp_path):
    shutil.copy(ROOT / "config.yaml", tmp_path / "config.yaml")
    counts = job_counts(snakemake(tmp_path, "-n").stdout)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    m, s, d = config["models"], len(config["scenarios"]), len(config["datasets"])
    assert counts == {"prepare_data": d, "train": m * s * d, "logits": m * s * d, "attack": s * d,
                      "metrics": s * d, "summarize": 1, "analyze": d, "plot_roc": d, "plot_bars": d,
                      "plot_gap": d, "plot_epochs": d, "all": 1,
                      "total": d + 2 * m * s * d + 2 * s * d + 1 + 5 * d + 1}


def test_invalid_config_stops_with_the_key_and_allowed_values(tmp_path):
    write_config(tmp_path, TINY_CONFIG | {"models": 5, "device": "gpu"})
    proc = snakemake(tmp_path, "-n", check=False)
    assert proc.returncode != 0
    text = proc.stdout + proc.stderr
    assert "config key models: 5 is not a multiple of 2" in text
    assert "config key device: 'gpu' is not allowed; allowed values: ['auto', 'cpu', 'cuda']" in text
    assert not (tmp_path / "results").exists()


def test_tiny_run_produces_summary_plots_and_stores(tiny_run):
    workdir, _ = tiny_run
    results = workdir / "results"
    summary = pd.read_csv(results / "summary.csv")
    expected_cols = ["dataset", "scenario", "attack", "models", "epoch", "stop_epoch", "best_epoch", "train_acc",
                     "holdout_acc", "gap", "auc", "balanced_acc", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr",
                     "tpr@1%fpr_mean", "tpr@1%fpr_std", "min_resolvable_fpr", "tpr@1%fpr_reduction",
                     "holdout_acc_change"]
    assert list(summary.columns) == expected_cols
    assert len(summary) == 2 * 6  # scenarios x attacks
    assert set(summary["scenario"]) == {"baseline", "augmented"}
    assert (summary["models"] == 4).all() and (summary["epoch"] == 3).all()
    base = summary[summary["scenario"] == "baseline"]
    assert ((base["tpr@1%fpr_reduction"] == 1) | (base["tpr@1%fpr"] == 0)).all()
    assert (base["holdout_acc_change"] == 0).all() and (base["stop_epoch"] == 3).all()
    aug = summary[summary["scenario"] == "augmented"]
    assert aug["stop_epoch"].between(2, 3).all() and (aug["best_epoch"] <= aug["stop_epoch"]).all()
    for col in ["train_acc", "holdout_acc", "auc", "tpr@0.1%fpr", "tpr@1%fpr", "tpr@10%fpr"]:
        assert summary[col].between(0, 1).all(), col
    assert summary["balanced_acc"].between(0.5, 1).all()
    np.testing.assert_allclose(summary["gap"], summary["train_acc"] - summary["holdout_acc"], atol=1e-5)
    assert (summary["tpr@0.1%fpr"] <= summary["tpr@1%fpr"]).all()
    md = (results / "summary.md").read_text()
    assert md.count("| digits |") == 12 and "TPR@1%FPR mean ± std" in md and "TPR reduction" in md
    for png in ["roc_digits.png", "tpr_digits.png", "gap_digits.png", "epochs_digits.png"]:
        assert (results / "plots" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    attack, attrs = read_h5(results / "digits" / "baseline" / "attack.h5")
    assert attack["scores"].shape == (6, 3, 4, 300)  # attacks x saved epochs x targets x pool
    assert attack["epochs"].tolist() == [1, 2, 3]
    metrics = pd.read_csv(results / "digits" / "baseline" / "metrics.csv")
    assert len(metrics) == 6 * 3 and sorted(set(metrics["epoch"])) == [1, 2, 3]
    models = pd.read_csv(results / "digits" / "per_model.csv")
    assert len(models) == 2 * 4 and set(models["scenario"]) == {"baseline", "augmented"}
    correlation = pd.read_csv(results / "digits" / "gap_correlation.csv")
    overall = correlation[correlation["scope"] == "all"]
    assert list(overall["y"]) == ["tpr@1%fpr", "auc"] and (overall["n_models"] == 8).all()
    assert set(correlation["scope"]) == {"all", "baseline", "augmented"}
    assert (correlation["ci_low"] <= correlation["ci_high"]).all()
    np.testing.assert_array_equal(attack["keep"].sum(axis=0), 2)
    assert "package_version" in attrs
    per_target = pd.read_csv(results / "digits" / "baseline" / "per_target.csv")
    assert len(per_target) == 6 * 3 * 4 and set(per_target["target"]) == {0, 1, 2, 3}
    log = (results / "logs" / "train" / "digits" / "baseline" / "0.log").read_text()
    assert "epoch 3/3" in log and "images/s" in log
    assert (results / "benchmarks" / "train" / "digits" / "baseline" / "0.tsv").exists()


def test_second_invocation_has_nothing_to_do(tiny_run):
    workdir, _ = tiny_run
    proc = snakemake(workdir, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_a_stage_run_by_hand_matches_the_rule(tiny_run, tmp_path):
    workdir, _ = tiny_run
    scenario = workdir / "results" / "digits" / "augmented"
    logits = [str(scenario / "logits" / f"{i}.h5") for i in range(4)]
    out = tmp_path / "attack.h5"
    subprocess.run([sys.executable, "-m", "mia", "attack", "--logits", *reversed(logits), "--variants",
                    "lira_online", "lira_online_fixed", "lira_offline", "lira_offline_fixed",
                    "lira_offline_onesided", "loss_threshold", "--out", str(out)], check=True, cwd=ROOT)
    by_hand, _ = read_h5(out)
    by_rule, _ = read_h5(scenario / "attack.h5")
    np.testing.assert_array_equal(by_hand["scores"], by_rule["scores"])
    np.testing.assert_array_equal(by_hand["attacks"], by_rule["attacks"])


def test_default_profile_is_accepted(tmp_path):
    write_config(tmp_path, TINY_CONFIG)
    proc = snakemake(tmp_path, "-n", "--workflow-profile", str(ROOT / "workflow" / "profiles" / "default"))
    assert "workflow specific profile" in proc.stdout + proc.stderr
    assert job_counts(proc.stdout)["train"] == 8


def test_report_renders_every_plot_and_table_with_captions(tiny_run):
    workdir, _ = tiny_run
    snakemake(workdir, "--report", "report.html")
    html = (workdir / "report.html").read_text()
    categories = json.loads(re.search(r"var categories = (\{.*?\});\n", html).group(1))
    assert categories["Summary"] == {"Other": ["results/summary.csv"]}
    digits = categories["digits"]
    assert digits["baseline"] == ["results/digits/baseline/metrics.csv"]
    assert digits["augmented"] == ["results/digits/augmented/metrics.csv"]
    assert sorted(digits["Plots"]) == [f"results/plots/{k}_digits.png" for k in ("epochs", "gap", "roc", "tpr")]
    assert sorted(digits["Per-model analysis"]) == ["results/digits/gap_correlation.csv", "results/digits/per_model.csv"]
    for caption in ("Log-log ROC curves", "Spearman", "TPR reduction factor", "saved epoch"):
        assert caption in html, caption


def test_presets_dry_run_with_the_expected_jobs(tmp_path):
    presets = (("controlled-1k.yaml", 64, 16), ("fashion-mnist.yaml", 16, 5), ("paper-cifar10.yaml", 64, 5),
               ("paper-cifar100.yaml", 64, 5))
    for preset, models, scenarios in presets:  # the data is only needed at run time
        proc = snakemake(tmp_path, "-n", "--configfile", str(ROOT / "configs" / preset), "--replace-workflow-config")
        counts = job_counts(proc.stdout)
        assert counts["train"] == counts["logits"] == models * scenarios, preset
        assert counts["attack"] == scenarios and counts["prepare_data"] == 1
