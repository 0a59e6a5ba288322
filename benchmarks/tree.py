"""TreeLSTMRegressor fit time per epoch against a global LSTM, and at retail scale.

**Default run.** Synthetic daily sales (``sklstm.datasets.make_hierarchical_sales``)
on 1 + 5 + 50 and 1 + 20 + 500 node trees, windows of 14 days of every node,
next-day targets of every node; Child-Sum cell, hidden 32, batch 32,
``direction="up"`` and ``"both"``. The per-epoch time is the median of
skorch's per-epoch durations after the first epoch (the first also builds
and caches the batched DGL graphs). Two references on the same windows:

- ``global LSTM``: an ``LSTMRegressor`` that reads every node's window as a
  sample of its own, batch 32 x nodes (what ``ReconciledRegressor`` fits).
  It encodes exactly the windows the Tree-LSTM's encoder encodes, so it is
  the floor the Tree-LSTM is held to (the ratio column);
- ``flat LSTM``: an ``LSTMRegressor`` reading all nodes as the features of
  one sequence and forecasting them as outputs.

**Scale** (``--scale``). One store's catalogue: 1 + 10 + 100 + 3,000 nodes
(``make_hierarchical_sales(100, 30)``, its 100 categories grouped ten by
ten into departments), 730 days, window 28, every node's next day: 701
samples of 3,111 windows each. Each measurement runs in a fresh process, so
its peak RSS is its own: a fit on all 701 samples (``max_epochs=1``)
stopped after ``--scale-batches`` batches (a callback interrupts it; the
first batch also builds the batched graph), the epoch extrapolated from the
median batch time, then ``predict`` of one forecast origin (every node's
next day) and of the last 28 origins. The global LSTM runs the same way on
the 701 x 3,111 node windows, batch 32 x 3,111.

**Direction** (``--directions``). Not a timing: ``direction="up"`` against
``"both"`` on the two hold-outs of ``tests/test_tree.py``, for data and model
seeds ``--seeds``. ``sales 2x3``: ``make_hierarchical_sales(2, 3,
n_periods=600)``, window 14, the last 120 days held out, 60 epochs; the
mean over levels of the per-level RMSE and its ratio to the best per-node
naive forecast (seasonal naive m = 7, last value, window mean).
``sales 3x4``: ``make_hierarchical_sales(3, 4, n_periods=400)``, window 14,
the last 56 days held out, ``--direction-epochs`` epochs (20 in the test),
free and coherent; per level, the mean over its nodes of each node's RMSE
over the better of its last value and seasonal naive forecasts.

    python benchmarks/tree.py [--samples 256] [--epochs 4] [--threads N]
    python benchmarks/tree.py --scale [--scale-batches 3] [--threads N]
    python benchmarks/tree.py --directions [--seeds 0 1 2] [--direction-epochs 20]
"""

import argparse
import concurrent.futures
import multiprocessing
import platform
import resource
import statistics
import time

import numpy as np
import torch
from skorch.callbacks import Callback

from sklstm import (
    Hierarchy,
    LastValueRegressor,
    LSTMRegressor,
    ReconciledRegressor,
    SeasonalNaiveRegressor,
    Windower,
    WindowMeanRegressor,
)
from sklstm.datasets import make_hierarchical_sales
from sklstm.tree import TreeLSTMRegressor

TREES = [(5, 10), (20, 25)]       # (categories, products per category)
WINDOW = 14
SCALE_WINDOW = 28
SCALE_DAYS = 730


def epoch_seconds(reg, X, y):
    reg.fit(X, y)
    return statistics.median(reg.history_[1:, "dur"])


#: ``(n, T, nodes)`` -> ``(n * nodes, T, 1)``: every node's window a sample, laid out
#: as ReconciledRegressor lays out its global model's samples.
node_windows = ReconciledRegressor._node_windows


def small_trees(args):
    print(f"data: {args.samples} windows of {WINDOW} days, next-day target of every node, "
          f"hidden 32, batch 32 (global LSTM: 32 x nodes), {args.epochs} epochs (median "
          "after the first)\n")
    print(f"{'tree (nodes)':24s}{'model':28s}{'s / epoch':>10s}{'ms / batch':>12s}"
          f"{'/ global':>10s}")
    for n_categories, n_products in TREES:
        sales, hierarchy = make_hierarchical_sales(n_categories, n_products,
                                                   n_periods=args.samples + WINDOW + 1,
                                                   random_state=0)
        values = sales.to_numpy()
        X = Windower(WINDOW).fit_transform(values[:-1])[WINDOW:]
        y = values[1:][WINDOW:]
        V = hierarchy.n_nodes
        label = f"1 + {n_categories} + {n_categories * n_products} ({V})"
        n_batches = -(-len(X) // 32)
        common = dict(max_epochs=args.epochs, n_iter_no_change=None, random_state=0)
        # sample i * V + j is node j of window i, as node_windows lays them out
        glob = epoch_seconds(LSTMRegressor(batch_size=32 * V, **common),
                             node_windows(X), y.ravel())
        rows = [("TreeLSTM child-sum, up",
                 TreeLSTMRegressor(hierarchy=hierarchy, direction="up", **common)),
                ("TreeLSTM child-sum, both",
                 TreeLSTMRegressor(hierarchy=hierarchy, direction="both", **common)),
                ("LSTMRegressor (flat)", LSTMRegressor(**common))]
        print(f"{label:24s}{'LSTMRegressor (global)':28s}{glob:10.2f}"
              f"{1e3 * glob / n_batches:12.1f}{1.0:10.2f}", flush=True)
        for name, reg in rows:
            seconds = epoch_seconds(reg, X, y)
            print(f"{label:24s}{name:28s}{seconds:10.2f}{1e3 * seconds / n_batches:12.1f}"
                  f"{seconds / glob:10.2f}", flush=True)


# --------------------------------------------------------------------------
# retail scale
# --------------------------------------------------------------------------


def retail_tree(n_departments=10, n_categories=100, n_products=30, n_periods=SCALE_DAYS):
    """Sales ``(n_periods, n_nodes)`` of a total -> department -> category -> product tree."""
    sales, h3 = make_hierarchical_sales(n_categories, n_products, n_periods=n_periods,
                                        random_state=0)
    values = sales.to_numpy()
    categories = values[:, 1:1 + n_categories]
    products = values[:, 1 + n_categories:]
    per_department = n_categories // n_departments
    departments = categories.reshape(n_periods, n_departments, per_department).sum(axis=2)
    department_of = np.repeat(np.arange(n_departments), per_department)
    parents = ([-1] + [0] * n_departments
               + list(1 + department_of)
               + list(1 + n_departments + np.repeat(np.arange(n_categories), n_products)))
    hierarchy = Hierarchy(parents, levels=["total", "department", "category", "product"])
    return np.column_stack([values[:, :1], departments, categories, products]), hierarchy


class StopAfter(Callback):
    """Time each training batch; end training (as Ctrl-C does) after ``n`` batches."""

    def __init__(self, n):
        self.n = n

    def initialize(self):
        self.seconds = []
        return self

    def on_batch_begin(self, net, batch=None, training=False, **kwargs):
        self._start = time.perf_counter()

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        if training:
            self.seconds.append(time.perf_counter() - self._start)
            if len(self.seconds) >= self.n:
                raise KeyboardInterrupt       # skorch ends fit cleanly on it

    def on_train_end(self, net, **kwargs):
        # the interrupted epoch has no loss; record one so the estimator can finish
        if "train_loss" not in net.history[-1]:
            net.history.record("train_loss", float("nan"))


def peak_gib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20     # kB -> GiB


def scale_run(model, n_batches, threads):
    """One measurement in its own process: data, a partial epoch, predict."""
    torch.set_num_threads(threads)
    values, h = retail_tree()
    X = Windower(SCALE_WINDOW).fit_transform(values[:-1])[SCALE_WINDOW:]
    y = values[1:][SCALE_WINDOW:]
    n_samples, V = len(X), h.n_nodes
    timer = StopAfter(n_batches)
    common = dict(max_epochs=1, n_iter_no_change=None, random_state=0,
                  callbacks=[("timer", timer)])
    if model == "global":
        reg = LSTMRegressor(batch_size=32 * V, window_norm="last", **common)
        X_fit, y_fit = node_windows(X), y.ravel()
    else:
        reg = TreeLSTMRegressor(hierarchy=h, direction=model, **common)
        X_fit, y_fit = X, y
    data_gib = peak_gib()
    start = time.perf_counter()
    reg.fit(X_fit, y_fit)
    fit_s = time.perf_counter() - start
    seconds = dict(reg.net_.callbacks_)["timer"].seconds
    fit_gib = peak_gib()
    per_batch = statistics.median(seconds[1:] or seconds)
    epoch_batches = -(-n_samples // 32)
    predict = {}
    for origins in (1, 28):
        X_pred = node_windows(X[-origins:]) if model == "global" else X[-origins:]
        start = time.perf_counter()
        reg.predict(X_pred)
        predict[origins] = time.perf_counter() - start
    return {"model": model, "nodes": V, "samples": n_samples, "batches": len(seconds),
            "first_batch_s": seconds[0], "per_batch_s": per_batch,
            "epoch_s": per_batch * epoch_batches, "epoch_batches": epoch_batches,
            "fit_call_s": fit_s, "other_s": fit_s - sum(seconds),
            "data_gib": data_gib, "fit_gib": fit_gib,
            "predict_1_s": predict[1], "predict_28_s": predict[28],
            "peak_gib": peak_gib()}


def scale(args):
    values, h = retail_tree()
    print(f"retail tree: {' + '.join(str(len(level)) for level in h.top_down)} = "
          f"{h.n_nodes} nodes, {SCALE_DAYS} days, window {SCALE_WINDOW}: "
          f"{SCALE_DAYS - SCALE_WINDOW - 1} samples of {h.n_nodes} windows; hidden 32, "
          f"batch 32 (global LSTM: 32 x {h.n_nodes}); {args.scale_batches} batches timed, "
          "epoch extrapolated from the median batch\n")
    del values
    print("columns: first batch, median later batch and extrapolated epoch (seconds), "
          "ratio to the first row, peak RSS after the data and after the fit (GiB), the "
          "fit call's time outside the batches (setup; for the Tree-LSTM also the skip's "
          "least-squares refit, one inference pass over the 701 samples), predict of 1 and "
          "of 28 forecast origins (every node)")
    print(f"{'model':24s}{'1st batch':>10s}{'s / batch':>10s}{'s / epoch':>11s}"
          f"{'/ first':>9s}{'RSS data':>10s}{'RSS fit':>9s}{'fit other':>10s}"
          f"{'predict 1':>10s}{'predict 28':>11s}")
    context = multiprocessing.get_context("spawn")
    rows = []
    for model in args.scale_models:
        with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
            r = pool.submit(scale_run, model, args.scale_batches, args.threads or 1).result()
        rows.append(r)
        name = "LSTMRegressor (global)" if model == "global" else f"TreeLSTM, {model}"
        ratio = r["epoch_s"] / rows[0]["epoch_s"]
        print(f"{name:24s}{r['first_batch_s']:10.1f}{r['per_batch_s']:10.1f}"
              f"{r['epoch_s']:11.0f}{ratio:9.2f}{r['data_gib']:9.2f}G{r['fit_gib']:8.2f}G"
              f"{r['other_s']:9.0f}s{r['predict_1_s']:9.2f}s{r['predict_28_s']:10.2f}s",
              flush=True)


def holdout(n_categories, n_products, n_periods, n_test, seed, window=WINDOW):
    sales, h = make_hierarchical_sales(n_categories, n_products, n_periods=n_periods,
                                       random_state=seed)
    values = sales.to_numpy()
    X = Windower(window).fit_transform(values[:-1])[window:]
    y = values[1:][window:]
    return X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:], h


def per_node(baseline, X_train, y_train, X_test):
    return np.column_stack([
        baseline.set_params(target_channel=j).fit(X_train, y_train[:, j]).predict(X_test)
        for j in range(y_train.shape[1])])


def node_rmse(pred, y):
    return np.sqrt(((pred - y) ** 2).mean(axis=0))


#: The step docs/tree.rst's direction tables were measured at (lr="auto" is now
#: 0.001 with weight decay on a tree).
FORMER_STEP = {"lr": 0.01, "weight_decay": 0.0}


def directions(args):
    """direction="up" against "both" on the hold-outs of tests/test_tree.py."""
    print("sales 2x3 (600 days, 120 held out, 60 epochs): mean over levels of the RMSE, "
          "and / best naive")
    print(f"{'seed':>4s}{'up':>9s}{'both':>9s}{'up/naive':>10s}{'both/naive':>12s}")
    for seed in args.seeds:
        X_train, X_test, y_train, y_test, h = holdout(2, 3, 600, 120, seed)
        naive = min(np.mean([node_rmse(p, y_test)[nodes].mean() for nodes in h.top_down])
                    for p in [per_node(b, X_train, y_train, X_test) for b in [
                        SeasonalNaiveRegressor(season_length=7), LastValueRegressor(),
                        WindowMeanRegressor()]])
        scores = [np.mean([node_rmse(TreeLSTMRegressor(
            hierarchy=h, direction=d, max_epochs=60, random_state=seed,
            **FORMER_STEP).fit(
                X_train, y_train).predict(X_test), y_test)[nodes].mean()
            for nodes in h.top_down]) for d in ("up", "both")]
        print(f"{seed:4d}{scores[0]:9.2f}{scores[1]:9.2f}{scores[0] / naive:10.3f}"
              f"{scores[1] / naive:12.3f}", flush=True)

    print(f"\nsales 3x4 (400 days, 56 held out, {args.direction_epochs} epochs): per level, "
          "mean of node RMSE / better naive (last value or seasonal naive, m = 7)")
    print(f"{'seed':>4s}  {'model':16s}{'total':>8s}{'category':>10s}{'product':>9s}"
          f"{'mean':>8s}{'RMSE':>8s}")
    for seed in args.seeds:
        X_train, X_test, y_train, y_test, h = holdout(3, 4, 400, 56, seed)
        better = np.minimum(*[node_rmse(per_node(b, X_train, y_train, X_test), y_test)
                              for b in [SeasonalNaiveRegressor(season_length=7),
                                        LastValueRegressor()]])
        for coherent in (False, True):
            for d in ("up", "both"):
                err = node_rmse(TreeLSTMRegressor(
                    hierarchy=h, direction=d, coherent=coherent,
                    max_epochs=args.direction_epochs, random_state=seed,
                    **FORMER_STEP).fit(
                        X_train, y_train).predict(X_test), y_test)
                ratio = [(err / better)[nodes].mean() for nodes in h.top_down]
                rmse = np.mean([err[nodes].mean() for nodes in h.top_down])
                name = f"{'coherent' if coherent else 'free'} {d}"
                print(f"{seed:4d}  {name:16s}" + "".join(f"{v:8.3f}" for v in ratio[:1])
                      + f"{ratio[1]:10.3f}{ratio[2]:9.3f}{np.mean(ratio):8.3f}"
                      f"{rmse:8.2f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice; 1 with "
                             "--scale)")
    parser.add_argument("--scale", action="store_true",
                        help="the 1 + 10 + 100 + 3000 node tree instead of the small trees")
    parser.add_argument("--scale-batches", type=int, default=3,
                        help="training batches timed per model with --scale")
    parser.add_argument("--scale-models", nargs="+", choices=["global", "up", "both"],
                        default=["global", "up", "both"],
                        help="what --scale measures; the ratio is to the first")
    parser.add_argument("--directions", action="store_true",
                        help='accuracy, not time: direction "up" against "both" on the '
                             "hold-outs of tests/test_tree.py")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(range(10)),
                        help="data and model seeds of --directions")
    parser.add_argument("--direction-epochs", type=int, default=20,
                        help="epochs of the 3x4 tree in --directions (20 in the test)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import dgl

    print(f"machine: {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, dgl {dgl.__version__}, "
          f"{args.threads or (1 if args.scale else torch.get_num_threads())} thread(s)")
    if args.directions:
        directions(args)
    elif args.scale:
        scale(args)
    else:
        small_trees(args)


if __name__ == "__main__":
    main()
