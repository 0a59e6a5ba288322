"""Trending series: hold-out RMSE with and without per-window normalisation.

1-step-ahead forecasts, the last ``n_test`` points held out in time order, test
windows built with their real history, hidden 32, up to 100 epochs,
random_state 0, one torch thread. "global z-score" is the usual recipe without
``window_norm``: a StandardScaler, fitted on the training period, before the
Windower.

Part 1: every variant on US real GDP (quarterly, bundled ``macrodata``), with
the baselines of ``sklstm.baselines`` on the same windows: last value,
seasonal naive and ridge regression on the lags. Part 2: LSTMRegressor on the
other bundled series, every ``window_norm`` mode, against the last value and
the ridge on lags.

    python benchmarks/trend.py
"""

import torch
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    BiLSTMRegressor,
    GRURegressor,
    LastValueRegressor,
    LSTMRegressor,
    SeasonalNaiveRegressor,
    StackedLSTMRegressor,
    Windower,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import DATASETS, load_series

VARIANTS = [LSTMRegressor, GRURegressor, BiLSTMRegressor, StackedLSTMRegressor]
SETTINGS = {  # name -> (scale inputs globally, window_norm)
    "global z-score": (True, None),
    "standard": (False, "standard"),
    "mean": (False, "mean"),
    "last": (False, "last"),
}
OTHER_SERIES = [  # dataset, column, window, held-out points
    ("macrodata", "cpi", 12, 40),
    ("macrodata", "pop", 12, 40),
    ("elec_equip", "index", 24, 48),
    ("sunspots", "sunactivity", 20, 60),
]


def rmse(a, b):
    return mean_squared_error(a, b) ** 0.5


def pipeline_rmse(steps, X, y, n_test):
    """Hold-out RMSE of a Windower pipeline; test windows keep their real history."""
    pipe = Pipeline(steps).fit(X[:-n_test], y[:-n_test])
    windows = pipe[:-1].transform(X)[-n_test:]
    return rmse(y[-n_test:], pipe[-1].predict(windows))


def holdout_rmse(cls, X, y, window, n_test, setting):
    scale, window_norm = SETTINGS[setting]
    steps = [("win", Windower(window=window)),
             ("m", cls(window_norm=window_norm, target_channel=0, max_epochs=100,
                       random_state=0))]
    if scale:
        steps.insert(0, ("scale", StandardScaler()))
    return pipeline_rmse(steps, X, y, n_test)


def baseline_rmse(estimator, X, y, window, n_test):
    return pipeline_rmse([("win", Windower(window=window)), ("m", estimator)], X, y, n_test)


def main():
    torch.set_num_threads(1)
    series = load_series("macrodata")["realgdp"]
    window, n_test, season = 12, 40, DATASETS["macrodata"][1]
    X, y = forecast_xy(series, horizon=1)
    baselines = {"naive (last value)": LastValueRegressor(),
                 f"seasonal naive (m={season})": SeasonalNaiveRegressor(season),
                 "ridge on lags": RidgeLagsRegressor()}
    print(f"US real GDP, quarterly: window {window}, last {n_test} quarters held out\n")
    print(f"{'model':38s}{'hold-out RMSE':>14s}")
    for name, estimator in baselines.items():
        print(f"{name:38s}{baseline_rmse(estimator, X, y, window, n_test):14.1f}")
    for cls in VARIANTS:
        for setting in ["global z-score", "standard", "last"]:
            score = holdout_rmse(cls, X, y, window, n_test, setting)
            print(f"{cls.__name__ + ', ' + setting:38s}{score:14.1f}", flush=True)

    print("\nLSTMRegressor on other bundled series (hold-out RMSE)\n")
    print(f"{'series':22s}{'naive':>8s}{'ridge on lags':>16s}"
          + "".join(f"{k:>16s}" for k in SETTINGS))
    for name, column, window, n_test in OTHER_SERIES:
        X, y = forecast_xy(load_series(name)[column], horizon=1)
        naive = baseline_rmse(LastValueRegressor(), X, y, window, n_test)
        ridge = baseline_rmse(RidgeLagsRegressor(), X, y, window, n_test)
        cells = [holdout_rmse(LSTMRegressor, X, y, window, n_test, s) for s in SETTINGS]
        print(f"{name + ':' + column:22s}{naive:8.3g}{ridge:16.3g}"
              + "".join(f"{c:16.3g}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
