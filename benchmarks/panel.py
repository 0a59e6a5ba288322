"""Panels: one global model over many series (issue 14).

Every section uses ``sklstm.datasets.make_retail_panel`` (daily sales of
products whose levels differ by 100 times, weekly and yearly seasons,
planned promotions with a 1.8 times lift), ``forecast_xy`` on the long table
and ``Windower(window, series_id="series_id")``. The forecasts are one day
ahead; the last ``--n-test`` forecast origins of every series are held out,
and their windows are cut from the whole table, so they carry their real
history. Each series' first ``window - 1`` windows are padded and are not
trained on. Scores: MAPE and RMSE over the held-out rows, and the mean over
series of the MASE (season 7, scaled by each series' in-sample weekly naive
error). One torch thread. Fit times are CPU seconds of the process
(``time.process_time``): with one thread that is about the wall time on an
idle core, and it moves less than wall time when other processes share the
machine (the same fit measured 11 to 17 CPU seconds in different runs on
two shared cores). Every section at its defaults: about 20 CPU minutes.

Sections (``--sections``, all by default):

- ``norm``: the ``window_norm`` modes and ``window_norm_channels`` against
  the weekly seasonal naive forecast and ridge regression on the lags, then a
  few training settings of the best mode;
- ``future``: RMSE on promotion days with the promotion's lead column, without
  it, and with the promotion column shifted one day the wrong way;
- ``global``: one model over ``--n-global`` series against the per-series
  weekly seasonal naive and one model per series, and forecasts for
  ``--n-unseen`` series that were not in the fit;
- ``missing``: 10 % of the targets and inputs set to NaN at random,
  ``missing="mask"`` against the model fitted on the complete data;
- ``weights``: a block of corrupted rows with weight 0, against training
  without those rows, and with weight 1;
- ``scale``: a global model over ``--n-scale`` series: fit seconds per
  epoch, peak resident memory, predictions per second. It runs in a process
  of its own, so that the peak memory is its own.

    python benchmarks/panel.py
    python benchmarks/panel.py --sections norm --n-series 20 --epochs 3
    python benchmarks/panel.py --sections global --n-global 50 --local-epochs 10
    python benchmarks/panel.py --sections future --hidden-size 64
"""

import argparse
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import root_mean_squared_error

from sklstm import LSTMRegressor, SeasonalNaiveRegressor, Windower, forecast_xy
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import make_retail_panel
from sklstm.metrics import mase

SECTIONS = ["norm", "future", "global", "missing", "weights", "scale"]
SEASON = 7
#: The panel setting this benchmark recommends (section ``norm`` measures it).
BEST = {"window_norm": "standard", "window_norm_channels": "target", "batch_size": 128,
        "max_epochs": 20, "lr": 0.01, "weight_decay": 0.0}   # the step it was measured at


# ----------------------------------------------------------------- the data


def panel_xy(panel, future=("promo",)):
    """``(X, y)`` one day ahead from the long table, ``future`` as future covariates."""
    columns = ["series_id", "date", "sales", *future]
    return forecast_xy(panel[columns], 1, target="sales", series_id="series_id",
                       time="date", future_covariates=list(future) or None)


@dataclass
class Task:
    """Windows of a panel, split by date; every array has one entry per row."""

    windows: np.ndarray       # (n, window, n_features)
    y: np.ndarray             # (n,) the target, one day ahead
    ids: np.ndarray           # (n,) the series of each row
    test: np.ndarray          # (n,) bool: the last n_test origins of each series
    padded: np.ndarray        # (n,) bool: the series' first window - 1 rows
    promo_day: np.ndarray     # (n,) bool: the forecast day is a promotion day
    day: np.ndarray           # (n,) the forecast origin's day number in its series

    @property
    def train(self):
        """The rows trained on: not held out, and with a full window of history."""
        return ~self.test & ~self.padded


def make_task(panel, *, window=28, n_test=60, future=("promo",), gaps=None):
    """Window the whole table; hold out the last ``n_test`` origins of each series.

    ``gaps=(fraction, seed)`` sets that fraction of the sales (the target, and
    input channel 0) and of the future covariates' lead columns to NaN, each
    cell at random.
    """
    if gaps is not None:
        fraction, seed = gaps
        rng = np.random.RandomState(seed)
        panel = panel.assign(sales=panel["sales"].mask(rng.uniform(size=len(panel))
                                                       < fraction))
    X, y = panel_xy(panel, future)
    if gaps is not None:
        leads = [name for name in X.columns if "_lead" in name]
        X[leads] = X[leads].astype(float).mask(rng.uniform(size=(len(X), len(leads)))
                                               < fraction)
    windows = Windower(window=window, series_id="series_id").fit_transform(X)
    origin = panel.loc[X.index, "date"]
    test = (origin > origin.max() - pd.Timedelta(days=n_test)).to_numpy()
    promo_next = panel.groupby("series_id", sort=False)["promo"].shift(-1)
    return Task(windows=np.asarray(windows, dtype=np.float32),
                y=y.to_numpy()[:, 0], ids=X["series_id"].to_numpy(), test=test,
                padded=X.groupby("series_id", sort=False).cumcount().to_numpy() < window - 1,
                promo_day=(promo_next.loc[X.index] == 1).to_numpy(),
                day=(origin - origin.min()).dt.days.to_numpy())


def scores(task, y_pred, rows=None, y_true=None):
    """MAPE (%), RMSE and mean MASE over the series of ``rows`` (the test rows)."""
    rows = task.test if rows is None else rows
    y_all = task.y if y_true is None else y_true
    y = y_all[rows]
    mases = []
    for series in pd.unique(task.ids[rows]):
        own = task.ids == series
        in_rows = own[rows]
        mases.append(mase(y[in_rows], y_pred[in_rows], y_all[own & ~task.test],
                          season_length=SEASON))
    return {"mape": 100 * np.mean(np.abs(y - y_pred) / np.abs(y)),
            "rmse": root_mean_squared_error(y, y_pred),
            "mase": float(np.mean(mases))}


def fit_predict(model, task, train=None, sample_weight=None, rows=None):
    """Fit on ``train`` rows (the training rows), predict ``rows`` (the test rows)."""
    train = task.train if train is None else train
    rows = task.test if rows is None else rows
    fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
    start = time.process_time()
    model.fit(task.windows[train], task.y[train], **fit_params)
    seconds = time.process_time() - start
    return model.predict(task.windows[rows]), seconds


def lstm(args, **params):
    """``LSTMRegressor`` with the recommended setting, ``--epochs`` and ``params`` on top."""
    settings = {**BEST, "n_iter_no_change": None, "random_state": args.seed}
    if args.epochs is not None:
        settings["max_epochs"] = args.epochs
    if args.hidden_size is not None:
        settings["hidden_size"] = args.hidden_size
    return LSTMRegressor(**{**settings, **params})


def row(label, result, seconds=None, width=48, extra=""):
    cells = f"{result['mape']:8.1f}{result['mase']:8.3f}{result['rmse']:9.2f}"
    tail = f"{seconds:9.1f}" if seconds is not None else f"{'':9s}"
    print(f"{label:{width}s}{cells}{tail}{extra}", flush=True)


def header(title, width=48):
    print(f"\n{title}\n")
    print(f"{'model':{width}s}{'MAPE %':>8s}{'MASE':>8s}{'RMSE':>9s}{'fit s':>9s}")


def baselines(task):
    """Weekly seasonal naive and ridge on the lags (default window_norm="last")."""
    out = {}
    for label, model in [(f"seasonal naive (m={SEASON})", SeasonalNaiveRegressor(SEASON)),
                         ("ridge on lags", RidgeLagsRegressor())]:
        y_pred, seconds = fit_predict(model, task)
        out[label] = (scores(task, y_pred), seconds)
    return out


# ----------------------------------------------------------------- sections


def section_norm(args):
    panel = make_retail_panel(args.n_series, args.n_days, random_state=args.seed)
    task = make_task(panel, window=args.window, n_test=args.n_test)
    seeds = args.norm_seeds
    header(f"window_norm on {args.n_series} series x {args.n_days} days, promo lead as "
           f"future covariate; window {args.window}, last {args.n_test} days held out; "
           f"LSTMRegressor, {BEST['max_epochs']} epochs, batch {BEST['batch_size']}, "
           f"hidden {args.hidden_size or 32}; mean over random_state {', '.join(map(str, seeds))} "
           "(MAPE range in brackets)", width=52)
    for label, (result, seconds) in baselines(task).items():
        row(label, result, seconds, width=52)
    logged = replace(task, windows=task.windows.copy(), y=np.log1p(task.y))
    logged.windows[:, :, 0] = np.log1p(logged.windows[:, :, 0])
    configs = []
    for mode in ["auto", None, "last", "mean", "standard"]:
        for channels in (["all", "target"] if mode in ("last", "mean", "standard")
                         else ["all"]):
            label = f"window_norm={mode!r}"
            if mode is not None and mode != "auto":
                label += f", channels={channels!r}"
            configs.append((label, task, {"window_norm": mode,
                                          "window_norm_channels": channels}))
    # sales on a log scale: the promotion's lift and the weekly profile add up
    for mode in ["last", "standard"]:
        configs.append((f"log1p(sales), {mode!r}, channels='target'", logged,
                        {"window_norm": mode, "window_norm_channels": "target"}))
    for label, data, params in configs:
        results, seconds = [], []
        for seed in seeds:
            model = lstm(args, random_state=seed, **params)
            y_pred, fit_seconds = fit_predict(model, data)
            results.append(scores(task, np.expm1(y_pred) if data is logged else y_pred))
            seconds.append(fit_seconds)
        if params["window_norm"] == "auto":
            label += f" (chose {model.window_norm_!r})"
        mean = {key: np.mean([r[key] for r in results]) for key in results[0]}
        mapes = [r["mape"] for r in results]
        spread = f" [{min(mapes):.1f}-{max(mapes):.1f}]" if len(seeds) > 1 else ""
        row(label, mean, np.mean(seconds), width=52, extra=spread)

    header(f"training settings of window_norm={BEST['window_norm']!r}, "
           f"channels={BEST['window_norm_channels']!r}, random_state {args.seed}", width=52)
    settings = [
        ("10 epochs, batch 32", {"max_epochs": 10, "batch_size": 32}),
        ("20 epochs, batch 32", {"max_epochs": 20, "batch_size": 32}),
        ("10 epochs, batch 128", {"max_epochs": 10, "batch_size": 128}),
        ("20 epochs, batch 128 (recommended)", {"max_epochs": 20, "batch_size": 128}),
        ("30 epochs, batch 128", {"max_epochs": 30, "batch_size": 128}),
        ("20 epochs, batch 128, hidden 64",
         {"max_epochs": 20, "batch_size": 128, "hidden_size": 64}),
        ("early stopping, batch 128, patience 5",
         {"max_epochs": 60, "batch_size": 128, "early_stopping": True, "n_iter_no_change": 5}),
    ]
    for label, params in settings:
        model = lstm(args, **params)
        y_pred, seconds = fit_predict(model, task)
        if params.get("early_stopping"):
            label += f": {model.n_iter_} epochs"
        row(label, scores(task, y_pred), seconds, width=52)


def section_future(args):
    panel = make_retail_panel(args.n_series, args.n_days, random_state=args.seed)
    wrong = panel.copy()
    # the promotion of the day before at row t: lead1 holds day t instead of t + 1
    wrong["promo"] = panel.groupby("series_id", sort=False)["promo"].shift(1).fillna(0)
    variants = {
        "with promo_lead1 (future covariate)": make_task(panel, window=args.window,
                                                         n_test=args.n_test),
        "without promo": make_task(panel, window=args.window, n_test=args.n_test,
                                   future=()),
        "promo shifted one day the wrong way": make_task(wrong, window=args.window,
                                                         n_test=args.n_test),
    }
    truth = variants["with promo_lead1 (future covariate)"]
    promo = truth.promo_day[truth.test]          # among the held-out rows
    print(f"\nFuture covariates on {args.n_series} series: {promo.sum()} of "
          f"{len(promo)} held-out forecasts fall on promotion days\n")
    print(f"{'inputs':40s}{'RMSE promo':>11s}{'/with':>7s}{'MAPE promo':>11s}"
          f"{'RMSE other':>11s}{'MASE':>7s}")
    base = None
    for label, task in variants.items():
        y_pred, _ = fit_predict(lstm(args), task)
        y_true = task.y[task.test]
        on = root_mean_squared_error(y_true[promo], y_pred[promo])
        mape_on = 100 * np.mean(np.abs(1 - y_pred[promo] / y_true[promo]))
        off = root_mean_squared_error(y_true[~promo], y_pred[~promo])
        base = on if base is None else base
        print(f"{label:40s}{on:11.2f}{on / base:7.2f}{mape_on:10.1f}%{off:11.2f}"
              f"{scores(task, y_pred)['mase']:7.3f}", flush=True)


def section_global(args):
    n_all = args.n_global + args.n_unseen
    panel = make_retail_panel(n_all, args.n_days, random_state=args.seed)
    task = make_task(panel, window=args.window, n_test=args.n_test)
    names = pd.unique(task.ids)
    seen = np.isin(task.ids, names[:args.n_global])
    print(f"\nOne global model over {args.n_global} series against one model per series; "
          f"{args.n_unseen} more series never seen in fit\n")
    print(f"{'model':52s}{'mean MASE':>10s}{'MAPE %':>8s}{'fit s':>9s}")

    naive = SeasonalNaiveRegressor(SEASON).fit(task.windows[:1], task.y[:1])
    y_naive = naive.predict(task.windows)
    result = scores(task, y_naive[task.test & seen], rows=task.test & seen)
    print(f"{'seasonal naive (m=7), per series':52s}{result['mase']:10.3f}"
          f"{result['mape']:8.1f}", flush=True)

    model = lstm(args)
    y_pred, seconds = fit_predict(model, task, train=task.train & seen,
                                  rows=np.ones(len(task.y), bool))
    result = scores(task, y_pred[task.test & seen], rows=task.test & seen)
    print(f"{f'global LSTMRegressor, {model.max_epochs} epochs':52s}{result['mase']:10.3f}"
          f"{result['mape']:8.1f}{seconds:9.1f}", flush=True)
    unseen = task.test & ~seen
    if args.n_unseen:
        result = scores(task, y_naive[unseen], rows=unseen)
        print(f"{f'seasonal naive, {args.n_unseen} unseen series':52s}"
              f"{result['mase']:10.3f}{result['mape']:8.1f}")
        result = scores(task, y_pred[unseen], rows=unseen)
        print(f"{f'global LSTMRegressor, {args.n_unseen} unseen series':52s}"
              f"{result['mase']:10.3f}{result['mape']:8.1f}", flush=True)

    y_local = np.full(len(task.y), np.nan)
    total = 0.0
    for series in names[:args.n_global]:
        own = task.ids == series
        model = lstm(args, max_epochs=args.local_epochs, batch_size=args.local_batch)
        y_local[own & task.test], seconds = fit_predict(
            model, task, train=own & task.train, rows=own & task.test)
        total += seconds
    result = scores(task, y_local[task.test & seen], rows=task.test & seen)
    label = (f"{args.n_global} per-series LSTMs, {args.local_epochs} epochs, "
             f"batch {args.local_batch}")
    print(f"{label:52s}{result['mase']:10.3f}{result['mape']:8.1f}{total:9.1f}",
          flush=True)


def section_missing(args):
    panel = make_retail_panel(args.n_series, args.n_days, random_state=args.seed)
    task = make_task(panel, window=args.window, n_test=args.n_test)
    gappy = make_task(panel, window=args.window, n_test=args.n_test,
                      gaps=(args.missing_fraction, args.seed + 1))
    print(f"\nMissing values: {100 * args.missing_fraction:.0f} % of the targets and "
          f"inputs NaN at random, {args.n_series} series; scored on the true values "
          "of every held-out row\n")
    print(f"{'model':52s}{'RMSE':>9s}{'ratio':>7s}{'MASE':>7s}{'finite':>8s}{'fit s':>7s}")
    y_pred, seconds = fit_predict(lstm(args), task)
    full = scores(task, y_pred)
    print(f"{'complete data, missing=raise':52s}{full['rmse']:9.2f}{1:7.2f}"
          f"{full['mase']:7.3f}{'yes':>8s}{seconds:7.1f}", flush=True)
    model = lstm(args, missing="mask")
    train = task.train
    start = time.process_time()
    model.fit(gappy.windows[train], gappy.y[train])
    seconds = time.process_time() - start
    for label, windows in [("gaps in training and test windows", gappy.windows[task.test]),
                           ("gaps in training only", task.windows[task.test])]:
        y_pred = model.predict(windows)
        result = scores(task, y_pred)
        print(f"{'missing=mask, ' + label:52s}{result['rmse']:9.2f}"
              f"{result['rmse'] / full['rmse']:7.2f}{result['mase']:7.3f}"
              f"{'yes' if np.isfinite(y_pred).all() else 'NO':>8s}{seconds:7.1f}",
              flush=True)


def section_weights(args):
    panel = make_retail_panel(args.n_series, args.n_days, random_state=args.seed)
    task = make_task(panel, window=args.window, n_test=args.n_test)
    rng = np.random.RandomState(args.seed + 2)
    # a block of 60 corrupted days in every series' training period: targets
    # recorded 5 times too high (a unit error in a data feed)
    n_train_days = int(task.day[task.train].max()) + 1
    start = rng.randint(args.window, max(n_train_days - 60, args.window + 1))
    block = task.train & (task.day >= start) & (task.day < start + 60)
    corrupted = replace(task, y=np.where(block, 5 * task.y, task.y))
    print(f"\nSample weights: {block.sum()} training targets ({100 * block.mean():.0f} % of "
          f"the rows; days {start}-{start + 59} of every series) multiplied by 5\n")
    print(f"{'training':52s}{'RMSE':>9s}{'ratio':>7s}{'MASE':>7s}{'fit s':>7s}")
    y_pred, seconds = fit_predict(lstm(args), task, train=task.train & ~block)
    clean = scores(task, y_pred)
    print(f"{'without the block (rows dropped)':52s}{clean['rmse']:9.2f}{1:7.2f}"
          f"{clean['mase']:7.3f}{seconds:7.1f}", flush=True)
    for label, weight in [("corrupted block, weight 0", np.where(block, 0.0, 1.0)),
                          ("corrupted block, weight 1", None)]:
        y_pred, seconds = fit_predict(lstm(args), corrupted,
                                      sample_weight=None if weight is None
                                      else weight[task.train])
        result = scores(task, y_pred)
        print(f"{label:52s}{result['rmse']:9.2f}{result['rmse'] / clean['rmse']:7.2f}"
              f"{result['mase']:7.3f}{seconds:7.1f}", flush=True)


def peak_rss_mib():
    """Peak resident memory of this process so far (``getrusage``; KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def section_scale(args):
    print(f"\nScale: one global model over {args.n_scale} series x {args.n_days} days, "
          f"{args.scale_epochs} epoch(s), batch {args.scale_batch}; memory from "
          "getrusage(RUSAGE_SELF).ru_maxrss (peak RSS of this process, which runs "
          "this section alone) and /proc/self/status VmRSS\n", flush=True)
    start = time.perf_counter()
    panel = make_retail_panel(args.n_scale, args.n_days, random_state=args.seed)
    task = make_task(panel, window=args.window, n_test=args.n_test)
    n_train, n_test = task.train.sum(), task.test.sum()
    print(f"data: {len(panel):,} table rows, {n_train:,} training windows of "
          f"{task.windows.shape[1:]} ({task.windows.nbytes / 2**20:.0f} MiB float32), "
          f"built in {time.perf_counter() - start:.1f} s; RSS {current_rss_mib():.0f} MiB, "
          f"peak {peak_rss_mib():.0f} MiB", flush=True)
    model = lstm(args, max_epochs=args.scale_epochs, batch_size=args.scale_batch)
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(task.windows[task.train], task.y[task.train])
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    durations = list(model.history_[:, "dur"])
    print(f"fit: {seconds:.1f} s wall, {cpu:.1f} s CPU in all; "
          f"{cpu / args.scale_epochs:.1f} CPU s per epoch (skorch's wall-clock epoch "
          f"durations: {', '.join(f'{d:.1f}' for d in durations)}); "
          f"peak RSS {peak_rss_mib():.0f} MiB", flush=True)
    windows = task.windows[task.test]
    start, cpu = time.perf_counter(), time.process_time()
    y_pred = model.predict(windows)
    seconds, wall = time.process_time() - cpu, time.perf_counter() - start
    result = scores(task, y_pred)
    print(f"predict: {n_test:,} windows in {seconds:.2f} CPU s "
          f"({wall:.2f} s wall), {n_test / seconds:,.0f} "
          f"predictions per CPU second; peak RSS {peak_rss_mib():.0f} MiB; held-out MASE "
          f"{result['mase']:.3f}, MAPE {result['mape']:.1f} %", flush=True)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", nargs="+", choices=SECTIONS, default=SECTIONS)
    parser.add_argument("--n-series", type=int, default=40,
                        help="series of the norm, future, missing and weights panels")
    parser.add_argument("--n-days", type=int, default=730)
    parser.add_argument("--window", type=int, default=28)
    parser.add_argument("--n-test", type=int, default=60, help="held-out days per series")
    parser.add_argument("--hidden-size", type=int, default=None,
                        help="hidden_size of every LSTM (default: the estimator's, 32)")
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs of the LSTMs (default {BEST['max_epochs']}); the "
                             "training-settings rows of section norm, the per-series "
                             "models and section scale set their own")
    parser.add_argument("--n-global", type=int, default=200)
    parser.add_argument("--n-unseen", type=int, default=20)
    parser.add_argument("--local-epochs", type=int, default=20,
                        help="epochs of each per-series model of section global")
    parser.add_argument("--local-batch", type=int, default=32,
                        help="batch size of each per-series model of section global")
    parser.add_argument("--missing-fraction", type=float, default=0.1)
    parser.add_argument("--n-scale", type=int, default=1000)
    parser.add_argument("--scale-epochs", type=int, default=2)
    parser.add_argument("--scale-batch", type=int, default=BEST["batch_size"])
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the panels and of every model's random_state")
    parser.add_argument("--norm-seeds", type=int, nargs="+", default=[0, 1, 2],
                        help="random_state of the models of the window_norm table")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(1)
    for name in SECTIONS:
        if name not in args.sections:
            continue
        if name == "scale" and len(args.sections) > 1:
            # a process of its own, so that its peak memory is its own
            command = [sys.executable, __file__, "--sections", "scale"]
            for option in ["n_days", "window", "n_test", "n_scale", "scale_epochs",
                           "scale_batch", "seed"]:
                command += [f"--{option.replace('_', '-')}", str(getattr(args, option))]
            subprocess.run(command, check=True)
            continue
        globals()[f"section_{name}"](args)


if __name__ == "__main__":
    main()
