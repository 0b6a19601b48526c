import pytest
import torch

from mia.augment import apply_augmentations, cutout, query_plan, query_view, random_flip, random_shift, shift_views


def _gen(seed=0):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def _batch(n=64, size=8):
    one = torch.arange(size * size, dtype=torch.float32).reshape(1, 1, size, size)
    return one.repeat(n, 1, 1, 1)  # n identical, asymmetric images


@pytest.mark.parametrize(
    "ops",
    [[{"op": "shift", "pad": 2}], [{"op": "cutout", "size": 3}], [{"op": "flip", "p": 0.5}],
     [{"op": "shift", "pad": 1}, {"op": "cutout", "size": 3}]],
)
def test_identical_images_in_one_batch_come_out_different(ops):
    x = _batch()
    out = apply_augmentations(x, ops, _gen())
    assert out.shape == x.shape and out.dtype == x.dtype
    distinct = {tuple(img.flatten().tolist()) for img in out}
    assert len(distinct) > 1
    assert torch.equal(apply_augmentations(x, ops, _gen()), out)  # same seed, same batch


def test_shift_crops_the_reflect_padded_image_at_each_offset():
    x = torch.arange(16, dtype=torch.float32).reshape(1, 1, 4, 4).repeat(2, 1, 1, 1)
    out = shift_views(x, 1, torch.tensor([1, 0]), torch.tensor([1, 2]))
    assert torch.equal(out[0], x[0])  # offset (pad, pad) is the identity
    # dy=0 shifts content down by one (reflect row 1 on top); dx=2 shifts it left.
    padded = torch.nn.functional.pad(x[1:], (1, 1, 1, 1), mode="reflect")[0]
    assert torch.equal(out[1], padded[:, 0:4, 2:6])


def test_shift_draws_every_offset_and_keeps_values():
    x = _batch(2000)
    out = random_shift(x, _gen(1), pad=1)
    seen = {tuple(img.flatten().tolist()) for img in out}
    assert len(seen) == 9
    assert set(out.unique().tolist()) <= set(x.unique().tolist())


def test_cutout_zeroes_one_clipped_square_per_image():
    x = torch.ones(500, 3, 8, 8)
    out = cutout(x, _gen(2), size=4)
    holes = (out == 0).all(dim=1).sum(dim=(1, 2))
    assert holes.max() == 16 and holes.min() >= 4  # a corner centre clips the square to 2x2
    assert torch.equal((out == 0)[:, 0], (out == 0)[:, 2])  # same square across channels


def test_flip_probability_is_respected():
    x = _batch(4000)
    flipped = (random_flip(x, _gen(3), p=0.25) != x).any(dim=(1, 2, 3)).float().mean().item()
    assert flipped == pytest.approx(0.25, abs=0.03)


def test_unknown_op_and_oversized_pad_are_rejected():
    with pytest.raises(ValueError, match="unknown augmentation op 'rotate'"):
        apply_augmentations(_batch(2), [{"op": "rotate"}], _gen())
    with pytest.raises(ValueError, match="smaller than the image"):
        random_shift(_batch(2, size=4), _gen(), pad=4)


def test_query_plan_sizes_and_identity_first():
    assert len(query_plan(0, False)) == 1
    assert len(query_plan(1, False)) == 9 and len(query_plan(1, True)) == 18
    assert len(query_plan(2, True)) == 50
    assert query_plan(2, True)[0] == (False, 2, 2)
    assert len(set(query_plan(2, True))) == 50
    x = _batch(3)
    assert torch.equal(query_view(x, 2, query_plan(2, True)[0]), x)
    assert torch.equal(query_view(x, 1, (True, 1, 1)), x.flip(-1))
