import numpy as np
import pytest
from scipy.stats import norm

from mia.attacks.lira import VARIANTS, lira_loo, lira_single_target, loo_median_std
from mia.keep import keep_matrix
from mia.metrics import roc_summary


def naive_lira(scores, keep, target, drop_partner=True):
    """Reference: fit the official way with the target (and its pair partner) removed,
    one target at a time."""
    others = np.arange(len(scores)) != target
    if drop_partner:
        others[target ^ 1] = False
    s, k = scores[others], keep[others]
    x = scores[target]
    out = {}
    mu_in = np.array([np.median(s[k[:, j], j], axis=0) for j in range(s.shape[1])])
    sd_in = np.array([np.std(s[k[:, j], j], axis=0) for j in range(s.shape[1])])
    mu_out = np.array([np.median(s[~k[:, j], j], axis=0) for j in range(s.shape[1])])
    sd_out = np.array([np.std(s[~k[:, j], j], axis=0) for j in range(s.shape[1])])
    g_in = np.std(np.concatenate([s[k[:, j], j].ravel() for j in range(s.shape[1])]))
    g_out = np.std(np.concatenate([s[~k[:, j], j].ravel() for j in range(s.shape[1])]))
    lp = lambda mu, sd: norm.logpdf(x, mu, sd + 1e-30)
    out["lira_online"] = (lp(mu_in, sd_in) - lp(mu_out, sd_out)).mean(1)
    out["lira_online_fixed"] = (lp(mu_in, g_in) - lp(mu_out, g_out)).mean(1)
    out["lira_offline"] = (-lp(mu_out, sd_out)).mean(1)
    out["lira_offline_fixed"] = (-lp(mu_out, g_out)).mean(1)
    out["lira_offline_onesided"] = norm.logcdf((x - mu_out) / (sd_out + 1e-30)).mean(1)
    return out


@pytest.mark.parametrize("m", [4, 6, 10])
def test_leave_one_out_matches_naive_fit(m):
    rng = np.random.default_rng(m)
    n, a = 37, 3
    keep = keep_matrix(7, m, n)
    scores = rng.normal(size=(m, n, a)) * 2 + keep[:, :, None] * 1.5
    for drop_partner in (True, False):
        if m == 4 and drop_partner:
            continue  # one shadow per side: zero spreads, scores of order 1e60 (compared below at M=6+)
        fast = lira_loo(scores, keep, chunk=10, drop_partner=drop_partner)
        for t in range(m):
            ref = naive_lira(scores, keep, t, drop_partner)
            single = lira_single_target(scores, keep, t, drop_partner=drop_partner)
            for v in VARIANTS:
                msg = f"{v} target {t} drop_partner={drop_partner}"
                np.testing.assert_allclose(fast[v][t], ref[v], rtol=1e-9, atol=1e-9, err_msg=msg)
                np.testing.assert_allclose(single[v], ref[v], rtol=1e-9, atol=1e-9, err_msg=msg)


def test_dropping_the_partner_removes_the_leave_one_out_bias_without_signal():
    # No membership signal at all: IN and OUT scores come from one law, so AUC must be 1/2.
    rng = np.random.default_rng(5)
    m, n = 16, 6000
    keep = keep_matrix(2, m, n)
    scores = rng.normal(size=(m, n, 1)) + rng.normal(0, 2, size=(1, n, 1))
    balanced = roc_summary(lira_loo(scores, keep, ("lira_online",))["lira_online"].ravel(), keep.ravel())["auc"]
    biased = roc_summary(lira_loo(scores, keep, ("lira_online",), drop_partner=False)["lira_online"].ravel(),
                         keep.ravel())["auc"]
    assert balanced == pytest.approx(0.5, abs=0.006)
    assert biased < 0.49  # the group with the target loses a model and fits worse

def test_loo_median_even_and_odd_groups_with_ties():
    x = np.array([[1.0], [3.0], [3.0], [7.0], [9.0]])[:, :, None]  # [M=5, n=1, A=1]
    group = np.array([[True], [True], [True], [True], [False]])
    med, sd = loo_median_std(x, group)
    # Group {1,3,3,7}: leaving out model 0 -> {3,3,7} median 3; model 3 -> {1,3,3} median 3;
    # model 4 (not in group) -> {1,3,3,7} median 3.
    np.testing.assert_allclose(med[:, 0, 0], [3, 3, 3, 3, 3])
    np.testing.assert_allclose(sd[0, 0, 0], np.std([3, 3, 7]))
    np.testing.assert_allclose(sd[4, 0, 0], np.std([1, 3, 3, 7]))
    x2 = np.array([[1.0], [2.0], [10.0], [20.0]])[:, :, None]
    med2, _ = loo_median_std(x2, np.ones((4, 1), bool))
    np.testing.assert_allclose(med2[:, 0, 0], [10, 10, 2, 2])


def test_group_empty_after_leaving_out_is_an_error():
    x = np.zeros((2, 1, 1))
    with pytest.raises(ValueError, match="no shadow model"):
        loo_median_std(x, np.array([[True], [False]]))


def _gaussian_world(rng, m, n, delta, sigma_per_example):
    """Shadow scores whose IN and OUT laws are N(mu_n + delta*s_n, s_n) and N(mu_n, s_n)."""
    keep = keep_matrix(1, m, n)
    mu = rng.normal(0, 3, size=n)
    sd = sigma_per_example
    scores = mu[None, :] + keep * delta * sd[None, :] + rng.normal(size=(m, n)) * sd[None, :]
    return scores[:, :, None], keep


def test_online_lira_on_gaussians_matches_analytic_roc():
    rng = np.random.default_rng(0)
    m, n, delta = 128, 3000, 2.0
    scores, keep = _gaussian_world(rng, m, n, delta, np.ones(n))
    out = lira_loo(scores, keep, variants=("lira_online", "lira_online_fixed"))
    # Equal-variance Gaussians: the likelihood ratio is monotone in s, so the optimal
    # ROC is TPR = 1 - Phi(z_{1-alpha} - delta) and AUC = Phi(delta / sqrt 2). The fits
    # from 63-64 shadows per example fall slightly short of it.
    for variant in out:
        summary = roc_summary(out[variant].ravel(), keep.ravel(), fprs=(0.01, 0.1))
        assert summary["auc"] == pytest.approx(norm.cdf(delta / np.sqrt(2)), abs=0.01)
        for alpha in (0.01, 0.1):
            analytic = 1 - norm.cdf(norm.ppf(1 - alpha) - delta)
            assert summary["tpr"][alpha] == pytest.approx(analytic, abs=0.035)
            assert summary["tpr"][alpha] <= analytic + 0.01


def test_per_example_variance_beats_fixed_variance_when_spreads_differ():
    rng = np.random.default_rng(1)
    m, n = 64, 2000
    spreads = np.exp(rng.uniform(-2, 2, size=n))
    scores, keep = _gaussian_world(rng, m, n, 2.0, spreads)
    out = lira_loo(scores, keep)
    per = roc_summary(out["lira_online"].ravel(), keep.ravel(), fprs=(0.01,))
    fixed = roc_summary(out["lira_online_fixed"].ravel(), keep.ravel(), fprs=(0.01,))
    # Each example is separated by 2 of its own standard deviations: the per-example
    # fit sees that; one global std misjudges the spread of most examples.
    assert per["auc"] == pytest.approx(norm.cdf(2 / np.sqrt(2)), abs=0.015)
    assert per["auc"] > fixed["auc"] + 0.03
    assert per["tpr"][0.01] > 2 * fixed["tpr"][0.01]
    # With a single shared spread the two estimates agree closely.
    scores_eq, keep_eq = _gaussian_world(rng, m, n, 2.0, np.full(n, 0.7))
    eq = lira_loo(scores_eq, keep_eq, variants=("lira_online", "lira_offline", "lira_offline_fixed"))
    assert roc_summary(eq["lira_offline"].ravel(), keep_eq.ravel())["auc"] == pytest.approx(
        roc_summary(eq["lira_offline_fixed"].ravel(), keep_eq.ravel())["auc"], abs=0.03
    )


def test_offline_onesided_beats_two_sided_when_members_only_score_higher():
    rng = np.random.default_rng(2)
    scores, keep = _gaussian_world(rng, 32, 2000, 1.5, np.ones(2000))
    out = lira_loo(scores, keep, variants=("lira_offline", "lira_offline_onesided"))
    one = roc_summary(out["lira_offline_onesided"].ravel(), keep.ravel())["auc"]
    two = roc_summary(out["lira_offline"].ravel(), keep.ravel())["auc"]
    assert one == pytest.approx(norm.cdf(1.5 / np.sqrt(2)), abs=0.02)
    assert one > two


def test_unknown_variant_and_bad_shapes_are_rejected():
    with pytest.raises(ValueError, match="unknown LiRA variant"):
        lira_loo(np.zeros((4, 3, 1)), keep_matrix(0, 4, 3), variants=("lira_magic",))
    with pytest.raises(ValueError, match=r"\[M, N, A\]"):
        lira_loo(np.zeros((4, 3)), keep_matrix(0, 4, 3))


def test_tied_remaining_scores_have_exactly_zero_spread():
    # Three models in the group with equal scores: leaving any one out leaves a tie.
    x = np.array([[1.1], [1.1], [1.1], [5.0]])[:, :, None]
    group = np.array([[True], [True], [True], [False]])
    _, sd = loo_median_std(x, group)
    assert (sd[:, 0, 0] == 0).all()


def test_too_few_shadows_names_the_example_and_side():
    keep = np.tile(np.array([True, True, True, False, False, False])[:, None], (1, 5))
    keep[:, 3] = [True, True, True, True, True, False]  # example 3 is OUT for only one model
    with pytest.raises(ValueError, match=r"example 3 is OUT for 1 model"):
        lira_loo(np.zeros((6, 5, 1)), keep, variants=("lira_offline",))
    lira_loo(np.zeros((6, 4, 1)), keep[:, [0, 1, 2, 4]], variants=("lira_offline",))  # balanced: fine
