"""The SLURM profile against a real single-node SLURM on localhost.

tests/slurm/localhost.sh starts munged, slurmctld and slurmd (root and Debian's slurmctld
slurmd slurm-client munge needed); the tiny config then runs through the profile's test
variant. Without them the test is skipped, unless MIA_REQUIRE_SLURM=1 (set by .ci/run),
which turns the skip into a failure so CI cannot pass without really running it.
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import h5py
import pytest
import torch
import yaml

from conftest import ROOT, TINY_CONFIG, snakemake, write_config

SCRIPT = ROOT / "tests" / "slurm" / "localhost.sh"
USER_PROFILE = ROOT / "workflow" / "profiles" / "slurm" / "config.yaml"
TEST_PROFILE = ROOT / "workflow" / "profiles" / "slurm-localhost" / "config.yaml"
# The only settings in which the test profile may differ from the one users get.
TEST_ONLY_KEYS = {"slurm-status-command", "slurm-no-account", "slurm-init-seconds-before-status-checks",
                  "slurm-keep-successful-logs", "seconds-between-status-checks"}
TEST_ONLY_RESOURCES = {"slurm_partition", "slurm_account"}


def _without_test_settings(profile: dict) -> dict:
    profile = {k: v for k, v in profile.items() if k not in TEST_ONLY_KEYS}
    profile["default-resources"] = {k: v for k, v in profile["default-resources"].items()
                                    if k not in TEST_ONLY_RESOURCES}
    return profile


def test_test_profile_differs_from_the_user_profile_only_in_test_settings():
    user = yaml.safe_load(USER_PROFILE.read_text())
    test = yaml.safe_load(TEST_PROFILE.read_text())
    assert _without_test_settings(user) == _without_test_settings(test)
    assert user["executor"] == "slurm"
    assert "CHANGE-ME" in user["default-resources"]["slurm_partition"]
    # Memory grows with each retry.
    assert all("attempt" in str(r["mem_mb"]) for r in user["set-resources"].values())


def _slurm_available() -> str | None:
    missing = [b for b in ("munged", "slurmctld", "slurmd", "sbatch", "squeue") if shutil.which(b) is None]
    if missing:
        return f"SLURM not installed (missing {', '.join(missing)}; apt-get install slurmctld slurmd slurm-client munge)"
    if os.geteuid() != 0:
        return "starting slurmd and munged needs root"
    if os.path.lexists("/etc/slurm/slurm.conf"):
        return "/etc/slurm/slurm.conf exists: this machine has its own SLURM"
    return None


@pytest.fixture(scope="module")
def slurm_cluster(tmp_path_factory):
    reason = _slurm_available()
    if reason:
        if os.environ.get("MIA_REQUIRE_SLURM") == "1":
            pytest.fail(f"MIA_REQUIRE_SLURM=1 but {reason}")
        pytest.skip(reason)
    state = tmp_path_factory.mktemp("slurm-state")
    start = subprocess.run(["bash", str(SCRIPT), "start", str(state)], capture_output=True, text=True, timeout=120)
    assert start.returncode == 0, f"could not start SLURM:\n{start.stdout}\n{start.stderr}"
    pids = [int((state / f"{d}.pid").read_text()) for d in ("slurmctld", "slurmd")]
    try:
        yield {"SLURM_CONF": start.stdout.strip().splitlines()[-1], "state": state}
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop", str(state)], capture_output=True, text=True, timeout=60)
        time.sleep(0.5)
        alive = [p for p in pids if Path(f"/proc/{p}").exists()]
        assert not alive, f"daemons still running after stop: {alive}"
        assert not os.path.lexists("/etc/slurm/slurm.conf")


def test_tiny_workflow_runs_through_the_slurm_profile(slurm_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("SLURM_CONF", slurm_cluster["SLURM_CONF"])
    # The test profile plus one GPU per training job: the node advertises fake GPUs, so this
    # exercises `resources: gpu` -> `sbatch --gpus=1` -> a GPU assigned by SLURM.
    profile = yaml.safe_load(TEST_PROFILE.read_text())
    profile["set-resources"]["train"]["gpu"] = 1
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))
    workdir = tmp_path / "run"
    write_config(workdir, TINY_CONFIG)

    started = time.monotonic()
    proc = snakemake(workdir, "--profile", str(tmp_path / "profile"))
    print(f"tiny workflow through SLURM: {time.monotonic() - started:.0f} s")

    results = workdir / "results"
    assert (results / "summary.csv").exists() and (results / "digits" / "per_model.csv").exists()
    jobs = set()
    for scenario in TINY_CONFIG["scenarios"]:
        for i in range(TINY_CONFIG["models"]):
            ckpt = torch.load(results / "digits" / scenario / "models" / f"{i}.pt", weights_only=True)
            ran = ckpt["execution"]
            assert ran.get("slurm_job_id"), f"model {scenario}/{i} was not trained in a SLURM job: {ran}"
            # One fake GPU per training job, assigned by SLURM's gres plugin.
            assert ran.get("cuda_visible_devices") in {"0", "1"}, ran
            jobs.add(ran["slurm_job_id"])
            with h5py.File(results / "digits" / scenario / "logits" / f"{i}.h5") as f:
                ran = json.loads(f.attrs["execution"])
            assert ran.get("slurm_job_id"), ran
            jobs.add(ran["slurm_job_id"])
        with h5py.File(results / "digits" / scenario / "attack.h5") as f:
            assert json.loads(f.attrs["execution"]).get("slurm_job_id")
    # Every train and logits job had its own SLURM job (array tasks have distinct ids).
    assert len(jobs) == 2 * TINY_CONFIG["models"] * len(TINY_CONFIG["scenarios"])
    # The small rules ran on the submit host, not as SLURM jobs.
    assert "localrule summarize:" in proc.stdout + proc.stderr
    squeue = subprocess.run(["squeue", "-h", "-t", "all", "-o", "%i %T"], capture_output=True, text=True, check=True)
    assert squeue.stdout.strip() and all(line.split()[1] == "COMPLETED" for line in squeue.stdout.splitlines())
