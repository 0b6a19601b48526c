"""Training one shadow model on its keep mask, with per-epoch history."""

from __future__ import annotations

import math
import time
from typing import Any, Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from mia.augment import apply_augmentations

Logger = Callable[[str], None]


def normalize(images_u8: torch.Tensor, mean: torch.Tensor, std: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32, standardized per channel."""
    x = images_u8.to(torch.float32).div_(255.0)
    return (x - mean[None, :, None, None]) / std[None, :, None, None]


@torch.no_grad()
def predict_logits(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    """Logits of normalized images in eval mode (BatchNorm running statistics)."""
    was_training = model.training
    model.eval()
    out = torch.cat([model(x[i : i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(mean cross-entropy, accuracy) in eval mode."""
    logits = predict_logits(model, x).float()
    loss = F.cross_entropy(logits, y).item()
    acc = (logits.argmax(1) == y).float().mean().item()
    return loss, acc


def train_model(
    model: nn.Module,
    train_x: torch.Tensor,
    train_y: torch.Tensor,
    holdout_x: torch.Tensor,
    holdout_y: torch.Tensor,
    recipe: Mapping[str, Any],
    seed: int,
    log: Logger = print,
    tag: str = "",
) -> dict[str, list[float]]:
    """Train `model` in place with SGD + cosine schedule; return the per-epoch history.

    Inputs are normalized tensors on the training device. Augmentation draws per image
    from a generator seeded by `seed`, as does the batch order.
    """
    device = train_x.device
    gen = torch.Generator(device=device)
    gen.manual_seed(seed)
    order_gen = torch.Generator()
    order_gen.manual_seed(seed + 1)

    epochs, batch_size = int(recipe["epochs"]), int(recipe["batch_size"])
    n = len(train_x)
    steps_per_epoch = max(1, math.ceil(n / batch_size))
    optimizer = torch.optim.SGD(
        model.parameters(),
        lr=float(recipe["lr"]),
        momentum=float(recipe["momentum"]),
        weight_decay=float(recipe["weight_decay"]),
        nesterov=bool(recipe.get("nesterov", False)) and float(recipe["momentum"]) > 0,
    )
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * steps_per_epoch)
    history: dict[str, list[float]] = {k: [] for k in ("train_loss", "train_acc", "holdout_loss", "holdout_acc", "lr")}

    for epoch in range(1, epochs + 1):
        model.train()
        start = time.perf_counter()
        perm = torch.randperm(n, generator=order_gen).to(device)
        loss_sum, correct = 0.0, 0
        for step in range(steps_per_epoch):
            idx = perm[step * batch_size : (step + 1) * batch_size]
            xb = apply_augmentations(train_x[idx], recipe["augment"], gen)
            yb = train_y[idx]
            logits = model(xb)
            loss = F.cross_entropy(logits, yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            loss_sum += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
        seconds = time.perf_counter() - start
        hold_loss, hold_acc = evaluate(model, holdout_x, holdout_y)
        history["train_loss"].append(loss_sum / n)
        history["train_acc"].append(correct / n)
        history["holdout_loss"].append(hold_loss)
        history["holdout_acc"].append(hold_acc)
        history["lr"].append(optimizer.param_groups[0]["lr"])
        log(
            f"{tag}epoch {epoch}/{epochs} train_loss {loss_sum / n:.4f} train_acc {correct / n:.4f} "
            f"holdout_loss {hold_loss:.4f} holdout_acc {hold_acc:.4f} images/s {n / max(seconds, 1e-9):.0f}"
        )
        if not np.isfinite(loss_sum):
            raise FloatingPointError(f"{tag}training diverged at epoch {epoch} (loss {loss_sum}); lower lr")
    return history
