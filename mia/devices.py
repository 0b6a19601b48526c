"""Device resolution: `auto` means CUDA when present, else CPU."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda")


def resolve_device(name: str) -> torch.device:
    if name not in DEVICE_CHOICES:
        raise ValueError(f"device must be one of {list(DEVICE_CHOICES)}, got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was requested but torch sees no CUDA device")
    return torch.device(name)


def model_seed(seed: int, model_index: int) -> int:
    """Per-model seed for init, batch order and augmentation; shared by all scenarios."""
    import numpy as np

    return int(np.random.SeedSequence([int(seed), int(model_index)]).generate_state(1)[0])
