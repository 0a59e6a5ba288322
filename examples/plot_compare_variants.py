"""
Comparing the recurrent variants on yearly sunspots
===================================================

Eight regressors -- :class:`~sklstm.LSTMRegressor`,
:class:`~sklstm.GRURegressor`, :class:`~sklstm.BiLSTMRegressor`,
:class:`~sklstm.StackedLSTMRegressor`, :class:`~sklstm.PeepholeLSTMRegressor`,
:class:`~sklstm.CIFGLSTMRegressor`, :class:`~sklstm.NestedLSTMRegressor` and
:class:`~sklstm.HighwayLSTMRegressor` -- forecast next year's sunspot number
(bundled ``sunspots``, NOAA NGDC) from the last 22 years, and are scored on
the last 60 years, held out in time order. The last-value naive forecast
(:class:`~sklstm.LastValueRegressor`) is the baseline every model has to
beat, and ridge regression on the same lags
(:class:`~sklstm.baselines.RidgeLagsRegressor`) is the cheap model a
recurrent one has to beat to be worth its cost.

Every variant gets the same small budget (hidden 32, batch 64, at most 60
epochs, one seed), so the bars show how the variants behave *at equal
settings* on one short series, not a tuned ranking: for that, cross-validate
with ``sklstm compare`` or ``GridSearchCV``.
"""

# %%
# Data: one window per row, hold-out at the end
# ---------------------------------------------
# :func:`~sklstm.forecast_xy` pairs the value at year ``t`` with the value at
# ``t + 1``; :class:`~sklstm.Windower` turns each row into the 22 years that
# end at ``t``. The test windows are cut from the windowed *whole* series, so
# that they carry their real history instead of padding.
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import mean_squared_error

from sklstm import (
    BiLSTMRegressor,
    CIFGLSTMRegressor,
    GRURegressor,
    HighwayLSTMRegressor,
    LastValueRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    StackedLSTMRegressor,
    Windower,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import load_sunspots

X, y = forecast_xy(load_sunspots(), horizon=1)   # X: value at t, y: value at t + 1
window, n_test = 22, 60
windows = Windower(window=window).fit_transform(X)   # (n_samples, 22, 1)
y = y.to_numpy().ravel()
W_train, W_test = windows[:-n_test], windows[-n_test:]
y_train, y_test = y[:-n_test], y[-n_test:]
print(f"{len(W_train)} training windows, {len(W_test)} test windows of {window} years")


def rmse(a, b):
    return mean_squared_error(a, b) ** 0.5


# %%
# Fit every variant with the same settings
# ----------------------------------------
# ``window_norm="last"`` expresses each window relative to its last value (the
# setting ``sklstm compare`` uses); the target is mapped back in ``predict``.
# Models this small train faster on one torch thread than on several.
torch.set_num_threads(1)
common = dict(hidden_size=32, batch_size=64, max_epochs=60, window_norm="last",
              random_state=0)
variants = {
    "LSTM": LSTMRegressor(**common),
    "GRU": GRURegressor(**common),
    "BiLSTM": BiLSTMRegressor(**common),
    "Stacked": StackedLSTMRegressor(**common),
    "Peephole": PeepholeLSTMRegressor(**common),
    "CIFG": CIFGLSTMRegressor(**common),
    "Nested": NestedLSTMRegressor(**common),
    "Highway": HighwayLSTMRegressor(**common),
}
scores, seconds, curves = {}, {}, {}
for name, model in variants.items():
    start = time.perf_counter()
    model.fit(W_train, y_train)
    seconds[name] = time.perf_counter() - start
    scores[name] = rmse(y_test, model.predict(W_test))
    curves[name] = model.history_[:, "train_loss"]      # one entry per epoch
    print(f"{name:9s} hold-out RMSE {scores[name]:6.1f}   "
          f"{model.n_iter_:3d} epochs in {seconds[name]:5.1f} s")
# The baselines read the same windows: the last value of each window, and a
# ridge regression on its 22 lags (the cheapest learned model).
naive = rmse(y_test, LastValueRegressor().fit(W_train, y_train).predict(W_test))
ridge = rmse(y_test, RidgeLagsRegressor().fit(W_train, y_train).predict(W_test))
print(f"{'naive':9s} hold-out RMSE {naive:6.1f}")
print(f"{'ridge':9s} hold-out RMSE {ridge:6.1f}")

# %%
# Hold-out RMSE and learning curves
# ---------------------------------
# Left: the error of each variant on the 60 held-out years (lower is better;
# grey bars are the baselines, the dashed line is the naive forecast). Right:
# the training loss per epoch, read from each model's ``history_`` (skorch's
# history; ``loss_curve_`` holds the same numbers). Training stops early once
# the loss stops improving by ``tol`` for ``n_iter_no_change`` epochs.
order = sorted(scores, key=scores.get)
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[1.3, 1])
bars = ax1.barh(order + ["ridge on lags", "naive"], [scores[n] for n in order] + [ridge, naive],
                color=["C0"] * len(order) + ["0.6", "0.6"])
ax1.bar_label(bars, fmt="%.1f", padding=2, fontsize=8)
ax1.axvline(naive, color="0.3", ls="--", lw=0.8)
ax1.set_xlim(0, naive * 1.12)
ax1.invert_yaxis()
ax1.set_xlabel("hold-out RMSE (sunspot number), last 60 years")
ax1.set_title("1-year-ahead forecasts, equal settings")
for i, name in enumerate(variants):
    ax2.plot(np.arange(1, len(curves[name]) + 1), curves[name], color=f"C{i}", label=name)
ax2.set_yscale("log")
ax2.set_xlabel("epoch")
ax2.set_ylabel("training loss (standardised MSE)")
ax2.set_title("learning curves from history_")
ax2.legend(fontsize=7, ncol=2)
fig.tight_layout()
fig.savefig("compare_variants.png", dpi=110)
