"""Model registry: name -> constructor(in_channels, num_classes, image_size, width)."""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn


def _conv_bn(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class SmallCNN(nn.Module):
    """Three conv blocks and a linear head; sized for 8x8 to 32x32 inputs on a CPU."""

    def __init__(self, in_channels: int, num_classes: int, width: int = 16):
        super().__init__()
        self.features = nn.Sequential(
            _conv_bn(in_channels, width),
            _conv_bn(width, 2 * width),
            nn.MaxPool2d(2),
            _conv_bn(2 * width, 4 * width),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def _small_cnn(in_channels: int, num_classes: int, image_size: int, width: int) -> nn.Module:
    return SmallCNN(in_channels, num_classes, width)


MODELS: dict[str, Callable[[int, int, int, int], nn.Module]] = {"small_cnn": _small_cnn}


def build_model(
    name: str, in_channels: int, num_classes: int, image_size: int, width: int, seed: int
) -> nn.Module:
    """Construct a registered model with weights drawn from `seed` (deterministic init)."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return MODELS[name](in_channels, num_classes, image_size, width)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
