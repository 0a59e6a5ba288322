"""
Forecasting yearly sunspots with a Windower + LSTM pipeline
===========================================================

A raw series goes through :class:`sklstm.Windower` (one 20-year window per
row, rows kept, so ``y`` stays aligned) into :class:`sklstm.LSTMRegressor`.
The last 60 years are held out in time order; the forecast is compared with
the last-value naive forecast (:class:`sklstm.LastValueRegressor`, on the
same windows), and the training loss curve is read from ``history_``.
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import LastValueRegressor, LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_sunspots

series = load_sunspots()
X, y = forecast_xy(series, horizon=1)        # X: value at t, y: value at t + 1
n_test = 60
X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

pipe = Pipeline([("win", Windower(window=20)),
                 ("m", LSTMRegressor(max_epochs=100, random_state=0))])
pipe.fit(X_train, y_train)
pred = pipe.predict(X_test).ravel()
naive_pipe = Pipeline([("win", Windower(window=20)), ("m", LastValueRegressor())])
naive = naive_pipe.fit(X_train, y_train).predict(X_test).ravel()


def rmse(a, b):
    return mean_squared_error(np.ravel(a), np.ravel(b)) ** 0.5


print(f"LSTM  hold-out RMSE {rmse(pred, y_test):.1f}")
print(f"naive hold-out RMSE {rmse(naive, y_test):.1f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[2.2, 1])
target_dates = series.index[-n_test:]
ax1.plot(series.index[-3 * n_test:], series.iloc[-3 * n_test:], color="0.6", label="observed")
ax1.plot(target_dates, pred, color="C0", lw=2,
         label=f"LSTM 1-year-ahead (RMSE {rmse(pred, y_test):.1f})")
ax1.plot(target_dates, naive, color="C3", ls="--",
         label=f"last value (RMSE {rmse(naive, y_test):.1f})")
ax1.axvline(target_dates[0], color="k", lw=0.8)
ax1.set_title("Yearly sunspot number: hold-out forecast")
ax1.legend(loc="upper left", fontsize=8)
ax2.plot(pipe[-1].loss_curve_)
ax2.set_yscale("log")
ax2.set_xlabel("epoch")
ax2.set_title("training loss (standardised MSE)")
fig.tight_layout()
fig.savefig("sunspots_forecast.png", dpi=110)
