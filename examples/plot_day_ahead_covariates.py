"""
Day-ahead demand with inputs known ahead: temperature and working days
======================================================================

Tomorrow's 48 half-hours of electricity demand, forecast at midnight from
the last two days and from what is known about tomorrow: its temperature
forecast and whether it is a working day. The series is simulated (a
daily load profile on working days, heating and cooling that grow with the
distance from a comfortable 18 degrees, noise), so the example runs anywhere
without a download.

:func:`sklstm.forecast_xy` with ``future_covariates`` puts tomorrow's
values in lead columns (``temperature_lead1 ... temperature_lead48``); the
:class:`sklstm.Windower` folds them into 48 future steps after each window
(see :doc:`/horizons`), and :class:`sklstm.LSTMRegressor` reads step ``k``'s
temperature and calendar when it forecasts half-hour ``k``. The forecast is
compared with the same model shown the temperature of the wrong half-hours
(shifted by six hours), with ridge regression on the same windows, and with
yesterday's profile (the seasonal naive forecast).
"""

# %%
# A half-hourly series with two covariates known ahead
# ----------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from sklstm import LSTMRegressor, SeasonalNaiveRegressor, Windower, forecast_xy
from sklstm.baselines import RidgeLagsRegressor

torch.set_num_threads(1)         # a small model trains fastest on one thread
rng = np.random.RandomState(0)
n_days, per_day = 70, 48
t = np.arange(n_days * per_day)
hour = (t % per_day) / 2.0
day = t // per_day
weather = np.repeat(rng.normal(scale=4.0, size=n_days), per_day)      # day to day
temperature = (18 + 6 * np.sin(2 * np.pi * day / 60) + weather
               + 5 * np.sin(2 * np.pi * (hour - 9) / 24))
workday = ((day % 7) < 5).astype(float)
profile = np.exp(-((hour - 9) / 3) ** 2) + 0.8 * np.exp(-((hour - 18) / 2.5) ** 2)
demand = (300 + 120 * workday * profile + 40 * profile
          + 2.5 * (temperature - 18) ** 2 + rng.normal(scale=8.0, size=len(t)))
data = pd.DataFrame({"time": t, "demand": demand, "temperature": temperature,
                     "workday": workday})

horizon, window = per_day, 2 * per_day
X, y = forecast_xy(data, horizon, target="demand", time="time",
                   future_covariates=["temperature", "workday"])
print("X", X.shape, "(demand and 2 x 48 lead columns)   y", y.shape)

# %%
# Fit on all but the last two weeks, forecast every midnight of those weeks
# -------------------------------------------------------------------------
# Training rows end ``horizon`` steps before the test part, so that no
# training target lies in it. The windows are cut from the whole series, so
# every test window carries its real history.
n_test = 14 * per_day
origins = np.arange(len(data) - n_test - 1, len(data) - horizon, per_day)   # midnights
train = X.index < len(data) - n_test - horizon
windower = Windower(window).fit(X)
windows = windower.transform(X)
print("windows", windows.shape, "= (rows, 96 history + 48 future steps, "
      "demand, temperature, workday, marker)")
test = np.isin(X.index, origins)
# max_epochs=60 keeps the example quick; the other parameters are the defaults
model = LSTMRegressor(max_epochs=60, random_state=0).fit(windows[train], y[train])
pred = model.predict(windows[test])                 # (14, 48)
truth = y.to_numpy()[test]

# the same model, shown the temperature of six hours later at every step
shifted = windows.copy()
shifted[:, window:, 1] = np.roll(shifted[:, window:, 1], -12, axis=1)
pred_shifted = model.predict(shifted[test])
ridge = RidgeLagsRegressor().fit(windows[train][window:], y[train][window:])
naive = SeasonalNaiveRegressor(per_day).fit(windows[train], y[train])
forecasts = {"LSTM, known-ahead inputs": pred,
             "LSTM, temperature 6 h off": pred_shifted,
             "ridge on lags": ridge.predict(windows[test]),
             "yesterday's profile": naive.predict(windows[test])}
print("hold-out RMSE over 14 days x 48 half-hours:")
for name, p in forecasts.items():
    print(f"  {name:26s} {np.sqrt(np.mean((p - truth) ** 2)):6.1f}")

# %%
# Three forecast days, with the temperature the model read
# --------------------------------------------------------
# Top: observed demand and the day-ahead forecasts made at three midnights.
# Bottom: the temperature forecast for those days (the future steps of the
# windows) and the working-day flag. The demand follows the temperature and
# the calendar of the day forecast, which the model reads step by step.
fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 6), sharex=True,
                               height_ratios=[2, 1])
shown = [4, 5, 6]                                   # a Friday, the weekend
steps = np.arange(len(data))
first, last = origins[shown[0]] + 1 - per_day, origins[shown[-1]] + 1 + horizon
ax1.plot(steps[first:last], demand[first:last], color="0.5", label="observed")
for j, i in enumerate(shown):
    ahead = steps[origins[i] + 1:origins[i] + 1 + horizon]
    ax1.plot(ahead, pred[i], color="C0", lw=2,
             label="LSTM day-ahead forecast" if j == 0 else None)
    ax1.plot(ahead, forecasts["yesterday's profile"][i], color="C1", ls=":",
             label="yesterday's profile" if j == 0 else None)
    ax1.axvline(origins[i] + 0.5, color="k", lw=0.6)
    ax2.plot(ahead, windows[test][i, window:, 1], color="C3",
             label="temperature forecast (future steps)" if j == 0 else None)
ax1.set_ylabel("demand")
ax1.legend(fontsize=8, loc="upper left")
ax1.set_title("Day-ahead forecasts made at midnight (vertical lines)")
ax2.plot(steps[first:last], 18 + 10 * workday[first:last], color="0.3", ls="--",
         label="working day (scaled)")
ax2.set_ylabel("degrees")
ax2.set_xlabel("half-hour")
ax2.legend(fontsize=8, loc="upper left")
fig.tight_layout()
fig.savefig("day_ahead_covariates.png", dpi=110)
