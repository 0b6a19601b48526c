import numpy as np
import pytest

from mia.metrics import attack_metrics, balanced_accuracy, fpr_label, roc_points, roc_summary, tpr_at_fpr


def test_roc_points_match_hand_computed_values():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    members = np.array([1, 1, 0, 1, 0, 0], bool)
    fpr, tpr = roc_points(scores, members)
    # Thresholds from the top: +inf, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4.
    np.testing.assert_allclose(fpr, [0, 0, 0, 1 / 3, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(tpr, [0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1])
    assert tpr_at_fpr(fpr, tpr, 0.0) == pytest.approx(2 / 3)
    assert tpr_at_fpr(fpr, tpr, 0.5) == pytest.approx(1.0)
    # Best threshold 0.6: TPR 1, FPR 1/3 -> 1 - (1/3 + 0) / 2.
    assert balanced_accuracy(fpr, tpr) == pytest.approx(5 / 6)
    # 8 of the 9 member/non-member pairs are ordered correctly.
    assert roc_summary(scores, members)["auc"] == pytest.approx(8 / 9)


def test_tied_scores_form_one_roc_step():
    scores = np.array([1.0, 1.0, 1.0, 0.0])
    members = np.array([1, 1, 0, 0], bool)
    fpr, tpr = roc_points(scores, members)
    np.testing.assert_allclose(fpr, [0, 0.5, 1])
    np.testing.assert_allclose(tpr, [0, 1, 1])
    # The tie cannot be split: at FPR <= 0.1 only the origin qualifies.
    assert tpr_at_fpr(fpr, tpr, 0.1) == 0.0
    assert tpr_at_fpr(fpr, tpr, 0.5) == 1.0


def test_no_roc_point_below_alpha_gives_zero():
    scores = np.array([5.0, 4.0, 3.0, 2.0])
    members = np.array([0, 0, 1, 1], bool)  # the top scores are non-members
    fpr, tpr = roc_points(scores, members)
    assert tpr_at_fpr(fpr, tpr, 0.001) == 0.0
    assert roc_summary(scores, members)["auc"] == 0.0


def test_perfect_separation():
    r = roc_summary(np.array([3.0, 2.0, 1.0, 0.0]), np.array([1, 1, 0, 0], bool), fprs=(1e-3,))
    assert r["auc"] == 1.0 and r["balanced_acc"] == 1.0 and r["tpr"][1e-3] == 1.0


def test_infinite_scores_keep_their_order_and_nan_is_an_error():
    fpr, tpr = roc_points(np.array([np.inf, 1.0, 0.0, -np.inf]), np.array([1, 1, 0, 0], bool))
    assert tpr_at_fpr(fpr, tpr, 0.0) == 1.0
    with pytest.raises(ValueError, match="NaN"):
        roc_points(np.array([np.nan, 1.0]), np.array([1, 0], bool))
    with pytest.raises(ValueError, match="both members and non-members"):
        roc_points(np.array([1.0, 2.0]), np.array([1, 1], bool))


def test_attack_metrics_pools_targets_and_reports_mean_and_std():
    keep = np.array([[1, 1, 0, 0], [0, 0, 1, 1]], bool)
    scores = np.array([[4.0, 3.0, 2.0, 1.0], [4.0, 3.0, 2.0, 1.0]])
    pooled, per_target = attack_metrics(scores, keep, fprs=(0.25,))
    col = fpr_label(0.25)
    assert [r[col] for r in per_target] == [1.0, 0.0]
    assert pooled[col + "_mean"] == 0.5
    assert pooled[col + "_std"] == pytest.approx(np.std([1.0, 0.0], ddof=1))
    # Pooled: members score {4, 3, 2, 1}, non-members {2, 1, 4, 3}: AUC 1/2.
    assert pooled["auc"] == pytest.approx(0.5)
    assert pooled["min_resolvable_fpr"] == 0.25
    assert fpr_label(1e-3) == "tpr@0.1%fpr"


def test_infinite_scores_stay_above_huge_finite_scores():
    scores = np.array([np.inf, 1e300, 1e17, -np.inf])
    members = np.array([1, 0, 1, 0], bool)
    fpr, tpr = roc_points(scores, members)
    assert tpr_at_fpr(fpr, tpr, 0.0) == 0.5  # the infinite member ranks alone at the top
