"""
One global model for many products: promotions as future covariates
===================================================================

Daily sales of 12 products come as one long table, a row per (product, day)
(:func:`sklstm.datasets.make_retail_panel`): the products' levels differ by
100 times, their categories have weekly and yearly seasons, and planned
promotions lift sales by 1.8 times. One :class:`sklstm.LSTMRegressor`, at
its default parameters, is fitted on every product at once (a *global*
model), one day ahead.

:func:`sklstm.forecast_xy` gives each column its role. The promotion is a
*future covariate*: it is planned ahead, so row ``t`` carries the plan for
the day being forecast, ``promo_lead1``; the price is one too. The category
is a *static covariate*, one-hot encoded in a ``ColumnTransformer`` before
the ``Windower``, which restarts its windows at every product and folds the
leads into the day being forecast. At its defaults the model puts each
window on the scale of its own product (``window_norm="auto"`` resolves to
``"relative"`` on a panel) and decodes the promotion of the forecast day;
each product's first, padded windows need no mask.

The window length is chosen by ``GridSearchCV`` on :class:`sklstm.PanelSplit`
folds: each fold tests the same dates for every product and trains on the
days before them (``TimeSeriesSplit`` would cut a long table by product).
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
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from sklstm import LSTMRegressor, PanelSplit, SeasonalNaiveRegressor, Windower, forecast_xy
from sklstm.datasets import make_retail_panel
from sklstm.metrics import mase

panel = make_retail_panel(n_series=12, n_days=300, promo_rate=0.03, random_state=0)
print(panel.head())

n_test = 60                          # the last 60 forecast origins of every product
cutoff = panel["date"].max() - pd.Timedelta(days=n_test + 1)


def pipeline_for(X):
    """Encode the category, window each product, one LSTM (at its defaults) over all."""
    numeric = [name for name in X.columns if name not in ("category", "series_id")]
    encode = ColumnTransformer(
        [("numeric", "passthrough", numeric),            # sales first: channel 0
         ("category", OneHotEncoder(sparse_output=False), ["category"]),
         ("id", "passthrough", ["series_id"])],          # last, for the Windower
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    return Pipeline([("encode", encode), ("win", Windower(window=28, series_id="series_id")),
                     ("model", LSTMRegressor(random_state=0))])


roles = {"target": "sales", "series_id": "series_id", "time": "date",
         "static_covariates": "category"}
inputs = {
    "with future covariates": forecast_xy(panel, 1, future_covariates=["promo", "price"],
                                          **roles),
    "without": forecast_xy(panel.drop(columns=["promo", "price"]), 1, **roles),
}
X, y = inputs["with future covariates"]
print(list(X.columns))
dates = panel.loc[X.index, "date"]           # each row's time stamp, for PanelSplit
test = (dates > cutoff).to_numpy()

# %%
# Choose the window by cross-validation over time
# -----------------------------------------------
# Two folds of the training days, each testing the same 30 dates of every
# product. Each fold's rows are windowed inside the pipeline.
search = GridSearchCV(pipeline_for(X), {"win__window": [14, 28]},
                      cv=PanelSplit(n_splits=2, test_size=30),
                      scoring="neg_mean_absolute_error")
search.fit(X[~test], y[~test], groups=dates[~test])
for window, score in zip(search.cv_results_["param_win__window"],
                         search.cv_results_["mean_test_score"]):
    print(f"window {window}: cross-validated MAE {-score:.1f}")
window = search.best_params_["win__window"]

# %%
# Forecast the last 60 days
# -------------------------
# The search refitted the best pipeline on every training day. The test
# windows are cut from the whole table, so they carry their real history;
# the model only saw days before the cutoff. The model without the future
# covariates gets the same window.
forecasts = {}
fitted = {"with future covariates": search.best_estimator_}
X_, y_ = inputs["without"]
fitted["without"] = pipeline_for(X_).set_params(win__window=window).fit(X_[~test], y_[~test])
for label, (X_, _) in inputs.items():
    windows = fitted[label][:-1].transform(X_)         # every row, real history
    forecasts[label] = fitted[label][-1].predict(windows[test]).ravel()
# the weekly seasonal naive forecast reads the sales channel of the same windows
naive = SeasonalNaiveRegressor(7).fit(windows[:1], y[:1]).predict(windows[test]).ravel()
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
shown = ["p03", "p07", "p10"]
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
axes[0].set_title("One-day-ahead forecasts of one global LSTM over 12 products")
fig.autofmt_xdate()
fig.tight_layout()
fig.savefig("retail_panel.png", dpi=110)
