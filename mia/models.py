"""Model registry: name -> constructor(in_channels, num_classes, width).

`width` is the base channel count; None takes the architecture's standard one.
"""

from __future__ import annotations

from typing import Callable

import torch
from torch import nn


def _conv_bn(cin: int, cout: int, act: type[nn.Module] = nn.ReLU) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), act())


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


class BasicBlock(nn.Module):
    """ResNet basic block (He et al. 2016): two 3x3 convs with a projection shortcut when
    the shape changes."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 in its CIFAR form: 3x3 stem, no max-pool, four stages of two blocks."""

    def __init__(self, in_channels: int, num_classes: int, width: int = 64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        stages, cin = [], width
        for i, stride in enumerate((1, 2, 2, 2)):
            cout = width * 2**i
            stages += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.stages = nn.Sequential(*stages)
        self.head = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(self.stages(self.stem(x)), 1), 1))


class WideBlock(nn.Module):
    """Pre-activation wide residual block (Zagoruyko & Komodakis 2016)."""

    def __init__(self, cin: int, cout: int, stride: int):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.project = None if stride == 1 and cin == cout else nn.Conv2d(cin, cout, 1, stride, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pre = torch.relu(self.bn1(x))
        out = self.conv2(torch.relu(self.bn2(self.conv1(pre))))
        return out + (x if self.project is None else self.project(pre))


class WideResNet(nn.Module):
    """WRN-depth-k: three groups of (depth - 4) / 6 blocks at widths 16k, 32k, 64k."""

    def __init__(self, in_channels: int, num_classes: int, depth: int = 28, k: int = 2, width: int = 16):
        super().__init__()
        if (depth - 4) % 6:
            raise ValueError(f"WRN depth must be 6n + 4, got {depth}")
        n = (depth - 4) // 6
        self.stem = nn.Conv2d(in_channels, width, 3, 1, 1, bias=False)
        blocks, cin = [], width
        for i, stride in enumerate((1, 2, 2)):
            cout = width * k * 2**i
            blocks += [WideBlock(cin if j == 0 else cout, cout, stride if j == 0 else 1) for j in range(n)]
            cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.bn = nn.BatchNorm2d(cin)
        self.head = nn.Linear(cin, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn(self.blocks(self.stem(x))))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(out, 1), 1))


class FastNet(nn.Module):
    """A fast net in the spirit of airbench (Keller Jordan): a wide stem and three
    conv-pool blocks with GELU, global max-pooling, and a scaled linear head. Few layers,
    large widths and early downsampling make it quick to train on GPUs."""

    def __init__(self, in_channels: int, num_classes: int, width: int = 64):
        super().__init__()
        widths = (width, 4 * width, 4 * width)
        layers, cin = [_conv_bn(in_channels, width // 2, nn.GELU)], width // 2
        for cout in widths:
            layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.MaxPool2d(2, ceil_mode=True),
                       nn.BatchNorm2d(cout), nn.GELU(), _conv_bn(cout, cout, nn.GELU)]
            cin = cout
        self.features = nn.Sequential(*layers, nn.AdaptiveMaxPool2d(1), nn.Flatten())
        self.head = nn.Linear(cin, num_classes, bias=False)
        self.scale = 1 / 9  # keeps initial logits small, as airbench's head does

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)) * self.scale


MODELS: dict[str, tuple[Callable[[int, int, int], nn.Module], int]] = {
    "small_cnn": (lambda c, k, w: SmallCNN(c, k, w), 16),
    "resnet18": (lambda c, k, w: ResNet18(c, k, w), 64),
    "wrn28_2": (lambda c, k, w: WideResNet(c, k, depth=28, k=2, width=w), 16),
    "fastnet": (lambda c, k, w: FastNet(c, k, w), 64),
}


def build_model(
    name: str, in_channels: int, num_classes: int, image_size: int, width: int | None, seed: int
) -> nn.Module:
    """Construct a registered model with weights drawn from `seed` (deterministic init).
    Every model adapts to the input size through global pooling."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    make, standard_width = MODELS[name]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return make(in_channels, num_classes, standard_width if width is None else int(width))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
