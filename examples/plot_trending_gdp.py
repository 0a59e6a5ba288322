"""
Forecasting a trending series: per-window normalisation
=======================================================

US real GDP (quarterly, bundled ``macrodata``) rises through the whole sample,
so the last ten years lie above every value seen in training. An LSTM trained
on globally standardised values cannot forecast beyond that range (its
forecasts fall further behind as the series climbs); with
``window_norm="last"`` each window is expressed relative to its last value and
the target is mapped back with the same statistics (RevIN, Kim et al. 2022),
so the model learns *changes* and follows the trend. Two baselines read the
same windows: the last value (:class:`sklstm.LastValueRegressor`) and ridge
regression on the lags (:class:`sklstm.baselines.RidgeLagsRegressor`), which
also works relative to each window's last value.
"""

import matplotlib.pyplot as plt
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import LastValueRegressor, LSTMRegressor, Windower, forecast_xy
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import load_macrodata

gdp = load_macrodata()["realgdp"]
X, y = forecast_xy(gdp, horizon=1)        # X: GDP at t, y: GDP at t + 1
n_test = 40
X_train, y_train, y_test = X[:-n_test], y[:-n_test], y[-n_test:].to_numpy().ravel()

pipelines = {
    # the usual recipe: z-score the inputs over the training period
    "global z-score": Pipeline([
        ("scale", StandardScaler()), ("win", Windower(window=12)),
        ("m", LSTMRegressor(max_epochs=100, random_state=0))]),
    'window_norm="last"': Pipeline([
        ("win", Windower(window=12)),
        ("m", LSTMRegressor(window_norm="last", max_epochs=100, random_state=0))]),
    "ridge on lags": Pipeline([("win", Windower(window=12)), ("m", RidgeLagsRegressor())]),
    "last value (naive)": Pipeline([("win", Windower(window=12)), ("m", LastValueRegressor())]),
}
forecasts = {}
for label, pipe in pipelines.items():
    pipe.fit(X_train, y_train)
    # window the whole series so that test windows carry their real history
    windows = pipe[:-1].transform(X)[-n_test:]
    forecasts[label] = pipe[-1].predict(windows).ravel()

fig, ax = plt.subplots(figsize=(9, 4))
dates = y.index[-n_test:] + (gdp.index[1] - gdp.index[0])   # the quarter forecast
ax.plot(gdp.index[-3 * n_test:], gdp.iloc[-3 * n_test:], color="0.5", label="observed")
for (label, pred), style in zip(forecasts.items(), ["-", "-", "-.", "--"]):
    rmse = mean_squared_error(y_test, pred) ** 0.5
    print(f"{label:24s} hold-out RMSE {rmse:8.1f}")
    ax.plot(dates, pred, style, lw=1.8, label=f"{label} (RMSE {rmse:.0f})")
ax.axvline(dates[0], color="k", lw=0.8)
ax.axhline(y_train.to_numpy().max(), color="C3", lw=0.6, ls=":")
ax.text(gdp.index[-3 * n_test], y_train.to_numpy().max(), " training maximum",
        va="bottom", fontsize=8, color="C3")
ax.set_title("US real GDP, 1-quarter-ahead forecasts on the last 10 years")
ax.set_ylabel("billions of chained 2005 dollars")
ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig("trending_gdp.png", dpi=110)
