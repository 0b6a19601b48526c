"""`python -m mia <stage> ...`: every stage of the workflow, callable by hand on files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import yaml

from mia import __version__


def _recipe(text: str) -> dict:
    """A training recipe given inline as JSON or as a path to a YAML/JSON file."""
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise argparse.ArgumentTypeError(f"--recipe is not valid JSON: {err}") from None
    if not Path(text).is_file():
        raise argparse.ArgumentTypeError(f"--recipe {text!r} is neither JSON nor an existing file")
    return yaml.safe_load(Path(text).read_text())


def _tri_state(text: str) -> bool | None:
    table = {"auto": None, "yes": True, "true": True, "no": False, "false": False}
    if text.lower() not in table:
        raise argparse.ArgumentTypeError(f"expected auto, yes or no; got {text!r}")
    return table[text.lower()]


def _optional_int(text: str) -> int | None:
    return None if text.lower() in ("none", "null", "") else int(text)


def _optional_str(text: str) -> str | None:
    return None if text.lower() in ("none", "null", "") else text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m mia",
        description="Membership-inference study stages. The Snakefile calls these; each also runs by hand.",
    )
    p.add_argument("--version", action="version", version=f"mia {__version__}")
    sub = p.add_subparsers(dest="stage", required=True, metavar="STAGE")

    s = sub.add_parser("prepare-data", help="split a dataset into attack pool and holdout (HDF5)",
                       description="Load a dataset, split it (seeded) into the attack pool and a holdout "
                                   "never trained on, and write images (uint8), labels, source indices and "
                                   "normalization statistics to an HDF5 store.")
    s.add_argument("--source", required=True, help="dataset registry name: digits, fashion-mnist, mnist, cifar10, cifar100, svhn")
    s.add_argument("--holdout-fraction", type=float, required=True)
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--subset", type=_optional_int, default=None, help="use only this many examples")
    s.add_argument("--data-dir", type=_optional_str, default=None)
    s.add_argument("--validation-fraction", type=float, default=0.5,
                   help="share of the holdout used for early stopping; the rest measures test accuracy")
    s.add_argument("--download", type=_tri_state, default=False,
                   help="yes: let torchvision download a missing dataset into --data-dir")
    s.add_argument("--pool", default="random", choices=["random", "train_plus_half_test", "train_only"],
                   help="pool construction: random holdout, the paper's train + half of test, or train only")
    s.add_argument("--out", required=True)

    s = sub.add_parser("train", help="train one shadow model on its keep mask",
                       description="Train model INDEX on its half of the pool (complementary keep-mask "
                                   "pairs from SEED) and save a checkpoint with its per-epoch history.")
    s.add_argument("--data", required=True, help="data store from prepare-data")
    s.add_argument("--model-index", type=int, required=True)
    s.add_argument("--models", type=int, default=None, help="M, only for progress messages")
    s.add_argument("--seed", type=int, required=True)
    s.add_argument("--recipe", type=_recipe, required=True, help="training recipe: JSON text or a YAML/JSON file")
    s.add_argument("--device", default="auto", help="auto, cpu, cuda (a free GPU of the visible ones) or cuda:N")
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", required=True)

    s = sub.add_parser("logits", help="query a model on the pool under LiRA's query views",
                       description="Compute logits [epochs, N_pool, A, C] of a checkpoint under flip x shift "
                                   "query views (eval mode), with labels, keep mask and accuracies.")
    s.add_argument("--data", required=True)
    s.add_argument("--model", required=True, help="checkpoint from train")
    s.add_argument("--query-shift", type=int, default=1, help="s: (2s+1)^2 shifted views")
    s.add_argument("--query-flip", type=_tri_state, default=None, help="auto (dataset decides), yes or no")
    s.add_argument("--device", default="auto", help="auto, cpu, cuda (a free GPU of the visible ones) or cuda:N")
    s.add_argument("--threads", type=int, default=1)
    s.add_argument("--out", required=True)

    s = sub.add_parser("attack", help="leave-one-out LiRA and baselines over a scenario's models",
                       description="Every model is the target once, all others its shadow models. "
                                   "Writes membership scores [attack, epoch, target, N_pool] to HDF5.")
    s.add_argument("--logits", nargs="+", required=True, help="the logit stores of models 0..M-1")
    s.add_argument("--variants", nargs="+", required=True)
    s.add_argument("--chunk-size", type=int, default=4096)
    s.add_argument("--out", required=True)

    s = sub.add_parser("metrics", help="ROC metrics of a scenario's attack scores",
                       description="AUC, balanced accuracy and TPR at fixed FPRs per attack x epoch, pooled "
                                   "over targets (with per-target mean/std), plus one row per target.")
    s.add_argument("--attack", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--scenario", required=True)
    s.add_argument("--fprs", type=float, nargs="+", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--per-target-out", required=True)

    s = sub.add_parser("summarize", help="one table over datasets x scenarios x attacks",
                       description="Collect metrics tables into summary.csv and summary.md (final epoch).")
    s.add_argument("--metrics", nargs="+", required=True)
    s.add_argument("--fprs", type=float, nargs="+", required=True)
    s.add_argument("--headline-fpr", type=float, required=True)
    s.add_argument("--baseline", required=True, help="scenario the others are compared with")
    s.add_argument("--out-csv", required=True)
    s.add_argument("--out-md", required=True)

    s = sub.add_parser("plot-roc", help="log-log ROC curves of a dataset's scenarios",
                       description="One curve per scenario x attack (pooled over targets, final epoch).")
    s.add_argument("--attack-files", nargs="+", required=True)
    s.add_argument("--scenarios", nargs="+", required=True, help="scenario name of each attack file")
    s.add_argument("--attacks", nargs="+", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True)

    s = sub.add_parser("analyze", help="per-model table and gap-vs-attack correlations of a dataset",
                       description="One row per target model (final epoch, one attack) over all scenarios "
                                   "of a dataset, and Spearman's rho of the gap against TPR and AUC with a "
                                   "bootstrap 95% interval.")
    s.add_argument("--per-target", nargs="+", required=True, help="per_target.csv of each scenario")
    s.add_argument("--attack", required=True)
    s.add_argument("--fpr", type=float, required=True)
    s.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    s.add_argument("--out-models", required=True)
    s.add_argument("--out-correlation", required=True)

    s = sub.add_parser("plot-gap", help="scatter of gap vs TPR and AUC over all models of a dataset")
    s.add_argument("--models", required=True)
    s.add_argument("--correlation", required=True)
    s.add_argument("--fpr", type=float, required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True)

    s = sub.add_parser("plot-epochs", help="TPR and holdout accuracy against epoch per scenario")
    s.add_argument("--metrics", nargs="+", required=True)
    s.add_argument("--attacks", nargs="+", required=True)
    s.add_argument("--fpr", type=float, required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--out", required=True)

    s = sub.add_parser("plot-bars", help="bar chart of TPR at the headline FPR per scenario")
    s.add_argument("--summary", required=True)
    s.add_argument("--dataset", required=True)
    s.add_argument("--attacks", nargs="+", required=True)
    s.add_argument("--fpr", type=float, required=True)
    s.add_argument("--out", required=True)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Imported here so `--help` answers without loading torch.
    from mia import jobs, plots, report

    stages = {
        "prepare-data": jobs.run_prepare, "train": jobs.run_train, "logits": jobs.run_logits,
        "attack": jobs.run_attack, "metrics": report.run_metrics, "summarize": report.run_summarize,
        "analyze": report.run_analyze, "plot-roc": plots.run_roc_plot, "plot-bars": plots.run_bar_plot,
        "plot-gap": plots.run_gap_plot, "plot-epochs": plots.run_epoch_plot,
    }
    a = vars(args)
    stage = a.pop("stage")
    try:
        if stage == "plot-roc" and len(args.scenarios) != len(args.attack_files):
            raise ValueError("--scenarios needs one name per --attack-files entry")
        stages[stage](**a)
    except (ValueError, KeyError, FileNotFoundError, RuntimeError) as err:
        print(f"mia {stage}: error: {err}", file=sys.stderr)
        return 2
    return 0
