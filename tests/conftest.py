import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]

TINY_CONFIG = {
    "seed": 0,
    "device": "cpu",
    "models": 4,
    "datasets": {"digits": {"source": "digits", "holdout_fraction": 0.25, "subset": 400, "query_shift": 1}},
    "train_defaults": {"model": "small_cnn", "width": 8, "epochs": 3, "batch_size": 16, "lr": 0.1,
                       "save_epochs": [1, 2]},
    "scenarios": {"baseline": {},
                  "augmented": {"augment": [{"op": "shift", "pad": 1}, {"op": "cutout", "size": 3}],
                                "early_stopping": {"patience": 1}}},
    # With M = 4 a target that trained on an example leaves one IN shadow score: its
    # per-example std is 0, so the per-model analysis uses the fixed-variance variant.
    "report": {"fprs": [0.001, 0.01, 0.1], "headline_fpr": 0.01, "roc_attacks": ["lira_online", "lira_offline"],
               "analysis_attack": "lira_online_fixed"},
}


def snakemake(workdir: Path, *args: str, check: bool = True, pythonpath: tuple = ()) -> subprocess.CompletedProcess:
    """Run the real Snakefile with `workdir` as working directory (its config.yaml).
    `pythonpath`: extra folders for Snakemake and its jobs (e.g. a test's sitecustomize)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*map(str, pythonpath), str(ROOT)]))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(workdir), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    if check and proc.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def write_config(workdir: Path, config: dict) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture()
def no_md5(monkeypatch):
    """torchvision checks the MD5 of the official CIFAR/SVHN files; files a test writes in
    the same format cannot match it, so only the check is replaced, not the parsing."""
    import os

    import torchvision.datasets.cifar as tv_cifar
    import torchvision.datasets.svhn as tv_svhn

    for module in (tv_cifar, tv_svhn):
        monkeypatch.setattr(module, "check_integrity", lambda path, md5=None: os.path.isfile(path))


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """The tiny config run once, end to end, through the real Snakefile."""
    workdir = tmp_path_factory.mktemp("tiny")
    write_config(workdir, TINY_CONFIG)
    proc = snakemake(workdir, "--cores", "2")
    return workdir, proc
