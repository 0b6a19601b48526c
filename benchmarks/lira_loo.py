"""Leave-one-out LiRA over all targets: sorted-order fit vs. one direct fit per target.

Prints the time of each and their ratio, measured in the same process on the same
synthetic scores. The direct fit is timed on a few targets and scaled to all M.

    python benchmarks/lira_loo.py [--models 64] [--examples 20000] [--queries 18]
"""

import argparse
import time

import numpy as np

from mia.attacks.lira import lira_loo, lira_single_target
from mia.keep import keep_matrix


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", type=int, default=64)
    p.add_argument("--examples", type=int, default=20000)
    p.add_argument("--queries", type=int, default=18)
    p.add_argument("--direct-targets", type=int, default=3, help="targets timed with the direct fit")
    args = p.parse_args()
    rng = np.random.default_rng(0)
    keep = keep_matrix(0, args.models, args.examples)
    scores = (rng.normal(size=(args.models, args.examples, args.queries)) + keep[:, :, None]).astype(np.float32)

    t0 = time.perf_counter()
    fast = lira_loo(scores, keep)
    fast_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for t in range(args.direct_targets):
        direct = lira_single_target(scores, keep, t)
        np.testing.assert_allclose(direct["lira_online"], fast["lira_online"][t], rtol=1e-6, atol=1e-6)
    per_target = (time.perf_counter() - t0) / args.direct_targets
    direct_s = per_target * args.models

    print(f"M={args.models} N={args.examples} A={args.queries}, 5 LiRA variants")
    print(f"sorted leave-one-out, all targets: {fast_s:8.2f} s")
    print(f"direct fit per target:             {per_target:8.2f} s/target -> {direct_s:8.2f} s for all targets")
    print(f"speed-up: {direct_s / fast_s:.1f}x")


if __name__ == "__main__":
    main()
