"""
Forecasting a solar cycle ahead in one shot: multi-output targets
=================================================================

:func:`sklstm.forecast_xy` with ``horizon=11`` pairs each year of the bundled
``sunspots`` series (yearly sunspot number, NOAA NGDC) with the *next eleven*
years, about one solar cycle. A single :class:`sklstm.GRURegressor` learns
all eleven outputs at once (a direct multi-output forecast: no prediction is
fed back as an input), and ``predict`` returns one row of eleven values per
forecast origin, the shape ``y`` had.

The error at each step ahead is compared with three baselines on the same
windows: the last value (:class:`sklstm.LastValueRegressor`), the value one
cycle (11 years) before each target (:class:`sklstm.SeasonalNaiveRegressor`),
and ridge regression on the lags (:class:`sklstm.baselines.RidgeLagsRegressor`).
"""

# %%
# Inputs and eleven-column targets
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import (
    GRURegressor,
    LastValueRegressor,
    SeasonalNaiveRegressor,
    Windower,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import load_sunspots

torch.set_num_threads(1)         # a small model trains fastest on one thread
series = load_sunspots()
horizon, window, n_test = 11, 22, 60
X, y = forecast_xy(series, horizon=horizon)   # y[t] = series[t+1 .. t+11]
print("X", X.shape, " y", y.shape)
print("target columns:", ", ".join(y.columns[:2]), "...", y.columns[-1])

# %%
# Fit, leaving a gap before the last 60 forecast origins
# ------------------------------------------------------
# Row ``t`` of ``y`` holds values up to ``t + 11``: the targets of the last
# training rows would reach into the test period, so ``horizon`` rows are
# left out between training and test. The test windows are cut from the
# windowed whole series so that each one carries its real history.
pipe = Pipeline([
    ("win", Windower(window=window)),
    ("m", GRURegressor(hidden_size=32, max_epochs=150, window_norm="last",
                       random_state=0)),
])
train = slice(None, -n_test - horizon)
pipe.fit(X[train], y[train])
windows = pipe[:-1].transform(X)[-n_test:]
pred = pipe[-1].predict(windows)                  # (60, 11), like y
y_test = y.to_numpy()[-n_test:]
print("predictions", pred.shape)

# %%
# Error per step ahead
# --------------------
# The baselines read the same windows and are fitted on the same rows: the
# last value ``series[t]`` for every step, the value one cycle before the
# target, ``series[t + k - 11]`` for step ``k``, and a ridge regression of
# each step on the 22 lags.
values = series.to_numpy()
origins = np.arange(len(X) - n_test, len(X))      # row t of X is series[t]
steps = np.arange(1, horizon + 1)
train_windows = pipe[:-1].transform(X)[train]
baselines = {
    "last value": LastValueRegressor(),
    "one cycle earlier": SeasonalNaiveRegressor(season_length=11),
    "ridge on lags": RidgeLagsRegressor(),
}
baselines = {name: est.fit(train_windows, y[train]).predict(windows)
             for name, est in baselines.items()}


def rmse_per_step(pred):
    return mean_squared_error(y_test, pred, multioutput="raw_values") ** 0.5


errors = {"GRU": rmse_per_step(pred)}
errors.update({name: rmse_per_step(p) for name, p in baselines.items()})
print("hold-out RMSE per step ahead (years 1, 2, 3, 6, 11):")
for name, err in errors.items():
    print(f"  {name:18s}" + "".join(f"{err[k - 1]:7.1f}" for k in (1, 2, 3, 6, 11)))

# %%
# Forecast paths and per-step error
# ---------------------------------
# Left: the eleven-year forecasts made from every tenth origin of the
# hold-out. Right: the error at each step ahead. The model is far ahead of
# the naive baselines one and two years out; further out, repeating the
# previous cycle does better: one model for all steps is no promise of skill
# at every step, and the per-step error says where it ends.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[2, 1])
dates = series.index
ax1.plot(dates[-n_test - 30:], values[-n_test - 30:], color="0.55", label="observed")
for j, i in enumerate(range(0, n_test, 10)):
    t = origins[i]
    ax1.plot(dates[t + 1:t + 1 + horizon], pred[i], color=f"C{j}", lw=2)
    ax1.plot(dates[t], values[t], "o", color=f"C{j}", ms=4)
ax1.axvline(dates[origins[0]], color="k", lw=0.8)
ax1.set_title("11-year GRU forecasts from six origins (dots)")
ax1.legend(loc="upper left", fontsize=8)
for (name, err), style in zip(errors.items(), ["o-", "s--", "^:", "d-."]):
    ax2.plot(steps, err, style, label=name)
ax2.set_xlabel("years ahead")
ax2.set_ylabel("hold-out RMSE (sunspot number)")
ax2.set_title("error per step ahead")
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig("multistep_horizon.png", dpi=110)
