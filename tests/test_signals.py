import numpy as np
import pytest

from mia.attacks.baselines import loss_threshold
from mia.attacks.signals import cross_entropy, logit_scaled_confidence


def direct(logits, label):
    p = np.exp(logits - logits.max())
    p /= p.sum()
    return np.log(p[label]) - np.log(p.sum() - p[label])


def test_logit_scaling_equals_the_softmax_formula_in_normal_ranges():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(50, 10))
    labels = rng.integers(0, 10, size=50)
    ours = logit_scaled_confidence(logits, labels)
    np.testing.assert_allclose(ours, [direct(z, y) for z, y in zip(logits, labels)], rtol=1e-10)


def test_logit_scaling_is_finite_and_exact_for_extreme_logits():
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [1e4, 1e4, -1e4]])
    labels = np.array([0, 0, 0])
    out = logit_scaled_confidence(logits, labels)
    assert np.isfinite(out).all()
    # z_y - logsumexp of the other logits.
    np.testing.assert_allclose(out, [1e4 - 0.0, -2e4, 0.0], atol=1e-9)


def test_logit_scaling_broadcasts_labels_over_query_axes():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(2, 5, 3, 4))  # [E, N, A, C]
    labels = rng.integers(0, 4, size=5)
    out = logit_scaled_confidence(logits, labels[None, :, None])
    assert out.shape == (2, 5, 3)
    assert out[1, 2, 0] == pytest.approx(direct(logits[1, 2, 0], labels[2]))


def test_cross_entropy_and_loss_baseline():
    logits = np.array([[2.0, 0.0], [0.0, 2.0]])
    labels = np.array([0, 0])
    expected = np.log1p(np.exp(-2.0)), 2.0 + np.log1p(np.exp(-2.0))
    np.testing.assert_allclose(cross_entropy(logits, labels), expected)
    np.testing.assert_allclose(loss_threshold(logits[None], labels), -np.array([expected]))
    assert np.isfinite(cross_entropy(np.array([[1e4, -1e4]]), np.array([1]))).all()
