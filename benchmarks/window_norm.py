"""Per-window normalisation on bundled real series: hold-out RMSE per mode.

1-step-ahead forecasts, ``LSTMRegressor`` (hidden 32, up to 100 epochs,
random_state 0), the last ``n_test`` points held out in time order, test
windows built with their real history. "global z-score" standardises the
inputs over the training period (a StandardScaler before the Windower).

    python benchmarks/window_norm.py
"""

import torch
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_series

SERIES = [  # dataset, column, window, held-out points
    ("macrodata", "realgdp", 12, 40),
    ("macrodata", "cpi", 12, 40),
    ("elec_equip", "index", 24, 48),
    ("sunspots", "sunactivity", 20, 60),
]
SETTINGS = {
    "global z-score": dict(scale=True, window_norm=None),
    "standard": dict(scale=False, window_norm="standard"),
    "mean": dict(scale=False, window_norm="mean"),
    "last": dict(scale=False, window_norm="last"),
}


def holdout_rmse(X, y, window, n_test, *, scale, window_norm):
    steps = [("win", Windower(window=window)),
             ("m", LSTMRegressor(window_norm=window_norm, max_epochs=100, random_state=0))]
    if scale:
        steps.insert(0, ("scale", StandardScaler()))
    pipe = Pipeline(steps).fit(X[:-n_test], y[:-n_test])
    windows = pipe[:-1].transform(X)[-n_test:]
    return mean_squared_error(y[-n_test:], pipe[-1].predict(windows)) ** 0.5


def main():
    torch.set_num_threads(1)
    header = f"{'series':22s} {'naive':>8s}" + "".join(f"{k:>16s}" for k in SETTINGS)
    print(header)
    for name, column, window, n_test in SERIES:
        X, y = forecast_xy(load_series(name)[column], horizon=1)
        naive = mean_squared_error(y[-n_test:], X.iloc[-n_test:, 0]) ** 0.5
        cells = [holdout_rmse(X, y, window, n_test, **kw) for kw in SETTINGS.values()]
        print(f"{name + ':' + column:22s} {naive:8.3g}" + "".join(f"{c:16.3g}" for c in cells),
              flush=True)
    print("(RMSE on the held-out points; lower is better)")


if __name__ == "__main__":
    main()
