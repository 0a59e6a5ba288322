"""
One global model for many products: promotions as future covariates
===================================================================

Daily sales of 20 products come as one long table, a row per (product, day)
(:func:`sklstm.datasets.make_retail_panel`): the products' levels differ by
100 times, their categories have weekly and yearly seasons, and planned
promotions lift sales by 1.8 times. One :class:`sklstm.LSTMRegressor` is
fitted on every product at once (a *global* model), one day ahead.

:func:`sklstm.forecast_xy` gives each column its role. The promotion is a
*future covariate*: it is planned ahead, so row ``t`` carries the plan for
the day being forecast, ``promo_lead1``; the price is one too. The category
is a *static covariate*, one-hot encoded in a ``ColumnTransformer`` before
the ``Windower``, which restarts its windows at every product.
``window_norm="standard"`` with ``window_norm_channels="target"`` puts every
product's window on one scale and leaves the 0/1 promotion channel as it is
(see :doc:`/panels`).

The same model without the future covariates cannot know when a promotion
starts: it misses the first days of each one and the day after it ends.
"""

# %%
# The long table and its roles
# ----------------------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from sklstm import LSTMRegressor, SeasonalNaiveRegressor, Windower, forecast_xy
from sklstm.datasets import make_retail_panel
from sklstm.metrics import mase

panel = make_retail_panel(n_series=20, n_days=400, promo_rate=0.03, random_state=0)
print(panel.head())

n_test = 60                          # the last 60 forecast origins of every product
cutoff = panel["date"].max() - pd.Timedelta(days=n_test + 1)


def pipeline_for(X):
    """Encode the category, window each product, one LSTM over all of them."""
    numeric = [name for name in X.columns if name not in ("category", "series_id")]
    encode = ColumnTransformer(
        [("numeric", "passthrough", numeric),            # sales first: channel 0
         ("category", OneHotEncoder(sparse_output=False), ["category"]),
         ("id", "passthrough", ["series_id"])],          # last, for the Windower
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = LSTMRegressor(window_norm="standard", window_norm_channels="target",
                          batch_size=128, max_epochs=15, n_iter_no_change=None,
                          random_state=0)
    return Pipeline([("encode", encode), ("win", Windower(window=28, series_id="series_id")),
                     ("model", model)])


roles = {"target": "sales", "series_id": "series_id", "time": "date",
         "static_covariates": "category"}
inputs = {
    "with future covariates": forecast_xy(panel, 1, future_covariates=["promo", "price"],
                                          **roles),
    "without": forecast_xy(panel.drop(columns=["promo", "price"]), 1, **roles),
}
X, y = inputs["with future covariates"]
print(list(X.columns))

# %%
# Fit on all products, forecast the last 60 days
# ----------------------------------------------
# The test windows are cut from the whole table, so they carry their real
# history; the model only saw days before the cutoff.
# Each product's first 27 windows are padded with its first day: weight 0
# keeps them out of the loss (with window_norm="standard" a constant window
# would otherwise dominate it).
test = (panel.loc[X.index, "date"] > cutoff).to_numpy()
padded = (X.groupby("series_id").cumcount() < 27).to_numpy()
forecasts = {}
for label, (X_, y_) in inputs.items():
    pipe = pipeline_for(X_).fit(X_[~test], y_[~test],
                                model__sample_weight=np.where(padded[~test], 0.0, 1.0))
    windows = pipe[:-1].transform(X_)                  # every row, real history
    forecasts[label] = pipe[-1].predict(windows[test]).ravel()
# the weekly seasonal naive forecast reads the sales channel of the same windows
naive = SeasonalNaiveRegressor(7).fit(windows[:1], y_[:1]).predict(windows[test]).ravel()
forecasts["weekly seasonal naive"] = naive

y_true = y.to_numpy()[test, 0]
promo_day = (panel["promo"].shift(-1).loc[X.index] == 1).to_numpy()[test]
ids = X["series_id"].to_numpy()


def mean_mase(y_pred):
    """Mean over the products of the MASE (weekly season)."""
    scores = []
    for product in np.unique(ids):
        own = ids == product
        history = y.to_numpy()[own & ~test, 0]
        scores.append(mase(y_true[own[test]], y_pred[own[test]], history, season_length=7))
    return np.mean(scores)


for label, y_pred in forecasts.items():
    print(f"{label:24s} mean MASE {mean_mase(y_pred):.3f}   RMSE on promotion days "
          f"{root_mean_squared_error(y_true[promo_day], y_pred[promo_day]):7.1f}")

# %%
# Three products, promotion days shaded
# -------------------------------------
dates = (panel.loc[X.index, "date"] + pd.Timedelta(days=1)).to_numpy()[test]   # day forecast
shown = ["p03", "p07", "p15"]
fig, axes = plt.subplots(len(shown), 1, figsize=(9, 7.5), sharex=True)
for ax, product in zip(axes, shown):
    own = ids[test] == product
    for day in dates[own][promo_day[own]]:
        ax.axvspan(day - np.timedelta64(12, "h"), day + np.timedelta64(12, "h"),
                   color="C2", alpha=0.15, lw=0)
    ax.plot(dates[own], y_true[own], color="0.4", lw=1.2, label="observed")
    for label, style in [("with future covariates", "-"), ("without", "--")]:
        ax.plot(dates[own], forecasts[label][own], style, lw=1.5, label=label)
    ax.set_ylabel(f"{product} sales")
axes[0].plot([], [], color="C2", alpha=0.3, lw=8, label="promotion day")
axes[0].legend(loc="upper left", ncol=3, fontsize=8)
axes[0].set_title("One-day-ahead forecasts of one global LSTM over 20 products")
fig.autofmt_xdate()
fig.tight_layout()
fig.savefig("retail_panel.png", dpi=110)
