import pytest
import torch

from mia import policies
from mia.augment import (apply_augmentations, cutmix, cutout, mixup, query_plan, query_view, random_flip,
                         random_shift, shift_views)

ALL_OPS = [
    [{"op": "shift", "pad": 2}],
    [{"op": "cutout", "size": 3}],
    [{"op": "flip", "p": 0.5}],
    [{"op": "autoaugment", "policy": "cifar10"}],
    [{"op": "randaugment", "num_ops": 2, "magnitude": 9}],
    [{"op": "trivialaugment"}],
    [{"op": "mixup", "alpha": 1.0}],
    [{"op": "cutmix", "alpha": 1.0, "p": 1.0}],
    [{"op": "autoaugment"}, {"op": "shift", "pad": 1}, {"op": "flip"}, {"op": "cutout", "size": 3}],
]


def _gen(seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def _batch(n=64, size=8, channels=1):
    """n identical, asymmetric images on the 0..1 scale (multiples of 1/255)."""
    one = torch.arange(channels * size * size, dtype=torch.float32).reshape(1, channels, size, size)
    return (one * 3 % 256 / 255.0).repeat(n, 1, 1, 1)


def _labels(n, classes=10):
    return torch.nn.functional.one_hot(torch.arange(n) % classes, classes).float()


@pytest.mark.parametrize("ops", ALL_OPS, ids=lambda ops: "+".join(o["op"] for o in ops))
def test_each_op_keeps_shape_dtype_range_and_differs_per_image(ops):
    x = _batch(channels=3, size=12)
    if ops[0]["op"] in ("mixup", "cutmix"):  # mixers need different partners to show anything
        x = x * torch.linspace(0.2, 1.0, len(x))[:, None, None, None]
    y = _labels(len(x))
    out, out_y = apply_augmentations(x, y, ops, _gen(), mean=torch.tensor([0.5, 0.4, 0.3]))
    assert out.shape == x.shape and out.dtype == torch.float32
    assert out.min() >= 0 and out.max() <= 1
    assert out_y.shape == y.shape and torch.allclose(out_y.sum(1), torch.ones(len(y)))
    distinct = {tuple(img.flatten().tolist()) for img in out}
    # Not one draw for the whole batch: a flip has two outcomes, the others many.
    assert len(distinct) == 2 if ops[0]["op"] == "flip" else len(distinct) > len(x) // 4
    again, again_y = apply_augmentations(x, y, ops, _gen(), mean=torch.tensor([0.5, 0.4, 0.3]))
    assert torch.equal(again, out) and torch.equal(again_y, out_y)  # same seed, same batch
    other, _ = apply_augmentations(x, y, ops, _gen(1), mean=torch.tensor([0.5, 0.4, 0.3]))
    assert not torch.equal(other, out)


def test_shift_crops_the_reflect_padded_image_at_each_offset():
    x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4).repeat(2, 1, 1, 1)
    out = shift_views(x, 1, torch.tensor([1, 0]), torch.tensor([1, 2]))
    assert torch.equal(out[0], x[0])  # offset (pad, pad) is the identity
    padded = torch.nn.functional.pad(x[1:], (1, 1, 1, 1), mode="reflect")[0]
    assert torch.equal(out[1], padded[:, 0:4, 2:6])


def test_shift_draws_every_offset_and_keeps_values():
    x = _batch(2000)
    out = random_shift(x, _gen(1), pad=1)
    assert len({tuple(img.flatten().tolist()) for img in out}) == 9
    assert set(out.unique().tolist()) <= set(x.unique().tolist())


def test_cutout_fills_one_clipped_square_per_image_with_the_mean():
    x = torch.ones(500, 3, 8, 8)
    fill = torch.tensor([0.0, 0.25, 0.5])
    out = cutout(x, _gen(2), size=4, fill=fill)
    hole = out[:, 0] == 0
    sizes = hole.sum(dim=(1, 2))
    assert sizes.max() == 16 and sizes.min() >= 4  # a corner centre clips the square to 2x2
    assert torch.equal(out[:, 1][hole], torch.full((int(sizes.sum()),), 0.25))


def test_flip_probability_is_respected():
    x = _batch(4000)
    flipped = (random_flip(x, _gen(3), p=0.25) != x).any(dim=(1, 2, 3)).float().mean().item()
    assert flipped == pytest.approx(0.25, abs=0.03)


def test_mixup_mixes_images_and_labels_with_the_same_weight():
    x = torch.rand(256, 1, 4, 4, generator=_gen(4))
    y = _labels(256)
    out, out_y = mixup(x, y, _gen(5), alpha=0.4)
    # Recover lam from the labels and the partner from the image.
    lam = out_y.max(dim=1).values
    assert ((lam > 0.5) | torch.isclose(lam, torch.tensor(0.5))).all()
    assert out_y.gt(0).sum(1).le(2).all()
    assert 0.1 < lam.std() and lam.min() < 0.9  # Beta(0.4, 0.4) spreads lam out, per image


def test_cutmix_label_weight_equals_the_kept_area():
    x = torch.zeros(300, 1, 16, 16)
    x_marked = x + torch.arange(300).float()[:, None, None, None] / 300  # each image has its own value
    y = _labels(300, classes=300)  # and its own class
    out, out_y = cutmix(x_marked, y, _gen(6), alpha=1.0, p=1.0)
    kept = (out == x_marked).float().mean(dim=(1, 2, 3))
    own_weight = (out_y * y).sum(1)
    assert torch.allclose(own_weight, kept, atol=1e-6)
    assert (kept < 1).float().mean() > 0.8  # nearly every image got a box at p=1
    untouched, _ = cutmix(x_marked, y, _gen(6), p=0.0)
    assert torch.equal(untouched, x_marked)


@pytest.mark.parametrize("kind", ["autoaugment", "randaugment", "trivialaugment"])
def test_policies_draw_every_op_over_many_samples(kind):
    n, size = 3000, (32, 32)
    if kind == "autoaugment":
        steps = policies.autoaugment_steps(n, size, _gen(7))
        expected = {op for sub in policies.autoaugment_policy("cifar10") for op, _, _ in sub}
    elif kind == "randaugment":
        steps = policies.randaugment_steps(n, size, _gen(7))
        expected = set(policies._space("randaugment", 31, size))
    else:
        steps = policies.trivialaugment_steps(n, _gen(7))
        expected = set(policies._space("trivialaugment", 31, (0, 0)))
    drawn = {op for step in steps for op, _ in step} - {"Identity"}
    assert drawn == expected - {"Identity"}
    assert len({m for step in steps for _, m in step}) > 5  # magnitudes and signs vary
    # Every op runs through torchvision on a real batch.
    x = torch.rand(len(expected) * 4, 3, 32, 32, generator=_gen(8))
    out = policies.apply_steps(x, [[(op, 0.3 if op not in ("Posterize", "Solarize") else 4.0)
                                    for op in sorted(expected) for _ in range(4)]])
    assert out.shape == x.shape and out.min() >= 0 and out.max() <= 1


def test_unknown_op_and_oversized_pad_are_rejected():
    with pytest.raises(ValueError, match="unknown augmentation op 'rotate'"):
        apply_augmentations(_batch(2), _labels(2), [{"op": "rotate"}], _gen())
    with pytest.raises(ValueError, match="smaller than the image"):
        random_shift(_batch(2, size=4), _gen(), pad=4)
    with pytest.raises(ValueError, match="magnitude must lie in"):
        policies.randaugment(_batch(2), _gen(), magnitude=40)


def test_query_plan_sizes_and_identity_first():
    assert len(query_plan(0, False)) == 1
    assert len(query_plan(1, False)) == 9 and len(query_plan(1, True)) == 18
    assert len(query_plan(2, True)) == 50
    assert query_plan(2, True)[0] == (False, 2, 2)
    assert len(set(query_plan(2, True))) == 50
    x = _batch(3)
    assert torch.equal(query_view(x, 2, query_plan(2, True)[0]), x)
    assert torch.equal(query_view(x, 1, (True, 1, 1)), x.flip(-1))
