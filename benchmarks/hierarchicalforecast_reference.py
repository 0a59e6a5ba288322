"""Reference outputs of hierarchicalforecast's reconcilers, for tests/test_reconciliation.py.

Runs hierarchicalforecast (Nixtla) on the fixed inputs below, a 1 + 2 + 4 tree
(total -> A, B -> AA, AB, BA, BB), and prints its reconciled forecasts as
literal arrays, which ``test_matches_hierarchicalforecast`` holds. It does not
import sklstm. hierarchicalforecast is not an sklstm dependency; run this in a
separate environment:

    python -m venv /tmp/hfenv
    /tmp/hfenv/bin/pip install hierarchicalforecast
    /tmp/hfenv/bin/python benchmarks/hierarchicalforecast_reference.py

The printed arrays came from hierarchicalforecast 1.5.3 (numpy 2.4.6).

Conventions that differ from sklstm's ``reconcile`` (see its Notes):

- ``MinTrace(method="mint_shrink")`` centres the residuals and divides by
  ``T - 1``; ``reconcile`` follows Wickramasuriya et al. (2019) and uses the
  uncentred mean of ``e_t e_t'``. The two coincide for residuals of mean zero,
  so the test passes ``residuals - residuals.mean(axis=0)`` to ``reconcile``.
  (hierarchicalforecast refuses residuals whose sums are all near zero, so the
  centred residuals cannot be given to it directly.)
- hierarchicalforecast adds ``2e-8`` guards (to the standard deviations, the
  shrinkage denominator, and the ``wls_var`` weights); with residuals of
  standard deviation around 5 their effect is below 1e-9 relative.
"""

import numpy as np
from hierarchicalforecast.methods import BottomUp, MinTrace, TopDown

# nodes in sklstm's node order: aggregated first, then the leaves (which is
# also hierarchicalforecast's layout: the last rows of S are the identity)
NODES = ["total", "A", "B", "AA", "AB", "BA", "BB"]
PARENTS = [-1, 0, 0, 1, 1, 2, 2]
S = np.array([[1, 1, 1, 1],
              [1, 1, 0, 0],
              [0, 0, 1, 1],
              [1, 0, 0, 0],
              [0, 1, 0, 0],
              [0, 0, 1, 0],
              [0, 0, 0, 1]], dtype=np.float64)

# base forecasts of every node, two steps: (n_nodes, horizon), incoherent
FORECASTS = np.array([[166.0, 171.0],
                      [84.0, 80.0],
                      [77.0, 85.0],
                      [45.0, 40.0],
                      [43.0, 37.0],
                      [36.0, 41.0],
                      [38.0, 45.0]])

# observed leaves over 12 times (integers, so the sums below are exact)
LEAF_HISTORY = np.array([[24, 45, 23, 39],
                         [43, 59, 48, 34],
                         [43, 28, 45, 46],
                         [28, 59, 58, 24],
                         [27, 20, 31, 26],
                         [39, 25, 44, 20],
                         [54, 29, 34, 58],
                         [24, 29, 43, 55],
                         [23, 28, 39, 21],
                         [20, 36, 51, 49],
                         [48, 27, 43, 30],
                         [55, 20, 27, 43]], dtype=np.float64)
HISTORY = LEAF_HISTORY @ S.T                                   # (12, 7): every node

# in-sample one-step residuals: a parent's error is close to the sum of its
# children's, so the residuals are correlated and the shrinkage is neither 0 nor 1
LEAF_RESIDUALS = np.array([[-9, -5, -6, -8],
                           [-8, -4, 0, 8],
                           [-6, 2, 6, 7],
                           [0, 3, -6, 5],
                           [7, -5, 2, -1],
                           [9, -2, -6, 3],
                           [-3, -3, 3, -2],
                           [-4, -5, 0, 0],
                           [-3, -1, -7, 1],
                           [1, 8, -4, 6],
                           [-1, 6, -4, 0],
                           [2, -3, -8, 2]], dtype=np.float64)
NOISE = np.array([[-6, -8, -5],
                  [-7, 9, 9],
                  [3, 2, 0],
                  [5, 6, -6],
                  [2, 6, 4],
                  [3, 6, -1],
                  [8, 1, 6],
                  [-9, -7, 3],
                  [5, 8, -3],
                  [8, 3, 0],
                  [-5, 3, 0],
                  [3, 3, 4]], dtype=np.float64)
RESIDUALS = LEAF_RESIDUALS @ S.T                               # (12, 7)
RESIDUALS[:, :3] += NOISE                                      # aggregated nodes' own error


def reference():
    """hierarchicalforecast's reconciled forecasts, method name -> (n_nodes, horizon)."""
    y_insample = HISTORY.T                                     # (n_nodes, n_times)
    y_hat_insample = (HISTORY - RESIDUALS).T
    tags = {"total": np.array([0]), "category": np.array([1, 2]),
            "product": np.array([3, 4, 5, 6])}
    out = {}
    out["bottom_up"] = BottomUp().fit_predict(S=S, y_hat=FORECASTS)["mean"]
    out["top_down"] = TopDown(method="average_proportions").fit_predict(
        S=S, y_hat=FORECASTS, tags=tags, y_insample=y_insample)["mean"]
    for method in ["ols", "wls_struct", "wls_var", "mint_shrink"]:
        out[method] = MinTrace(method=method).fit_predict(
            S=S, y_hat=FORECASTS, y_insample=y_insample,
            y_hat_insample=y_hat_insample)["mean"]
    return out


def main():
    import hierarchicalforecast

    np.set_printoptions(precision=17, floatmode="unique", linewidth=90)
    print(f"# hierarchicalforecast {hierarchicalforecast.__version__}, numpy {np.__version__}")
    for method, values in reference().items():
        print(f'"{method}": np.array({np.array2string(values.T, separator=", ")}),')


if __name__ == "__main__":
    main()
