"""CPU time and accuracy of RidgeLagsRegressor on a day-ahead half-hourly problem.

A synthetic demand series, half-hourly, with two future covariates known a
day ahead (a temperature forecast and a working-day flag), is turned into the
windows a user gets from::

    X, y = forecast_xy(frame, horizon=48, target="demand", time="time",
                       future_covariates=["Temperature", "WorkDay"])
    Xw = Windower(window=96, leads="keep").fit_transform(X)

that is 97 channels (the demand and 2 x 48 leads) at each of 96 steps: 9,312
lags per window and 48 outputs. The ridge is fitted on ``--train`` windows
(16,000 by default) and scored on the next four weeks (every row, all 48
steps). Printed, in one run: CPU seconds of ``fit`` (``time.process_time``,
all threads of this process) and test RMSE of

- **old**: the solver RidgeLagsRegressor used before, the lag matrix built
  whole, ``StandardScaler`` and ``RidgeCV(alpha_per_target=True)`` (efficient
  leave-one-out by scikit-learn's SVD or eigendecomposition of the whole
  matrix). It is slow, so it runs on ``--old-train`` windows (the last ones
  before the test weeks; 0 or ``--skip-old`` skips it), and the new solver is
  run on the same windows beside it;
- **new, one alpha per output** (the default) and **new, shared alpha**
  (``alpha_per_output=False``), on ``--train`` windows;
- the daily seasonal naive forecast, for scale.

    OMP_NUM_THREADS=1 python benchmarks/ridge_scale.py [--train 16000]
        [--old-train 4000] [--skip-old] [--seed 0]

Measured on a 2-core machine shared with other work (load average 10-13),
OMP_NUM_THREADS=1, seed 0; fit CPU seconds, test RMSE:

=================================  ======  =========  =========
model                              train   fit CPU s  test RMSE
=================================  ======  =========  =========
seasonal naive (one day)           16,000  0          3.3436
old: StandardScaler + RidgeCV      4,000   20.6       0.8655
new ("range"), same windows        4,000   4.1        0.8655
old: StandardScaler + RidgeCV      8,000   135.9      1.2722
new ("range"), same windows        8,000   7.5        1.2722
new, one alpha per output          16,000  14.5       1.0849
new, shared alpha                  16,000  13.6       1.0848
=================================  ======  =========  =========

(the 8,000-window rows come from ``--train 8000 --old-train 8000``; the old
solver on 16,000 windows took 801 CPU s on real data of this shape). On the
same windows the old and new solvers choose the same alphas and their
forecasts differ by at most 1.5e-10. The fit's peak resident memory grows by
360 MiB, against 1,149 MiB for the flat lag matrix alone. More training
windows score worse here because the demand responds to temperature in a V
(heating and cooling), which the last few weeks before the test see as a line.
"""

import argparse
import os
import time

import numpy as np
import pandas as pd
from sklearn.linear_model import RidgeCV
from sklearn.metrics import root_mean_squared_error
from sklearn.preprocessing import StandardScaler

from sklstm import SeasonalNaiveRegressor, Windower, forecast_xy
from sklstm.baselines import RidgeLagsRegressor

WINDOW = 96          # two days of half-hours
HORIZON = 48         # the next day
DAY = 48
TEST_DAYS = 28
ALPHAS = (1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3)


def demand_frame(n_rows, seed=0):
    """Half-hourly demand with temperature and working days; a long table."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_rows)
    day = t // DAY
    phase = 2 * np.pi * (t % DAY) / DAY
    workday = ((day % 7) < 5).astype(float)
    workday[rng.random(n_rows // DAY + 1)[day] < 0.03] = 0.0          # holidays
    weather = np.zeros(n_rows)
    for i in range(1, n_rows):                                          # slow AR(1) weather
        weather[i] = 0.995 * weather[i - 1] + 0.15 * rng.standard_normal()
    temperature = (12 - 8 * np.cos(2 * np.pi * t / (365 * DAY)) - 4 * np.cos(phase)
                   + weather)
    profile = 1 - np.cos(phase) + 0.5 * np.sin(2 * phase)
    noise = np.zeros(n_rows)
    shocks = rng.standard_normal(n_rows)
    for i in range(1, n_rows):
        noise[i] = 0.9 * noise[i - 1] + 0.3 * shocks[i]
    demand = (30 + (4 + 3 * workday) * profile + 0.8 * np.abs(temperature - 16)
              + 2 * workday + noise)
    return pd.DataFrame({"time": t, "demand": demand, "Temperature": temperature,
                         "WorkDay": workday})


def old_fit_predict(X_train, y_train, X_test):
    """The solver RidgeLagsRegressor used before: whole lag matrix, StandardScaler, RidgeCV."""
    def features(X):
        loc = X[:, -1, :]
        return np.hstack([(X - loc[:, np.newaxis, :]).reshape(len(X), -1), loc]), loc[:, 0]

    start = time.process_time()
    Z, loc = features(X_train)
    scaler = StandardScaler().fit(Z)
    ridge = RidgeCV(alphas=np.asarray(ALPHAS), alpha_per_target=True)
    ridge.fit(scaler.transform(Z), y_train - loc[:, np.newaxis])
    seconds = time.process_time() - start
    Z, loc = features(X_test)
    return ridge.predict(scaler.transform(Z)) + loc[:, np.newaxis], seconds, ridge.alpha_


def timed_fit(estimator, X, y):
    start = time.process_time()
    estimator.fit(X, y)
    return time.process_time() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=16000)
    parser.add_argument("--old-train", type=int, default=4000)
    parser.add_argument("--skip-old", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    n_test = TEST_DAYS * DAY
    frame = demand_frame(WINDOW - 1 + args.train + n_test + HORIZON, seed=args.seed)
    X, y = forecast_xy(frame, horizon=HORIZON, target="demand", time="time",
                       future_covariates=["Temperature", "WorkDay"])
    # the leads kept as channels at every step, the widest layout (the default,
    # leads="fold", gives (n, 96 + 48, 4) windows: 96 x 4 lags and 48 x 2 values
    # known ahead)
    Xw = Windower(window=WINDOW, leads="keep").fit_transform(X)   # a view, (n, 96, 97)
    y = np.asarray(y, dtype=np.float64)
    first = WINDOW - 1                                 # the first full window
    train = slice(first, first + args.train)
    test = slice(first + args.train, first + args.train + n_test)
    print(f"windows {Xw.shape} ({Xw.shape[1] * Xw.shape[2]:,} lags), {HORIZON} outputs; "
          f"train {args.train}, test {n_test} rows; load {os.getloadavg()[0]:.2f}; "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"{'model':<36} {'train':>6} {'fit CPU s':>10} {'test RMSE':>10}  alpha")

    def row(name, n_train, seconds, y_pred, alpha):
        alpha = np.asarray(alpha)
        spread = f"{alpha.min():g}..{alpha.max():g}" if alpha.size else ""
        rmse = root_mean_squared_error(y[test], y_pred)
        print(f"{name:<36} {n_train:>6} {seconds:>10.1f} {rmse:>10.4f}  {spread}", flush=True)

    naive = SeasonalNaiveRegressor(season_length=DAY).fit(Xw[train], y[train])
    row("seasonal naive (one day)", args.train, 0.0, naive.predict(Xw[test]), [])

    if not args.skip_old and args.old_train > 0:
        sub = slice(test.start - args.old_train, test.start)
        y_pred, seconds, alpha = old_fit_predict(Xw[sub], y[sub], Xw[test])
        row("old: StandardScaler + RidgeCV", args.old_train, seconds, y_pred, alpha)
        new = RidgeLagsRegressor()
        seconds = timed_fit(new, Xw[sub], y[sub])
        y_new = new.predict(Xw[test])
        row(f"new, same windows ({new.solver_})", args.old_train, seconds, y_new, new.alpha_)
        print(f"{'':<4}old and new on the same windows: same alphas "
              f"{bool(np.array_equal(alpha, new.alpha_))}, largest forecast difference "
              f"{np.abs(y_pred - y_new).max():.1e} (forecasts ~{np.abs(y_new).mean():.0f})")

    for name, est in [("new, one alpha per output", RidgeLagsRegressor()),
                      ("new, shared alpha", RidgeLagsRegressor(alpha_per_output=False))]:
        seconds = timed_fit(est, Xw[train], y[train])
        row(f"{name} ({est.solver_})", args.train, seconds, est.predict(Xw[test]), est.alpha_)


if __name__ == "__main__":
    main()
