"""Incremental recomputation through the real Snakefile: a config change schedules
exactly the jobs it touches (dry runs on a copy of the tiny run)."""

import copy
import shutil

import pytest

from conftest import TINY_CONFIG, snakemake, write_config
from test_workflow import job_counts


@pytest.fixture()
def finished_copy(tiny_run, tmp_path):
    workdir, _ = tiny_run
    target = tmp_path / "copy"
    shutil.copytree(workdir, target, symlinks=True)  # copy2 keeps the mtimes Snakemake compares
    return target


def dry_run(workdir, config):
    write_config(workdir, config)
    return job_counts(snakemake(workdir, "-n").stdout)


def test_a_training_change_in_one_scenario_reruns_that_scenario_only(finished_copy):
    config = copy.deepcopy(TINY_CONFIG)
    config["scenarios"]["augmented"]["augment"][1]["size"] = 2
    counts = dry_run(finished_copy, config)
    assert counts["train"] == 4 and counts["logits"] == 4 and counts["attack"] == 1 and counts["metrics"] == 1
    assert "prepare_data" not in counts
    text = snakemake(finished_copy, "-n").stdout  # which files: the augmented scenario's only
    assert "augmented/models/0.pt" in text and "baseline/models" not in text


def test_raising_the_model_count_trains_only_the_new_models(finished_copy):
    counts = dry_run(finished_copy, TINY_CONFIG | {"models": 6})
    assert counts["train"] == 2 * 2 and counts["logits"] == 2 * 2  # models 4 and 5 of both scenarios
    text = snakemake(finished_copy, "-n").stdout
    assert "models/4.pt" in text and "models/5.pt" in text and "models/0.pt" not in text


def test_attack_and_report_settings_rerun_no_training(finished_copy):
    config = copy.deepcopy(TINY_CONFIG)
    config["attack"] = {"variants": ["lira_online", "lira_offline", "lira_online_fixed", "loss_threshold"]}
    counts = dry_run(finished_copy, config)
    assert counts["attack"] == 2 and "train" not in counts and "logits" not in counts
    config = copy.deepcopy(TINY_CONFIG)
    config["report"] = config["report"] | {"fprs": [0.001, 0.01, 0.05, 0.1]}
    counts = dry_run(finished_copy, config)
    assert counts["metrics"] == 2 and not {"train", "logits", "attack"} & set(counts)


def test_a_killed_training_job_leaves_no_checkpoint_and_only_it_reruns(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import ROOT

    config = copy.deepcopy(TINY_CONFIG) | {"models": 4}
    config["train_defaults"] = config["train_defaults"] | {"epochs": 3000}  # long enough to be killed mid-run
    write_config(tmp_path, config)
    target = "results/digits/baseline/models/0.pt"
    log = tmp_path / "results/logs/train/digits/baseline/0.log"
    proc = subprocess.Popen([sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(tmp_path),
                             "--cores", "1", target], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    deadline = time.monotonic() + 300
    while not (log.exists() and "epoch 3/3000" in log.read_text()):
        assert time.monotonic() < deadline and proc.poll() is None, "training never started"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole job, as a crashed node would
    proc.wait()
    models = tmp_path / "results/digits/baseline/models"
    assert not (models / "0.pt").exists()  # no complete-looking checkpoint
    assert all(p.name.startswith(".") and p.suffix == ".tmp" for p in models.iterdir())
    snakemake(tmp_path, "--unlock")  # a killed Snakemake leaves its lock behind
    text = snakemake(tmp_path, "-n", target).stdout
    assert job_counts(text)["train"] == 1 and "models/0.pt" in text
