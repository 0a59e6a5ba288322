"""
Forecasting through gaps: closed days and missing records
=========================================================

Real sales tables have holes: the shop is closed on some days (no sales
recorded for any product), and single records get lost. Here
:func:`sklstm.datasets.make_retail_panel` closes the shop on 4 % of the days
(NaN sales for every product), and 5 % more of the sales records are lost at
random. ``forecast_xy`` and the ``Windower`` pass NaN through as it is; the
model's ``missing`` parameter decides what it means.

With ``missing="mask"`` an :class:`sklstm.LSTMRegressor` reads a gap as a gap:
window statistics leave it out, the missing input becomes 0 after
normalisation, an availability channel (1 observed, 0 missing) tells the
network where the gaps are, and a row whose target is missing is left out of
the loss. Every window with at least one observed sale gets a forecast, so
the model forecasts the days after a gap, and the closed days themselves
(the sales the shop would have made).

The usual alternative fills the gaps before the model: here the last
observed value of each product (forward fill) with ``missing="raise"``, the
default, which refuses NaN with an error that names ``missing="mask"``.
Both are scored on the observed days of the last 60. They come out close
(with ``random_state`` 0, 1 and 2 each was ahead at least once): what the
mask adds is that no value is invented, neither as an input nor as a
training target, and that no fill rule has to be chosen per column.
"""

# %%
# A panel with gaps
# -----------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.metrics import root_mean_squared_error

from sklstm import LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import make_retail_panel

panel = make_retail_panel(n_series=12, n_days=400, closed_rate=0.04, random_state=1)
lost = np.random.RandomState(0).uniform(size=len(panel)) < 0.05
panel["sales"] = panel["sales"].mask(lost)
print(f"missing sales: {panel['sales'].isna().mean():.1%} of the rows")

X, y = forecast_xy(panel.drop(columns=["price", "category"]), 1, target="sales",
                   series_id="series_id", time="date", future_covariates="promo")
windows = Windower(window=28, series_id="series_id").fit_transform(X)
y = y.to_numpy()[:, 0]                       # NaN where the next day's sales are missing
day = panel.loc[X.index, "date"] + pd.Timedelta(days=1)          # the day forecast
test = (day > day.max() - pd.Timedelta(days=60)).to_numpy()
# each product's first 27 windows are padded with its first day: not trained on
train = ~test & (X.groupby("series_id").cumcount() >= 27).to_numpy()

try:
    LSTMRegressor().fit(windows[train], y[train])
except ValueError as error:
    print("missing='raise':", str(error)[:120], "...")

# %%
# ``missing="mask"`` against forward filling
# ------------------------------------------
params = {"window_norm": "standard", "window_norm_channels": "target", "batch_size": 32,
          "max_epochs": 20, "n_iter_no_change": None, "random_state": 0}
masked = LSTMRegressor(missing="mask", **params).fit(windows[train], y[train])

filled_sales = panel.groupby("series_id")["sales"].transform(lambda s: s.ffill().bfill())
X_filled, y_filled = forecast_xy(panel.assign(sales=filled_sales).drop(
    columns=["price", "category"]), 1, target="sales", series_id="series_id",
    time="date", future_covariates="promo")
windows_filled = Windower(window=28, series_id="series_id").fit_transform(X_filled)
filled = LSTMRegressor(**params).fit(windows_filled[train], y_filled.to_numpy()[train, 0])

forecasts = {'missing="mask"': masked.predict(windows[test]),
             "forward fill": filled.predict(windows_filled[test])}
observed = ~np.isnan(y[test])
# the days just after a gap: the last day of the window is missing
after_gap = np.isnan(windows[test, -1, 0]) & observed
for label, y_pred in forecasts.items():
    print(f"{label:15s} finite: {np.isfinite(y_pred).all()}   RMSE on observed days "
          f"{root_mean_squared_error(y[test][observed], y_pred[observed]):6.1f}, on the "
          f"days after a gap {root_mean_squared_error(y[test][after_gap], y_pred[after_gap]):6.1f}")

# %%
# Forecasts through the gaps
# --------------------------
# Closed days are shaded; lost records are crosses at the bottom. The masked
# model forecasts every day, closed ones included.
ids = X["series_id"].to_numpy()[test]
dates = day.to_numpy()[test]
closed = panel.groupby("date")["sales"].apply(lambda s: s.isna().all())
fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
for ax, product in zip(axes, ["p02", "p09"]):
    own = ids == product
    for closed_day in closed.index[closed & (closed.index >= dates[own].min())]:
        ax.axvspan(closed_day - pd.Timedelta(hours=12), closed_day + pd.Timedelta(hours=12),
                   color="0.85", lw=0)
    ax.plot(dates[own], y[test][own], "o-", color="0.3", ms=3, lw=1, label="observed")
    lost_here = own & ~observed
    ax.plot(dates[lost_here], np.full(lost_here.sum(), np.nanmin(y[test][own]) * 0.9), "x",
            color="C3", label="missing")
    for (label, y_pred), style in zip(forecasts.items(), ["-", "--"]):
        ax.plot(dates[own], y_pred[own], style, lw=1.5, label=label)
    ax.set_ylabel(f"{product} sales")
axes[0].legend(loc="upper left", ncol=4, fontsize=8)
axes[0].set_title("One-day-ahead forecasts through closed days (shaded) and lost records")
fig.autofmt_xdate()
fig.tight_layout()
fig.savefig("missing_data.png", dpi=110)
