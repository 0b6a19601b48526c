"""Per-sample training augmentation and LiRA's deterministic query views.

torchvision's batch transforms draw one parameter set per call, so every image of a
batch would get the same crop or flip. Here each image draws its own parameters as
tensor ops over the whole batch, from an explicit generator (reproducible per seed).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from mia import policies


def _uniform_int(n: int, high: int, gen: torch.Generator, device) -> torch.Tensor:
    return torch.randint(0, high, (n,), generator=gen, device=device)


def shift_views(x: torch.Tensor, pad: int, dy: torch.Tensor, dx: torch.Tensor) -> torch.Tensor:
    """Crop each image of the reflect-padded batch at its own offset (dy, dx) in [0, 2*pad]."""
    if pad == 0:
        return x
    b, c, h, w = x.shape
    if pad >= min(h, w):
        raise ValueError(f"shift pad {pad} must be smaller than the image size {h}x{w}")
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    rows = dy[:, None] + torch.arange(h, device=x.device)  # [B, H]
    cols = dx[:, None] + torch.arange(w, device=x.device)  # [B, W]
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]]
    return out.permute(0, 3, 1, 2).contiguous()


def random_shift(x: torch.Tensor, gen: torch.Generator, pad: int = 4) -> torch.Tensor:
    """Random translation by up to `pad` pixels with reflect padding, drawn per image."""
    dy = _uniform_int(len(x), 2 * pad + 1, gen, x.device)
    dx = _uniform_int(len(x), 2 * pad + 1, gen, x.device)
    return shift_views(x, pad, dy, dx)


def random_flip(x: torch.Tensor, gen: torch.Generator, p: float = 0.5) -> torch.Tensor:
    """Horizontal flip of each image with probability p."""
    flip = torch.rand(len(x), generator=gen, device=x.device) < p
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def cutout(x: torch.Tensor, gen: torch.Generator, size: int = 8, fill: torch.Tensor | None = None) -> torch.Tensor:
    """Fill a size x size square (clipped at the border) centred anywhere, per image.

    `fill` is the per-channel mean, so the hole is zero after normalization, as in
    DeVries & Taylor (2017); zero when not given.
    """
    b, _, h, w = x.shape
    cy = _uniform_int(b, h, gen, x.device)
    cx = _uniform_int(b, w, gen, x.device)
    top, left = cy - size // 2, cx - size // 2
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + size)  # [B, H]
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + size)  # [B, W]
    hole = (in_rows[:, :, None] & in_cols[:, None, :])[:, None, :, :]
    if fill is None:
        return x.masked_fill(hole, 0.0)
    return torch.where(hole, fill.to(x)[None, :, None, None], x)


def _beta(alpha: float, n: int, gen: torch.Generator) -> torch.Tensor:
    # torch's Beta sampler takes no generator; seed numpy's from ours to stay reproducible.
    seed = int(torch.randint(0, 2**62, (1,), generator=gen, device=gen.device).item())
    return torch.from_numpy(np.random.default_rng(seed).beta(alpha, alpha, size=n)).float()


def _partners(n: int, gen: torch.Generator, device) -> torch.Tensor:
    return torch.randperm(n, generator=gen, device=gen.device).to(device)


def mixup(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator, alpha: float = 1.0, p: float = 1.0):
    """MixUp (Zhang et al. 2018), per image: x = lam x_i + (1 - lam) x_j with lam ~ Beta(alpha,
    alpha) and a random partner j; soft targets mix the same way. Applied with prob. p."""
    n = len(x)
    lam = _beta(alpha, n, gen).to(x.device)
    lam = torch.where(torch.rand(n, generator=gen, device=gen.device).to(x.device) < p, lam, torch.ones_like(lam))
    j = _partners(n, gen, x.device)
    return lam[:, None, None, None] * x + (1 - lam[:, None, None, None]) * x[j], lam[:, None] * y + (1 - lam[:, None]) * y[j]


def cutmix(x: torch.Tensor, y: torch.Tensor, gen: torch.Generator, alpha: float = 1.0, p: float = 0.5):
    """CutMix (Yun et al. 2019), per image: paste a box of a random partner covering about
    1 - lam of the image (lam ~ Beta(alpha, alpha)); targets mix by the pasted area.
    Applied with probability p (0.5 in the paper's CIFAR setup)."""
    n, _, h, w = x.shape
    lam = _beta(alpha, n, gen).to(x.device)
    cut_h = (h * torch.sqrt(1 - lam)).long()
    cut_w = (w * torch.sqrt(1 - lam)).long()
    cy = _uniform_int(n, h, gen, x.device)
    cx = _uniform_int(n, w, gen, x.device)
    top, bottom = (cy - cut_h // 2).clamp(0, h), (cy + cut_h // 2).clamp(0, h)
    left, right = (cx - cut_w // 2).clamp(0, w), (cx + cut_w // 2).clamp(0, w)
    apply = torch.rand(n, generator=gen, device=gen.device).to(x.device) < p
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    box = (((rows >= top[:, None]) & (rows < bottom[:, None]))[:, :, None]
           & ((cols >= left[:, None]) & (cols < right[:, None]))[:, None, :]) & apply[:, None, None]
    j = _partners(n, gen, x.device)
    mixed = torch.where(box[:, None], x[j], x)
    kept = 1 - box.float().mean(dim=(1, 2))  # the label weight is the area actually kept
    return mixed, kept[:, None] * y + (1 - kept[:, None]) * y[j]


IMAGE_OPS: dict[str, Callable[..., torch.Tensor]] = {
    "shift": random_shift,
    "flip": random_flip,
    "cutout": cutout,
    "autoaugment": policies.autoaugment,
    "randaugment": policies.randaugment,
    "trivialaugment": policies.trivialaugment,
}
LABEL_OPS: dict[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {"mixup": mixup, "cutmix": cutmix}
AUGMENTATIONS = sorted(IMAGE_OPS) + sorted(LABEL_OPS)


def apply_augmentations(
    x: torch.Tensor,
    y: torch.Tensor,
    ops: Sequence[Mapping[str, Any]],
    gen: torch.Generator,
    mean: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Apply the configured ops in order to images on the 0..1 scale and their soft
    targets [B, classes]; each op is {'op': name, **its parameters}. `mean` (per channel)
    is the Cutout fill."""
    for spec in ops:
        params = dict(spec)
        name = params.pop("op")
        if name in LABEL_OPS:
            x, y = LABEL_OPS[name](x, y, gen, **params)
        elif name in IMAGE_OPS:
            if name == "cutout":
                params.setdefault("fill", mean)
            x = IMAGE_OPS[name](x, gen, **params)
        else:
            raise ValueError(f"unknown augmentation op {name!r}; known: {AUGMENTATIONS}")
    return x, y


def query_plan(shift: int, flip: bool) -> list[tuple[bool, int, int]]:
    """LiRA's query views as (flip, dy, dx) offsets into the reflect-padded image.

    flip x (2s+1)^2 shifts; the un-augmented view comes first so single-query
    attacks (the loss baseline) can take view 0.
    """
    offsets = [(dy, dx) for dy in range(2 * shift + 1) for dx in range(2 * shift + 1)]
    offsets.remove((shift, shift))
    offsets.insert(0, (shift, shift))
    flips = [False, True] if flip else [False]
    return [(f, dy, dx) for f in flips for dy, dx in offsets]


def query_view(x: torch.Tensor, shift: int, view: tuple[bool, int, int]) -> torch.Tensor:
    flip, dy, dx = view
    if flip:
        x = x.flip(-1)
    n = len(x)
    dys = torch.full((n,), dy, dtype=torch.long, device=x.device)
    dxs = torch.full((n,), dx, dtype=torch.long, device=x.device)
    return shift_views(x, shift, dys, dxs)
