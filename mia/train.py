"""Training one shadow model on its keep mask: SGD + cosine schedule, per-sample
augmentation, optional early stopping, weight snapshots at chosen epochs."""

from __future__ import annotations

import contextlib
import copy
import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mia.augment import apply_augmentations

Logger = Callable[[str], None]


def normalize(images: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """Images on the 0..1 scale (or uint8) -> standardized per channel, float32."""
    x = images.to(torch.float32)
    if images.dtype == torch.uint8:
        x = x / 255.0
    return (x - mean[None, :, None, None]) / std[None, :, None, None]


def to_unit(images_u8: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32 on the 0..1 scale (what augmentation works on)."""
    return images_u8.to(torch.float32).div_(255.0)


def device_context(device: torch.device):
    """bf16 autocast on CUDA (tensor cores); plain float32 on the CPU."""
    if device.type == "cuda":
        return torch.autocast(device_type="cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def prepare_for_device(model: nn.Module, device: torch.device) -> nn.Module:
    """Move the model; on CUDA use channels_last and let cuDNN pick its fastest kernels."""
    model = model.to(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        model = model.to(memory_format=torch.channels_last)
    return model


def _batch_layout(x: torch.Tensor) -> torch.Tensor:
    return x.contiguous(memory_format=torch.channels_last) if x.is_cuda else x


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Float32 logits of normalized images in eval mode (BatchNorm running statistics)."""
    was_training = model.training
    model.eval()
    with device_context(x.device):
        out = torch.cat([model(_batch_layout(x[i : i + batch_size])).float() for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) in eval mode; NaN for an empty set."""
    if len(x) == 0:
        return float("nan"), float("nan")
    logits = predict_logits(model, x).float()
    return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item()


def lr_factor(step: int, total: int, warmup: int, schedule: str) -> float:
    """Multiplier of the peak learning rate at optimizer step `step` (0-based): linear
    warm-up over `warmup` steps, then cosine to zero, linear to zero (one-cycle), or flat."""
    if step < warmup:
        return (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "onecycle":
        return max(0.0, 1.0 - progress)
    if schedule == "constant":
        return 1.0
    raise ValueError(f"schedule must be cosine, onecycle or constant, got {schedule!r}")


class EarlyStopping:
    """Stop when the monitored validation value has not improved by min_delta for
    `patience` epochs; remembers the best weights."""

    def __init__(self, monitor: str, patience: int, min_delta: float):
        if monitor not in ("val_loss", "val_acc"):
            raise ValueError(f"early_stopping.monitor must be val_loss or val_acc, got {monitor!r}")
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.sign = -1.0 if monitor == "val_loss" else 1.0
        self.best, self.best_epoch, self.best_state, self.bad_epochs = -math.inf, 0, None, 0

    def step(self, epoch: int, value: float, model: nn.Module) -> bool:
        """Record this epoch; return True when training should stop."""
        score = self.sign * value
        if score > self.best + self.min_delta:
            self.best, self.best_epoch, self.bad_epochs = score, epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience


@dataclass
class TrainResult:
    history: dict[str, list[float]]
    stop_epoch: int
    best_epoch: int
    snapshots: dict[int, dict[str, torch.Tensor]] = field(default_factory=dict)


def train_model(
    model: nn.Module,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    val_x: torch.Tensor,
    val_y: torch.Tensor,
    mean: torch.Tensor,
    std: torch.Tensor,
    recipe: Mapping[str, Any],
    num_classes: int,
    seed: int,
    log: Logger = print,
    tag: str = "",
) -> TrainResult:
    """Train `model` in place with SGD and return its history and weight snapshots.

    train_x / val_x are float images on the 0..1 scale on the training device; they are
    augmented per image (generator seeded by `seed`) and then normalized with mean/std.
    With early stopping the model ends with its best weights (if restore_best). Snapshots
    are taken at recipe["save_epochs"]: under early stopping with restore_best they hold the
    best weights up to that epoch; an epoch after the stop gets the final weights.
    """
    device = train_x.device
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    order_gen = torch.Generator()
    order_gen.manual_seed(seed + 1)

    epochs, batch_size = int(recipe["epochs"]), int(recipe["batch_size"])
    n = len(train_x)
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    momentum = float(recipe["momentum"])
    optimizer = torch.optim.SGD(model.parameters(), lr=float(recipe["lr"]), momentum=momentum,
                                weight_decay=float(recipe["weight_decay"]),
                                nesterov=bool(recipe.get("nesterov", False)) and momentum > 0)
    total_steps = epochs * steps_per_epoch
    warmup = int(round(float(recipe.get("warmup_epochs", 0)) * steps_per_epoch))
    schedule = recipe.get("schedule", "cosine")
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total_steps, warmup, schedule))
    smoothing = float(recipe.get("label_smoothing", 0.0))
    es_cfg = recipe.get("early_stopping")
    stopper = EarlyStopping(es_cfg["monitor"], int(es_cfg["patience"]), float(es_cfg["min_delta"])) if es_cfg else None
    if stopper and len(val_x) == 0:
        raise ValueError("early stopping needs a validation set: set the dataset's validation_fraction > 0")
    save_epochs = sorted({int(e) for e in recipe.get("save_epochs", []) if int(e) <= epochs})
    clean_train = normalize(train_x, mean, std)
    clean_val = normalize(val_x, mean, std)
    history: dict[str, list[float]] = {k: [] for k in ("train_loss", "train_acc", "val_loss", "val_acc", "lr")}
    snapshots: dict[int, dict[str, torch.Tensor]] = {}
    stop_epoch = epochs

    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(n, generator=order_gen).to(device)
        loss_sum = 0.0
        for step in range(steps_per_epoch):
            idx = perm[step * batch_size : (step + 1) * batch_size]
            targets = F.one_hot(train_y[idx], num_classes).float()
            if smoothing:
                targets = targets * (1.0 - smoothing) + smoothing / num_classes
            xb, targets = apply_augmentations(train_x[idx], targets, recipe["augment"], gen, mean)
            with device_context(device):
                logits = model(_batch_layout(normalize(xb, mean, std))).float()
            # Soft targets: MixUp/CutMix mix labels; for the other ops this is plain CE.
            loss = torch.sum(-targets * F.log_softmax(logits, dim=1), dim=1).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(idx)
        seconds = time.perf_counter() - start
        if not np.isfinite(loss_sum):
            raise FloatingPointError(f"{tag}training diverged at epoch {epoch} (loss {loss_sum}); lower lr")
        # Accuracy on the clean training images: meaningful under MixUp/CutMix too.
        _, train_acc = evaluate(model, clean_train, train_y)
        val_loss, val_acc = evaluate(model, clean_val, val_y)
        for key, value in zip(history, (loss_sum / n, train_acc, val_loss, val_acc, optimizer.param_groups[0]["lr"])):
            history[key].append(value)
        log(f"{tag}epoch {epoch}/{epochs} train_loss {loss_sum / n:.4f} train_acc {train_acc:.4f} "
            f"val_loss {val_loss:.4f} val_acc {val_acc:.4f} images/s {n / max(seconds, 1e-9):.0f}")
        stop = bool(stopper) and stopper.step(epoch, history[stopper.monitor][-1], model)
        if epoch in save_epochs:
            # Under early stopping with restore_best, epoch e means "what training would
            # return had it ended at e": the best weights so far, not the raw ones.
            restoring = stopper is not None and es_cfg.get("restore_best", True)
            snapshots[epoch] = copy.deepcopy(stopper.best_state if restoring else model.state_dict())
        if stop:
            stop_epoch = epoch
            log(f"{tag}early stop at epoch {epoch}: best {stopper.monitor} at epoch {stopper.best_epoch}")
            break

    best_epoch = stop_epoch
    if stopper:
        best_epoch = stopper.best_epoch
        if es_cfg.get("restore_best", True) and stopper.best_state is not None:
            model.load_state_dict(stopper.best_state)
        else:
            best_epoch = stop_epoch
    final = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for e in save_epochs:
        snapshots.setdefault(e, final)
    return TrainResult(history, stop_epoch, best_epoch, snapshots)
