"""LiRA (Carlini et al. 2022) in leave-one-out form over all targets at once.

Follows the official code (tensorflow/privacy research/mi_lira_2021/plot.py):
per example and per query, IN and OUT shadow scores are modelled as Gaussians with
centre = median and spread = std (ddof 0), or one global std for the fixed-variance
variants, and std + 1e-30 guards a zero spread. Quirks and departures:

- every shadow model is used (the official code truncates to the smallest IN/OUT count);
- fixed-variance online uses the global OUT std for OUT (the official code reuses the
  IN std for both, an apparent slip);
- the global std is np.std over all shadow scores pooled over examples and queries,
  as in the official code (it includes between-example spread);
- `lira_offline` is the official two-sided test (-log N(s; OUT)); `lira_offline_onesided`
  is the paper's test, log Pr[Z < s] for Z ~ N(OUT).

Leave-one-out: each example's scores are sorted over models once; removing the target
changes order statistics by index arithmetic and sums by one subtraction, so all M
targets cost O(M N A log M) instead of M separate fits.
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

EPS = 1e-30
VARIANTS = (
    "lira_online",
    "lira_online_fixed",
    "lira_offline",
    "lira_offline_fixed",
    "lira_offline_onesided",
)
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _norm_logpdf(x: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> np.ndarray:
    sd = sd + EPS
    return -0.5 * ((x - mu) / sd) ** 2 - np.log(sd) - _LOG_SQRT_2PI


def loo_median_std(
    x: np.ndarray, group: np.ndarray, partner: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Median and std of each example's group scores with the target model left out.

    x: [M, n, A] scores of M models; group: [M, n] bool, which models belong to the
    group (e.g. trained on the example). Returns two [M, n, A] arrays whose row t
    describes the group without model t. With `partner` ([M] model indices), row t also
    leaves out model partner[t] where that one is in the group instead of t; with
    complementary keep-mask pairs every group then loses exactly one model, so IN and OUT
    keep equal counts whatever the target's membership.
    """
    m = x.shape[0]
    rows = np.arange(m)
    other = rows if partner is None else np.asarray(partner)
    removed = np.where(group, rows[:, None], other[:, None])  # [M, n]: who leaves the group
    dropped = np.take_along_axis(group, removed, axis=0)[:, :, None]  # was it in the group?
    g = group[:, :, None]
    count = group.sum(axis=0)[None, :, None]  # [1, n, 1]
    c = count - dropped
    if (c < 1).any():
        t, n = np.argwhere(c[..., 0] < 1)[0]
        raise ValueError(
            f"example {n} has no shadow model in the group once target {t} is left out; "
            "use more models (at least 4) with balanced keep masks"
        )
    removed_b = np.broadcast_to(removed[:, :, None], x.shape)
    masked = np.where(g, x, np.inf)  # non-members sort to the end
    order = np.argsort(masked, axis=0, kind="stable")
    sorted_x = np.take_along_axis(masked, order, axis=0)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(rows[:, None, None], order.shape), axis=0)
    removed_rank = np.take_along_axis(rank, removed_b, axis=0)

    def kth(k: np.ndarray) -> np.ndarray:
        # k-th order statistic of the group without the removed model: skip its slot.
        k = np.broadcast_to(k, x.shape)
        return np.take_along_axis(sorted_x, k + (dropped & (k >= removed_rank)), axis=0)

    median = 0.5 * (kth((c - 1) // 2) + kth(c // 2))

    # Centre before summing squares so the subtraction below does not cancel digits.
    ref = np.where(g, x, 0.0).sum(axis=0) / count[0]
    d = np.where(g, x - ref, 0.0)
    d_removed = np.take_along_axis(d, removed_b, axis=0)  # 0 where nothing was removed
    s1 = d.sum(axis=0) - d_removed
    s2 = (d * d).sum(axis=0) - d_removed * d_removed
    var = np.maximum(s2 / c - (s1 / c) ** 2, 0.0)
    # Equal remaining scores (one score, or ties) have zero spread; rounding in the sums
    # must not say otherwise, since a 1e-8 spread instead of 0 changes the scores wildly.
    var = np.where(kth(np.zeros_like(c)) == kth(c - 1), 0.0, var)
    return median, np.sqrt(var)


def loo_global_std(x: np.ndarray, group: np.ndarray, chunk: int, partner: np.ndarray | None = None) -> np.ndarray:
    """Per target, the std of all group scores of the other models (and not of its
    partner, when given), pooled over examples and queries. x: [M, N, A]; group: [M, N]
    bool. Returns [M]."""
    shift = float(np.mean(x))
    tot1 = tot2 = tot_n = 0.0
    own1 = np.zeros(x.shape[0])
    own2 = np.zeros(x.shape[0])
    own_n = np.zeros(x.shape[0])
    for lo in range(0, x.shape[1], chunk):
        d = x[:, lo : lo + chunk].astype(np.float64) - shift
        g = group[:, lo : lo + chunk, None]
        d = np.where(g, d, 0.0)
        per1, per2 = d.sum(axis=(1, 2)), (d * d).sum(axis=(1, 2))
        per_n = g.sum(axis=(1, 2)) * x.shape[2]
        own1 += per1
        own2 += per2
        own_n += per_n
        tot1, tot2, tot_n = tot1 + per1.sum(), tot2 + per2.sum(), tot_n + per_n.sum()
    if partner is not None:
        own1, own2, own_n = own1 + own1[partner], own2 + own2[partner], own_n + own_n[partner]
    n = tot_n - own_n
    mean = (tot1 - own1) / n
    return np.sqrt(np.maximum((tot2 - own2) / n - mean**2, 0.0))


def pair_partners(keep: np.ndarray) -> np.ndarray | None:
    """[M] index of each model's complementary partner (2p <-> 2p+1), or None when the
    keep masks are not complementary pairs."""
    m = len(keep)
    if m % 2 or not np.array_equal(keep[0::2], ~keep[1::2]):
        return None
    return np.arange(m) ^ 1


def lira_loo(
    scores: np.ndarray,
    keep: np.ndarray,
    variants: tuple[str, ...] = VARIANTS,
    chunk: int = 2048,
    drop_partner: bool = True,
) -> dict[str, np.ndarray]:
    """Membership scores (higher = more likely member) of every model as the target.

    scores: [M, N, A] logit-scaled confidences of M models on N examples and A queries;
    keep: [M, N] bool training membership. Returns {variant: [M, N]}.

    With complementary keep-mask pairs and `drop_partner`, the target's partner is left
    out of its shadows too. Leaving out the target alone gives the group the target
    belongs to one model fewer (M/2 - 1 vs M/2); the smaller group's noisier fit lowers
    its likelihood on average, which pushes members' scores down and the AUC of a model
    with no leakage below 0.5. Leaving out the pair keeps M/2 - 1 on both sides.
    """
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise ValueError(f"unknown LiRA variant(s) {sorted(unknown)}; known: {list(VARIANTS)}")
    scores = np.asarray(scores)
    keep = np.asarray(keep, dtype=bool)
    if scores.ndim != 3 or keep.shape != scores.shape[:2]:
        raise ValueError(f"scores must be [M, N, A] and keep [M, N]; got {scores.shape} and {keep.shape}")
    m, n_ex, _ = scores.shape
    out = {v: np.empty((m, n_ex)) for v in variants}
    needs_in = any(v.startswith("lira_online") for v in variants)
    for side, group in (("IN", keep), ("OUT", ~keep)) if needs_in else (("OUT", ~keep),):
        counts = group.sum(axis=0)
        if counts.min() < 2:
            n = int(np.argmin(counts))
            raise ValueError(
                f"example {n} is {side} for {int(counts[n])} model(s); leave-one-out needs at least 2 "
                "so every target keeps one shadow score: use more models with balanced keep masks"
            )
    partner = pair_partners(keep) if drop_partner else None
    fixed_out = loo_global_std(scores, ~keep, chunk, partner)[:, None, None]
    fixed_in = loo_global_std(scores, keep, chunk, partner)[:, None, None] if needs_in else None

    for lo in range(0, n_ex, chunk):
        sl = slice(lo, lo + chunk)
        x = scores[:, sl].astype(np.float64)
        mu_out, sd_out = loo_median_std(x, ~keep[:, sl], partner)
        if needs_in:
            mu_in, sd_in = loo_median_std(x, keep[:, sl], partner)
        for v in variants:
            if v == "lira_online":
                ll = _norm_logpdf(x, mu_in, sd_in) - _norm_logpdf(x, mu_out, sd_out)
            elif v == "lira_online_fixed":
                ll = _norm_logpdf(x, mu_in, fixed_in) - _norm_logpdf(x, mu_out, fixed_out)
            elif v == "lira_offline":
                ll = -_norm_logpdf(x, mu_out, sd_out)
            elif v == "lira_offline_fixed":
                ll = -_norm_logpdf(x, mu_out, fixed_out)
            else:
                ll = log_ndtr((x - mu_out) / (sd_out + EPS))
            out[v][:, sl] = ll.mean(axis=2)
    return out


def lira_single_target(
    scores: np.ndarray, keep: np.ndarray, target: int, variants: tuple[str, ...] = VARIANTS,
    drop_partner: bool = True,
) -> dict[str, np.ndarray]:
    """Scores of one target fitted the direct way (as the official code does, per target):
    the other models' scores give per-example medians and stds. Same conventions as
    `lira_loo` (including leaving out the partner); useful for attacking a single model,
    and as its baseline."""
    partner = pair_partners(keep) if drop_partner else None
    others = np.arange(len(scores)) != target
    if partner is not None:
        others[partner[target]] = False
    shadow, member = np.asarray(scores[others], dtype=np.float64), np.asarray(keep[others], dtype=bool)
    x = np.asarray(scores[target], dtype=np.float64)

    def fit(group: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        vals = np.where(group[:, :, None], shadow, np.nan)
        return np.nanmedian(vals, axis=0), np.nanstd(vals, axis=0), float(np.nanstd(vals))

    mu_out, sd_out, g_out = fit(~member)
    mu_in, sd_in, g_in = fit(member)
    table = {
        "lira_online": lambda: _norm_logpdf(x, mu_in, sd_in) - _norm_logpdf(x, mu_out, sd_out),
        "lira_online_fixed": lambda: _norm_logpdf(x, mu_in, g_in) - _norm_logpdf(x, mu_out, g_out),
        "lira_offline": lambda: -_norm_logpdf(x, mu_out, sd_out),
        "lira_offline_fixed": lambda: -_norm_logpdf(x, mu_out, g_out),
        "lira_offline_onesided": lambda: log_ndtr((x - mu_out) / (sd_out + EPS)),
    }
    return {v: table[v]().mean(axis=1) for v in variants}
