"""Querying a trained model on every pool example under LiRA's query views."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from mia.augment import query_plan, query_view
from mia.train import predict_logits


def query_logits(
    model: nn.Module, x: torch.Tensor, shift: int, flip: bool, batch_size: int = 512
) -> tuple[np.ndarray, np.ndarray]:
    """Logits [N, A, C] of normalized images under each query view, and the plan [A, 3].

    The plan rows are (flip, dy, dx); view 0 is the un-augmented image.
    """
    plan = query_plan(shift, flip)
    per_view = [
        predict_logits(model, query_view(x, shift, view), batch_size).float().cpu().numpy()
        for view in plan
    ]
    return np.stack(per_view, axis=1), np.array(plan, dtype=np.int64)


def accuracy(logits: np.ndarray, labels: np.ndarray) -> float:
    """Top-1 accuracy of logits [..., C] whose leading axis matches labels."""
    if len(labels) == 0:
        return float("nan")
    return float((logits.argmax(-1) == labels).mean())
