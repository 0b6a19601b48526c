import pytest
import torch

from mia.models import MODELS, build_model, count_parameters

# Each dataset's input: digits 1x8x8, (Fashion-)MNIST 1x28x28, CIFAR/SVHN 3x32x32.
SHAPES = [(1, 8), (1, 28), (3, 32)]


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("channels, size", SHAPES)
def test_forward_and_backward_on_every_dataset_shape(name, channels, size):
    model = build_model(name, channels, 10, size, width=8 if name != "small_cnn" else None, seed=0)
    x = torch.randn(2, channels, size, size)
    out = model(x)
    assert out.shape == (2, 10) and torch.isfinite(out).all()
    out.sum().backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize("name, classes, expected", [
    ("small_cnn", 10, 24_346),
    ("resnet18", 10, 11_173_962),  # the CIFAR ResNet-18's well-known ~11.2 M
    ("resnet18", 100, 11_220_132),
    ("wrn28_2", 10, 1_467_610),  # WRN-28-2: ~1.5 M
    ("fastnet", 10, 1_978_016),
])
def test_parameter_counts_at_standard_width(name, classes, expected):
    assert count_parameters(build_model(name, 3, classes, 32, None, seed=0)) == expected


@pytest.mark.parametrize("name", sorted(MODELS))
def test_init_is_deterministic_under_a_seed(name):
    a, b, c = (build_model(name, 1, 10, 8, 8, seed=s) for s in (3, 3, 4))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    assert not all(torch.equal(p, q) for p, q in zip(a.parameters(), c.parameters()))


def test_unknown_model_is_rejected():
    with pytest.raises(ValueError, match=r"unknown model 'vgg'; known: \['fastnet', 'resnet18', 'small_cnn', 'wrn28_2'\]"):
        build_model("vgg", 1, 10, 8, None, seed=0)
