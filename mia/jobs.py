"""The workflow's stages as functions over files: each reads its inputs, calls the pure
functions of the package and writes its outputs atomically. `python -m mia` and the
Snakemake rules call these."""

from __future__ import annotations

import json
import time
from typing import Any, Sequence

import numpy as np
import torch

from mia import __version__
from mia.attacks.baselines import loss_threshold
from mia.attacks.lira import VARIANTS as LIRA_VARIANTS
from mia.attacks.lira import lira_loo
from mia.attacks.signals import logit_scaled_confidence
from mia.data import prepare_arrays
from mia.devices import job_device, model_seed
from mia.keep import keep_mask
from mia.logits import accuracy, query_logits
from mia.models import build_model, count_parameters
from mia.store import atomic_path, execution_record, provenance_attrs, read_h5, write_h5
from mia.train import normalize, prepare_for_device, to_unit, train_model

ATTACKS = LIRA_VARIANTS + ("loss_threshold",)


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run_prepare(out: str, source: str, holdout_fraction: float, seed: int,
                subset: int | None = None, data_dir: str | None = None, validation_fraction: float = 0.5,
                download: bool = False, pool: str = "random") -> None:
    job = {"source": source, "holdout_fraction": holdout_fraction, "seed": seed, "subset": subset,
           "data_dir": data_dir, "validation_fraction": validation_fraction, "download": download, "pool": pool}
    arrays, info = prepare_arrays(source, holdout_fraction, seed, subset, data_dir, validation_fraction, download,
                                  pool)
    attrs = provenance_attrs("data", job, seed) | info
    write_h5(out, arrays, attrs)
    n_val = int(arrays["holdout_is_validation"].sum())
    log(f"{source}: pool {len(arrays['pool_labels'])}, holdout {len(arrays['holdout_labels'])} "
        f"({n_val} validation, {len(arrays['holdout_labels']) - n_val} test), "
        f"image shape {arrays['pool_images'].shape[1:]}, classes {info['num_classes']} -> {out}")


def _load_data(path: str, device: torch.device) -> tuple[dict, dict, dict]:
    """The data store with its images on `device` as one uint8 tensor per split."""
    arrays, attrs = read_h5(path)
    tensors = {k: torch.from_numpy(arrays[k]).to(device)
               for k in ("pool_images", "holdout_images", "pool_labels", "holdout_labels", "mean", "std")}
    tensors["validation"] = torch.from_numpy(arrays["holdout_is_validation"]).to(device)
    return arrays, attrs, tensors


def _set_threads(threads: int) -> None:
    torch.set_num_threads(max(1, int(threads)))


def run_train(data: str, out: str, model_index: int, recipe: dict, seed: int,
              device: str = "auto", threads: int = 1, models: int | None = None) -> None:
    _set_threads(threads)
    with job_device(device) as dev:
        _train(data, out, model_index, recipe, seed, dev, models)


def _train(data: str, out: str, model_index: int, recipe: dict, seed: int, dev: torch.device,
           models: int | None) -> None:
    arrays, attrs, x = _load_data(data, dev)
    n_pool = len(arrays["pool_labels"])
    keep = keep_mask(seed, model_index, n_pool)
    mseed = model_seed(seed, model_index)
    c, h = arrays["pool_images"].shape[1:3]
    net = prepare_for_device(build_model(recipe["model"], c, int(attrs["num_classes"]), h, recipe["width"], mseed), dev)
    of = f" of {models}" if models else ""
    where = execution_record()
    log(f"model {model_index}{of}: {recipe['model']} ({count_parameters(net):,} parameters) on {dev}, "
        f"{json.dumps(where, sort_keys=True)}, "
        f"{int(keep.sum())} of {n_pool} pool examples, recipe {json.dumps(recipe, sort_keys=True)}")
    keep_t = torch.from_numpy(keep).to(dev)
    val = x["validation"]
    result = train_model(net, to_unit(x["pool_images"][keep_t]), x["pool_labels"][keep_t],
                         to_unit(x["holdout_images"][val]), x["holdout_labels"][val], x["mean"], x["std"],
                         recipe, int(attrs["num_classes"]), mseed, log, tag=f"model {model_index}{of} ")
    job = {"recipe": recipe, "seed": seed, "model_index": model_index, "data": str(data)}
    cpu = lambda state: {k: v.detach().cpu() for k, v in state.items()}
    checkpoint = {
        "state_dict": cpu(net.state_dict()),
        "snapshots": {int(e): cpu(state) for e, state in result.snapshots.items()},
        "spec": {"model": recipe["model"], "in_channels": c, "num_classes": int(attrs["num_classes"]),
                 "image_size": h, "width": recipe["width"]},
        "history": result.history,
        "epoch": int(recipe["epochs"]),
        "stop_epoch": result.stop_epoch,
        "best_epoch": result.best_epoch,
        "keep": torch.from_numpy(keep),
        "model_index": model_index,
        "seed": seed,
        "config": json.dumps(job, sort_keys=True),
        "package_version": __version__,
        "execution": where,
    }
    with atomic_path(out) as tmp:
        torch.save(checkpoint, tmp)
    log(f"model {model_index}{of}: saved {out}")


def load_checkpoint(path: str) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)


def run_logits(data: str, model: str, out: str, query_shift: int, query_flip: bool | None,
               device: str = "auto", threads: int = 1) -> None:
    _set_threads(threads)
    with job_device(device) as dev:
        _logits(data, model, out, query_shift, query_flip, dev)


def _logits(data: str, model: str, out: str, query_shift: int, query_flip: bool | None,
            dev: torch.device) -> None:
    arrays, attrs, x = _load_data(data, dev)
    ckpt = load_checkpoint(model)
    spec = ckpt["spec"]
    net = prepare_for_device(build_model(spec["model"], spec["in_channels"], spec["num_classes"],
                                         spec["image_size"], spec["width"], seed=0), dev)
    flip = bool(attrs["flip_ok"]) if query_flip is None else bool(query_flip)
    keep = ckpt["keep"].numpy().astype(bool)
    if len(keep) != len(arrays["pool_labels"]):
        raise ValueError(f"{model} was trained on a pool of {len(keep)} examples but {data} holds "
                         f"{len(arrays['pool_labels'])}; retrain it")
    pool = normalize(x["pool_images"], x["mean"], x["std"])
    holdout = normalize(x["holdout_images"], x["mean"], x["std"])
    labels, hlabels = arrays["pool_labels"], arrays["holdout_labels"]
    test = ~arrays["holdout_is_validation"]
    # The final weights (the best ones under early stopping) stand for the last epoch.
    states = dict(sorted(ckpt["snapshots"].items())) | {ckpt["epoch"]: ckpt["state_dict"]}
    pool_logits, holdout_logits, train_acc, test_acc = [], [], [], []
    for epoch, state in states.items():
        net.load_state_dict(state)
        t0 = time.perf_counter()
        lp, plan = query_logits(net, pool, query_shift, flip)
        lh, _ = query_logits(net, holdout, query_shift, flip)
        pool_logits.append(lp)
        holdout_logits.append(lh)
        train_acc.append(accuracy(lp[keep, 0], labels[keep]))
        test_acc.append(accuracy(lh[test, 0], hlabels[test]))
        n_img = (len(labels) + len(hlabels)) * len(plan)
        log(f"model {ckpt['model_index']} epoch {epoch}: {len(plan)} query views, "
            f"{n_img / (time.perf_counter() - t0):.0f} images/s, train_acc {train_acc[-1]:.4f} "
            f"holdout_acc {test_acc[-1]:.4f}")
    job = {"model": str(model), "data": str(data), "query_shift": query_shift, "query_flip": flip,
           "model_config": json.loads(ckpt["config"])}
    write_h5(out, {
        "logits": np.stack(pool_logits).astype(np.float32),
        "holdout_logits": np.stack(holdout_logits).astype(np.float32),
        "labels": labels, "holdout_labels": hlabels, "keep": keep,
        "holdout_is_validation": arrays["holdout_is_validation"],
        "train_acc": np.array(train_acc), "holdout_acc": np.array(test_acc),
        "epochs": np.array(list(states), dtype=np.int64), "query_plan": plan,
        "stop_epoch": np.array(ckpt["stop_epoch"]), "best_epoch": np.array(ckpt["best_epoch"]),
    }, provenance_attrs("logits", job, ckpt["seed"]) | {"model_index": ckpt["model_index"]})


# What every store of a scenario must hold identically, and what differs per model.
SHARED = ("labels", "epochs", "query_plan", "holdout_is_validation")
PER_MODEL = ("keep", "train_acc", "holdout_acc", "stop_epoch", "best_epoch")


def load_logit_meta(paths: Sequence[str]) -> tuple[list[str], dict[str, Any]]:
    """Everything but the logits of a scenario's stores, ordered by model index: keep
    [M, N], accuracies [M, E], stop/best epochs [M]. Checks that the stores belong together."""
    stores = []
    for p in paths:
        arrays, attrs = read_h5(p, [*SHARED, *PER_MODEL])
        stores.append((int(attrs["model_index"]), str(p), arrays, attrs))
    stores.sort(key=lambda s: s[0])
    indices = [s[0] for s in stores]
    if indices != list(range(len(stores))):
        raise ValueError(f"logit stores must hold models 0..{len(stores) - 1} once each; got indices {indices}")
    _, first, ref, ref_attrs = stores[0]
    for _idx, p, arrays, attrs in stores:
        if attrs["seed"] != ref_attrs["seed"]:
            raise ValueError(f"{p} has seed {attrs['seed']} but {first} has {ref_attrs['seed']}")
        for key in SHARED:
            if not np.array_equal(arrays[key], ref[key]):
                raise ValueError(f"{p} differs from {first} in {key!r}; all stores need the same data")
    meta = {key: np.stack([s[2][key] for s in stores]) for key in PER_MODEL}
    meta |= {"labels": ref["labels"], "epochs": ref["epochs"], "keep": meta["keep"].astype(bool),
             "seed": ref_attrs["seed"]}
    return [s[1] for s in stores], meta


def epoch_signals(paths: Sequence[str], epoch_index: int, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LiRA scores [M, N, A] and loss-baseline scores [M, N] of one saved epoch, reading
    only that epoch's logits so memory stays near one score array."""
    scores, losses = [], []
    for p in paths:
        arrays, _ = read_h5(p, ["logits"], select={"logits": epoch_index})
        lg = arrays["logits"]  # [N, A, C]
        scores.append(logit_scaled_confidence(lg, labels[:, None]).astype(np.float32))
        losses.append(loss_threshold(lg[None, :, 0], labels)[0])
    return np.stack(scores), np.stack(losses)


def run_attack(logits: Sequence[str], out: str, variants: Sequence[str], chunk_size: int = 4096) -> None:
    unknown = [v for v in variants if v not in ATTACKS]
    if unknown:
        raise ValueError(f"unknown attack(s) {unknown}; known: {list(ATTACKS)}")
    t0 = time.perf_counter()
    paths, d = load_logit_meta(logits)
    (m, n), n_epochs = d["keep"].shape, len(d["epochs"])
    log(f"{m} models, {n} pool examples, epochs {d['epochs'].tolist()}")
    fewest = int(min(d["keep"].sum(axis=0).min(), (~d["keep"]).sum(axis=0).min())) - 1
    if fewest < 2 and any(v in ("lira_online", "lira_offline", "lira_offline_onesided") for v in variants):
        log(f"warning: some examples keep only {fewest} IN or OUT shadow score(s) once the target is left "
            "out; per-example stds are then 0 and those variants degenerate. Use more models (>= 8) or "
            "the fixed-variance variants.")
    result = np.empty((len(variants), n_epochs, m, n), dtype=np.float32)
    lira = tuple(v for v in variants if v in LIRA_VARIANTS)
    for e in range(n_epochs):
        scores, losses = epoch_signals(paths, e, d["labels"])
        if lira:
            fitted = lira_loo(scores, d["keep"], lira, chunk_size)
        for i, v in enumerate(variants):
            result[i, e] = losses if v == "loss_threshold" else fitted[v]
        log(f"epoch {d['epochs'][e]}: {scores.shape[2]} queries, {len(variants)} attacks scored for {m} targets")
    job = {"logits": [str(p) for p in logits], "variants": list(variants), "chunk_size": chunk_size}
    write_h5(out, {
        "scores": result, "attacks": np.array(list(variants)), "keep": d["keep"],
        "epochs": d["epochs"], "train_acc": d["train_acc"], "holdout_acc": d["holdout_acc"],
        "stop_epoch": d["stop_epoch"], "best_epoch": d["best_epoch"],
    }, provenance_attrs("attack", job, d["seed"]))
    log(f"attack done in {time.perf_counter() - t0:.1f} s -> {out}")

