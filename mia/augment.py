"""Per-sample training augmentation and LiRA's deterministic query views.

torchvision's batch transforms draw one parameter set per call, so every image of a
batch would get the same crop or flip. Here each image draws its own parameters as
tensor ops over the whole batch, from an explicit generator (reproducible per seed).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import torch
import torch.nn.functional as F


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


def cutout(x: torch.Tensor, gen: torch.Generator, size: int = 8) -> torch.Tensor:
    """Zero a size x size square (clipped at the border) centred anywhere, per image.

    Inputs are normalized, so zero is the mean pixel, as in DeVries & Taylor (2017).
    """
    b, _, h, w = x.shape
    cy = _uniform_int(b, h, gen, x.device)
    cx = _uniform_int(b, w, gen, x.device)
    top, left = cy - size // 2, cx - size // 2
    rows = torch.arange(h, device=x.device)[None, :]
    cols = torch.arange(w, device=x.device)[None, :]
    in_rows = (rows >= top[:, None]) & (rows < top[:, None] + size)  # [B, H]
    in_cols = (cols >= left[:, None]) & (cols < left[:, None] + size)  # [B, W]
    hole = in_rows[:, :, None] & in_cols[:, None, :]
    return x.masked_fill(hole[:, None, :, :], 0.0)


AUGMENTATIONS: dict[str, Callable[..., torch.Tensor]] = {
    "shift": random_shift,
    "flip": random_flip,
    "cutout": cutout,
}


def apply_augmentations(
    x: torch.Tensor, ops: Sequence[Mapping[str, Any]], gen: torch.Generator
) -> torch.Tensor:
    """Apply the configured ops in order; each op is {'op': name, **its parameters}."""
    for spec in ops:
        params = dict(spec)
        name = params.pop("op")
        if name not in AUGMENTATIONS:
            raise ValueError(f"unknown augmentation op {name!r}; known: {sorted(AUGMENTATIONS)}")
        x = AUGMENTATIONS[name](x, gen, **params)
    return x


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
