r"""
Calibration of conformal intervals
==================================

``conformal=True`` gives any :class:`sklstm.LSTMRegressor` prediction
intervals, even one trained with the squared error: ``fit`` trains on the
first rows and keeps the last ``calibration_fraction`` of them (in time
order) to *calibrate*, measuring how far the forecasts miss there;
``predict_interval(X, coverage)`` then widens each point forecast by the
margin that held a share ``coverage`` of those misses (split conformal
prediction). One fit serves every coverage.

An interval is *calibrated* when its nominal coverage is what it delivers on
new data: a 90% interval should hold about 90% of the targets. This example
measures that on the bundled ``sunspots`` series, one year ahead, over four
:class:`~sklearn.model_selection.TimeSeriesSplit` folds, for six nominal
coverages, and for three ways of building the interval:

- ``conformal=True`` (the same as ``"scaled"``): the conformity score of a
  calibration row is its absolute residual divided by the standard deviation
  of the series over the row's input window, :math:`|y - \hat y| /
  \sigma_x`. The margin :math:`\hat s` is a quantile of these scaled scores,
  and each new interval is :math:`\hat y \pm \hat s\,\sigma_x`, with the
  :math:`\sigma_x` of its own window: wide where the series has been
  volatile, narrow where it has been quiet.
- ``conformal="absolute"``: the plain absolute residuals
  :math:`|y - \hat y|`, one width for every window.
- :class:`sklstm.LastValueRegressor`, the naive forecast, whose intervals
  are the empirical quantiles of its own in-sample residuals, also one width
  for every window.
"""

# %%
# Folds, windows with real history, and three interval models
# -----------------------------------------------------------
# ``TimeSeriesSplit`` splits the rows of ``forecast_xy``; each model is
# fitted once per fold, on the fold's training rows, and the test windows are
# cut from the windowed whole series (``pipe[:-1].transform(X)[test]``), so
# that a test window starts with the years before the fold rather than with
# padding. ``calibration_fraction=0.3`` keeps at least 19 calibration rows in
# the smallest fold: with fewer, a 95% conformal interval is infinite
# (:math:`\lceil (n + 1) \cdot 0.95 \rceil` must not exceed :math:`n`).
import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline

from sklstm import LastValueRegressor, LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_sunspots
from sklstm.metrics import interval_coverage, interval_width

torch.set_num_threads(1)         # a small model trains fastest on one thread
series = load_sunspots()
X, y = forecast_xy(series, horizon=1)         # y[t] = series[t + 1]
y = y.to_numpy().ravel()
window = 22
coverages = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95)


def windowed(model):
    return Pipeline([("win", Windower(window=window)), ("m", model)])


def conformal_lstm(scores):
    return windowed(LSTMRegressor(conformal=scores, calibration_fraction=0.3,
                                  window_norm="last", max_epochs=100,
                                  random_state=0))


methods = {
    "LSTM, scaled conformal": conformal_lstm(True),
    "LSTM, absolute conformal": conformal_lstm("absolute"),
    "last value, in-sample residuals": windowed(LastValueRegressor()),
}

coverage = {name: np.zeros((4, len(coverages))) for name in methods}
width = {name: np.zeros((4, len(coverages))) for name in methods}
start = time.perf_counter()
for fold, (train, test) in enumerate(TimeSeriesSplit(n_splits=4).split(X)):
    for name, template in methods.items():
        pipe = clone(template).fit(X.iloc[train], y[train])
        windows = pipe[:-1].transform(X)[test]
        for j, c in enumerate(coverages):
            interval = pipe[-1].predict_interval(windows, coverage=c)
            coverage[name][fold, j] = interval_coverage(y[test], interval)
            width[name][fold, j] = interval_width(interval)
print(f"12 fits and 72 interval forecasts in {time.perf_counter() - start:.1f} s")

# %%
# Nominal against empirical coverage
# ----------------------------------
# The empirical coverage is averaged over the four test folds (about 61
# years each); the width is the mean interval width, in sunspot numbers.
# The per-fold coverage of the 80% interval follows: the last fold tests on
# 1947 to 2007.
print("empirical coverage (mean over folds)")
print(f"{'nominal':32s}" + "".join(f"{c:6.2f}" for c in coverages))
for name in methods:
    print(f"{name:32s}" + "".join(f"{v:6.2f}" for v in coverage[name].mean(axis=0)))
print("mean interval width")
for name in methods:
    print(f"{name:32s}" + "".join(f"{v:6.1f}" for v in width[name].mean(axis=0)))
print("coverage of the 80% interval, folds 1 to 4")
for name in methods:
    print(f"{name:32s}" + "".join(f"{v:6.2f}" for v in coverage[name][:, coverages.index(0.8)]))

# %%
# Why the plain residuals fall short
# ----------------------------------
# The amplitude of the solar cycle changes from one cycle to the next: some
# peak below 50, others above 150. Each fold calibrates on the last 30% of
# its training years and is tested on the decades after them, so the
# calibration and test stretches need not be alike. The last fold shows
# it: its calibration years (1873 to 1946) hold middling cycles, its test
# years four of the five loudest cycles of the record. Absolute residuals
# from the quieter stretch are too small for the loud one, whose misses are
# larger, and a margin of one width for every window covers much less than
# it promises there: 64% for a nominal 80%. Averaged over the folds the
# shortfall shrinks to a few points, as the other folds come close to
# nominal, above it or below; but a forecast is made in one fold at a time.
#
# The scaled scores divide each miss by the spread of its window, and the
# margin is multiplied back by the spread of the new window, so the
# intervals after a loud stretch come out wide, and in the last fold the
# scaled intervals do not fall short. They err on the wide side, though:
# at 90% and 95% they cover more than nominal and are 30 to 40% wider than
# the absolute intervals, and in the last fold they overshoot, so there the
# one-year misses grew with the windows' spread, but less than in
# proportion. The naive forecast's in-sample residuals have no calibration
# rows behind them: its intervals are the widest up to 80%, yet they fall
# short at every level, most in the last fold.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
ax1.plot([0.45, 1.0], [0.45, 1.0], color="0.6", ls="--", lw=1, label="calibrated")
for (name, cov), style in zip(coverage.items(), ["o-", "s-", "^:"]):
    ax1.plot(coverages, cov.mean(axis=0), style, label=name)
    ax2.plot(coverages, width[name].mean(axis=0), style, label=name)
ax1.set_xlabel("nominal coverage")
ax1.set_ylabel("empirical coverage (mean over 4 folds)")
ax1.set_title("calibration, one year ahead")
ax1.legend(fontsize=8)
ax2.set_xlabel("nominal coverage")
ax2.set_ylabel("mean interval width (sunspot number)")
ax2.set_title("sharpness")
fig.tight_layout()
fig.savefig("interval_calibration.png", dpi=110)
