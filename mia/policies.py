"""AutoAugment, RandAugment and TrivialAugmentWide drawn per image.

torchvision's policy transforms draw one op per call. Here every image draws its own
ops and magnitudes; each distinct (op, magnitude) is then applied to its group of
images with torchvision's own op implementation, so the op definitions and magnitude
tables are exactly torchvision's. Those live in private helpers of
torchvision.transforms.autoaugment (`_apply_op`, `_augmentation_space`), stable since
torchvision 0.10; the tests exercise every op so a change there is caught.
"""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import torch

Step = list[tuple[str, float]]  # one (op, signed magnitude) per image


def _tv():
    # Imported on first use: torchvision pulls in torch._dynamo, seconds of start-up that
    # every job without a policy op would pay.
    from torchvision.transforms import autoaugment

    return autoaugment


def _random(n: int, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=gen, device=gen.device).cpu()


def _randint(high: int, n: int, gen: torch.Generator) -> torch.Tensor:
    return torch.randint(0, high, (n,), generator=gen, device=gen.device).cpu()


@lru_cache(maxsize=None)
def _space(kind: str, bins: int, size: tuple[int, int]) -> dict[str, tuple[list[float], bool]]:
    tv_aa = _tv()
    if kind == "autoaugment":
        raw = tv_aa.AutoAugment()._augmentation_space(bins, size)
    elif kind == "randaugment":
        raw = tv_aa.RandAugment()._augmentation_space(bins, size)
    else:
        raw = tv_aa.TrivialAugmentWide()._augmentation_space(bins)
    # Ops without a magnitude (Identity, Equalize, ...) carry a 0-d tensor: no bins.
    return {name: (mags.tolist() if mags.ndim > 0 else [], signed) for name, (mags, signed) in raw.items()}


@lru_cache(maxsize=None)
def autoaugment_policy(name: str) -> list:
    tv_aa = _tv()
    return tv_aa.AutoAugment(tv_aa.AutoAugmentPolicy(name)).policies


def _signed(magnitude: float, signed: bool, flip_sign: bool) -> float:
    return -magnitude if signed and flip_sign else magnitude


def apply_steps(x: torch.Tensor, steps: list[Step]) -> torch.Tensor:
    """Apply per-image op sequences to images on the 0..1 scale, grouping equal ops."""
    tv_aa = _tv()
    nearest = tv_aa.InterpolationMode.NEAREST
    u8 = (x * 255.0).round_().clamp_(0, 255).to(torch.uint8)
    for step in steps:
        groups: dict[tuple[str, float], list[int]] = defaultdict(list)
        for i, key in enumerate(step):
            if key[0] != "Identity":
                groups[key].append(i)
        for (op, magnitude), members in groups.items():
            idx = torch.tensor(members, device=x.device)
            u8[idx] = tv_aa._apply_op(u8[idx], op, magnitude, nearest, None)
    return u8.to(torch.float32).div_(255.0)


def autoaugment_steps(n: int, size: tuple[int, int], gen: torch.Generator, policy: str = "cifar10") -> list[Step]:
    """AutoAugment (Cubuk et al. 2019): a sub-policy per image, each of its two ops
    applied with the policy's probability at the policy's magnitude (10 bins)."""
    policies = autoaugment_policy(policy)
    space = _space("autoaugment", 10, size)
    chosen = _randint(len(policies), n, gen).tolist()
    steps: list[Step] = [[], []]
    for k in range(2):
        probs, signs = _random(n, gen).tolist(), _randint(2, n, gen).tolist()
        for i in range(n):
            op, p, bin_ = policies[chosen[i]][k]
            if probs[i] > p:
                steps[k].append(("Identity", 0.0))
                continue
            mags, signed = space[op]
            magnitude = mags[bin_] if bin_ is not None and mags else 0.0
            steps[k].append((op, _signed(magnitude, signed, signs[i] == 0)))
    return steps


def randaugment_steps(n: int, size: tuple[int, int], gen: torch.Generator, num_ops: int = 2,
                      magnitude: int = 9, bins: int = 31) -> list[Step]:
    """RandAugment (Cubuk et al. 2020): num_ops uniformly drawn ops at one fixed magnitude."""
    if not 0 <= magnitude < bins:
        raise ValueError(f"randaugment magnitude must lie in [0, {bins - 1}], got {magnitude}")
    space = _space("randaugment", bins, size)
    names = list(space)
    steps = []
    for _ in range(num_ops):
        ops, signs = _randint(len(names), n, gen).tolist(), _randint(2, n, gen).tolist()
        step = []
        for i in range(n):
            mags, signed = space[names[ops[i]]]
            step.append((names[ops[i]], _signed(mags[magnitude] if mags else 0.0, signed, signs[i] == 1)))
        steps.append(step)
    return steps


def trivialaugment_steps(n: int, gen: torch.Generator, bins: int = 31) -> list[Step]:
    """TrivialAugment (Müller & Hutter 2021), wide space: one op, uniform magnitude bin."""
    space = _space("trivialaugment", bins, (0, 0))
    names = list(space)
    ops, bins_, signs = _randint(len(names), n, gen).tolist(), _randint(bins, n, gen).tolist(), _randint(2, n, gen).tolist()
    step = []
    for i in range(n):
        mags, signed = space[names[ops[i]]]
        step.append((names[ops[i]], _signed(mags[bins_[i]] if mags else 0.0, signed, signs[i] == 1)))
    return [step]


def autoaugment(x: torch.Tensor, gen: torch.Generator, policy: str = "cifar10") -> torch.Tensor:
    return apply_steps(x, autoaugment_steps(len(x), tuple(x.shape[-2:]), gen, policy))


def randaugment(x: torch.Tensor, gen: torch.Generator, num_ops: int = 2, magnitude: int = 9) -> torch.Tensor:
    return apply_steps(x, randaugment_steps(len(x), tuple(x.shape[-2:]), gen, num_ops, magnitude))


def trivialaugment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    return apply_steps(x, trivialaugment_steps(len(x), gen))
