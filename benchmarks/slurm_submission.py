"""How to submit many short training jobs to SLURM: one sbatch per job, job arrays, or groups.

Starts the single-node SLURM of tests/slurm/localhost.sh (root, Debian's slurm packages),
runs the same small workflow (tiny config, --models models x 2 scenarios) through the test
profile three ways from an empty directory, and prints wall time, SLURM submissions
(sbatch calls seen by slurmctld) and SLURM jobs (array tasks count one each):

  python benchmarks/slurm_submission.py --models 8

  per-job  : the profile without slurm-array-jobs
  arrays   : the profile as shipped (slurm-array-jobs: train,logits)
  groups   : no arrays; train and logits of `--group-size` models share one allocation
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import TINY_CONFIG  # noqa: E402

SCRIPT = ROOT / "tests" / "slurm" / "localhost.sh"
PROFILE = ROOT / "workflow" / "profiles" / "slurm-localhost" / "config.yaml"


def variants(base: dict, group_size: int) -> dict[str, dict]:
    per_job = {k: v for k, v in base.items() if k != "slurm-array-jobs"}
    grouped = copy.deepcopy(per_job) | {"groups": ["train=shadow", "logits=shadow"],
                                        "group-components": [f"shadow={group_size}"]}
    return {"per-job": per_job, "arrays": base, "groups": grouped}


def count(pattern: str, log: Path) -> int:
    return len(re.findall(pattern, log.read_text())) if log.exists() else 0


def pending_reasons() -> str:
    out = subprocess.run(["squeue", "-h", "-t", "PD", "-o", "%i %C cpus %m mem %b %r"], capture_output=True, text=True)
    return out.stdout.strip() or "(none pending)"


def run(name: str, profile: dict, config: dict, state: Path, scratch: Path, timeout: float) -> None:
    prof_dir = scratch / f"profile-{name}"
    prof_dir.mkdir()
    (prof_dir / "config.yaml").write_text(yaml.safe_dump(profile))
    work = scratch / name
    work.mkdir()
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    ctld_log = state / "slurmctld.log"
    submits0 = count(r"_slurm_rpc_submit_batch_job", ctld_log)
    jobs0 = count(r"sched: Allocate JobId=", ctld_log)
    started = time.monotonic()
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(work), "--profile", str(prof_dir)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        # Snakemake was killed; its queued jobs stay behind and are cancelled here.
        print(f"{name:8s} no result after {timeout:.0f} s; jobs still pending:\n{pending_reasons()}", flush=True)
        subprocess.run(["scancel", "--user", str(os.getuid())], capture_output=True)
        return
    wall = time.monotonic() - started
    submits = count(r"_slurm_rpc_submit_batch_job", ctld_log) - submits0
    jobs = count(r"sched: Allocate JobId=", ctld_log) - jobs0
    status = "ok" if proc.returncode == 0 else f"FAILED rc={proc.returncode}"
    print(f"{name:8s} {wall:7.1f} s  {submits:3d} sbatch calls  {jobs:3d} SLURM jobs started  {status}", flush=True)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        print(f"  last lines:\n{tail}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", type=int, default=8)
    ap.add_argument("--group-size", type=int, default=4)
    ap.add_argument("--only", nargs="*", choices=["per-job", "arrays", "groups"])
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a variant counts as stuck")
    args = ap.parse_args()
    config = copy.deepcopy(TINY_CONFIG) | {"models": args.models}
    base = yaml.safe_load(PROFILE.read_text())
    with tempfile.TemporaryDirectory(prefix="mia-slurm-bench-") as tmp:
        scratch = Path(tmp)
        state = scratch / "state"
        out = subprocess.run(["bash", str(SCRIPT), "start", str(state)], capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"could not start SLURM:\n{out.stderr}")
        os.environ["SLURM_CONF"] = out.stdout.strip().splitlines()[-1]
        try:
            n = args.models * len(config["scenarios"])
            print(f"{n} train + {n} logits jobs (+ prepare_data, attacks) on a {os.cpu_count()}-CPU node")
            for name, profile in variants(base, args.group_size).items():
                if not args.only or name in args.only:
                    run(name, profile, config, state, scratch, args.timeout)
        finally:
            subprocess.run(["bash", str(SCRIPT), "stop", str(state)], capture_output=True, text=True)


if __name__ == "__main__":
    main()
