"""Which ``window_norm`` should be the default? Every bundled series, every fused variant.

The mission pipeline, ``Pipeline([("win", Windower()), ("m", Model(window_norm=mode))])``
at default parameters otherwise, forecasts one step ahead; the last ``--n-test``
points of each bundled series (its default column, as ``sklstm compare --data
NAME`` uses it) are held out in time order, and the test windows carry their
real history. Each cell is the hold-out RMSE divided by the last-value naive
forecast's (below 1 beats it), the median over ``--seeds`` seeds; the worst
seed is in brackets. ``"auto"`` is the default: the column says which mode it
resolved to on each series. Baseline rows (seasonal naive, window mean, ridge
on lags) use the same windows.

    python benchmarks/defaults.py                 # 3 seeds, about 10 minutes on 2 cores
    python benchmarks/defaults.py --seeds 1 --variants lstm --modes auto None last
    python benchmarks/defaults.py --variants lstm --modes auto --set lr=0.001 \
        --set weight_decay=0.001
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import (
    BiLSTMRegressor,
    GRURegressor,
    LSTMRegressor,
    StackedLSTMRegressor,
    Windower,
    forecast_xy,
)
from sklstm.baselines import (
    LastValueRegressor,
    RidgeLagsRegressor,
    SeasonalNaiveRegressor,
    WindowMeanRegressor,
)
from sklstm.datasets import DATASETS, load_series

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _real_data import parse_set  # noqa: E402

VARIANTS = {"lstm": LSTMRegressor, "gru": GRURegressor, "bilstm": BiLSTMRegressor,
            "stacked": StackedLSTMRegressor}
MODES = ["auto", None, "last", "mean", "standard", "relative", "level"]


def holdout(model, X, y, n_test):
    """Hold-out RMSE of ``Windower() -> model`` fitted on all but the last n_test rows."""
    pipe = Pipeline([("win", Windower()), ("m", model)]).fit(X[:-n_test], y[:-n_test])
    windows = pipe[:-1].transform(X)[-n_test:]
    return root_mean_squared_error(y[-n_test:], pipe[-1].predict(windows)), pipe[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-test", type=int, default=48)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--data", nargs="+", default=list(DATASETS), choices=DATASETS)
    parser.add_argument("--modes", nargs="+", default=[str(m) for m in MODES],
                        choices=[str(m) for m in MODES])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="set a model parameter for every variant (repeatable), "
                             "e.g. --set lr=0.001")
    args = parser.parse_args(argv)
    params = parse_set(args.set)
    torch.set_num_threads(1)
    start = time.perf_counter()
    rows = {}
    resolved = {}
    for name in args.data:
        column, season = DATASETS[name]
        series = load_series(name)[column].astype(np.float64)
        X, y = forecast_xy(series.to_numpy())
        y = y.ravel()
        naive, _ = holdout(LastValueRegressor(), X, y, args.n_test)
        baselines = {"last value (naive)": LastValueRegressor(),
                     "window mean": WindowMeanRegressor(),
                     "ridge on lags": RidgeLagsRegressor()}
        if season > 1:
            baselines[f"seasonal naive (m={season})"] = SeasonalNaiveRegressor(
                season_length=season)
        for label, model in baselines.items():
            rows.setdefault(label, {})[name] = [holdout(model, X, y, args.n_test)[0] / naive]
        for variant in args.variants:
            for mode in [None if m == "None" else m for m in args.modes]:
                ratios = []
                for seed in range(args.seeds):
                    model = VARIANTS[variant](window_norm=mode, random_state=seed, **params)
                    score, fitted = holdout(model, X, y, args.n_test)
                    ratios.append(score / naive)
                    if mode == "auto":
                        resolved[name] = fitted.window_norm_
                rows.setdefault(f"{variant} {mode}", {})[name] = ratios
            print(f"  {name}: {variant} done ({time.perf_counter() - start:.0f} s)",
                  flush=True)
    names = args.data
    header = f"{'model / window_norm':24s}" + "".join(f"{n:>20s}" for n in names)
    print("\nhold-out RMSE / last-value naive RMSE (median [worst] over seeds)")
    print(header)
    print(f"{'auto resolves to':24s}" + "".join(f"{str(resolved.get(n)):>20s}" for n in names))
    for label, cells in rows.items():
        line = f"{label:24s}"
        for n in names:
            values = cells.get(n)
            if values is None:
                line += f"{'':>20s}"
            elif len(values) == 1:
                line += f"{values[0]:>20.3f}"
            else:
                line += f"{np.median(values):>12.3f} [{max(values):.3f}]"
        print(line)
    settings = " ".join(f"{key}={value!r}" for key, value in params.items())
    print(f"\n{args.seeds} seed(s), {settings or 'default parameters'}, "
          f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
