"""Device resolution: `auto` means CUDA when present, else CPU."""

from __future__ import annotations

import contextlib
from typing import Iterator

import torch

from mia.gpus import gpu_slot, visible_cuda_devices

DEVICE_CHOICES = ("auto", "cpu", "cuda")  # also "cuda:N" for one given GPU


def resolve_device(name: str) -> torch.device:
    if name not in DEVICE_CHOICES and not (name.startswith("cuda:") and name[5:].isdigit()):
        raise ValueError(f"device must be one of {list(DEVICE_CHOICES)} or cuda:N, got {name!r}")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(f"device {name!r} was requested but torch sees no CUDA device")
    return torch.device(name)


def model_seed(seed: int, model_index: int) -> int:
    """Per-model seed for init, batch order and augmentation; shared by all scenarios."""
    import numpy as np

    return int(np.random.SeedSequence([int(seed), int(model_index)]).generate_state(1)[0])


@contextlib.contextmanager
def job_device(name: str) -> Iterator[torch.device]:
    """The device a job runs on. With several GPUs visible and none chosen by index, the
    job holds one free GPU of the slot pool until it ends (multi-GPU workstations)."""
    device = resolve_device(name)
    if device.type == "cuda" and device.index is None and torch.cuda.device_count() > 1:
        with gpu_slot(visible_cuda_devices()) as slot:
            yield torch.device(slot)
    else:
        yield device
