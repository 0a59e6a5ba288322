"""
Forecasting a sales hierarchy with a Tree-LSTM
==============================================

Daily sales of a small shop form a tree: the total is the sum of two
categories, each the sum of three products
(:func:`sklstm.datasets.make_hierarchical_sales`). One
:class:`sklstm.tree.TreeLSTMRegressor` forecasts every node of the tree at
once: a shared LSTM reads each node's recent window, then a Child-Sum
Tree-LSTM passes information up the tree and back down.

With ``coherent=True`` the model forecasts the products only and adds them
up through the hierarchy's summing matrix, so the forecasts of the
categories and of the total are exactly the sums of their parts.

The window length is chosen by ``GridSearchCV`` with a ``TimeSeriesSplit``
over a ``Windower`` + Tree-LSTM pipeline; the last 90 days are held out and
compared with the weekly seasonal naive forecast
(:class:`sklstm.SeasonalNaiveRegressor`).
"""

# %%
# Data: a sales matrix whose columns are the hierarchy's nodes
# ------------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from sklstm import SeasonalNaiveRegressor, TreeLSTMRegressor, Windower
from sklstm.datasets import make_hierarchical_sales

sales, hierarchy = make_hierarchical_sales(2, 3, n_periods=420, random_state=0)
print("nodes (= sales columns):", list(hierarchy.nodes))

# Row t of X is what is known on day t (every node's sales); row t of y is
# every node's sales on day t + 1. The Windower turns row t of X into the
# window of the last days, shape (n_samples, window, n_nodes).
X, y = sales.iloc[:-1], sales.iloc[1:].to_numpy()
n_test = 90
X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

# %%
# Model selection over the window length
# --------------------------------------
pipe = Pipeline([
    ("win", Windower(window=14)),
    # a short, coherent fit: the top-down pass helps there (docs/tree.rst)
    ("tree", TreeLSTMRegressor(hierarchy=hierarchy, coherent=True, direction="both",
                               hidden_size=16, max_epochs=25, batch_size=64,
                               random_state=0)),
])
search = GridSearchCV(pipe, {"win__window": [7, 14]}, cv=TimeSeriesSplit(2),
                      scoring="neg_root_mean_squared_error")
search.fit(X_train, y_train)
print("best window:", search.best_params_["win__window"])

# %%
# Hold-out forecasts, per level
# -----------------------------
# The test windows need the days before the hold-out: window the whole
# series and keep the last rows.
pred = search.best_estimator_.predict(X)[-n_test:]

# The baseline: each node's sales on the same weekday last week, read from
# that node's channel of the same windows.
windows = Windower(window=7).fit_transform(X)             # (n_samples, 7, n_nodes)
naive = np.column_stack([
    SeasonalNaiveRegressor(season_length=7, target_channel=j)
    .fit(windows[:-n_test], y_train[:, j]).predict(windows[-n_test:])
    for j in range(len(hierarchy.nodes))
])


def rmse(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


for depth, name in enumerate(["total", "categories", "products"]):
    nodes = np.flatnonzero(hierarchy.depths == depth)
    tree_err = np.mean([rmse(pred[:, j], y_test[:, j]) for j in nodes])
    naive_err = np.mean([rmse(naive[:, j], y_test[:, j]) for j in nodes])
    print(f"{name:10s}  Tree-LSTM RMSE {tree_err:6.1f}   seasonal naive RMSE {naive_err:6.1f}")

gap = np.abs(pred - pred[:, hierarchy.leaves] @ hierarchy.S.T).max()
print(f"largest gap between a node and the sum of its leaves: {gap:.2e}")

# %%
# Plot one node of each level
# ---------------------------
dates = sales.index
fig, axes = plt.subplots(3, 1, figsize=(10, 8), sharex=True)
for ax, name in zip(axes, ["total", "c0", "c0_p0"]):
    j = list(hierarchy.nodes).index(name)
    ax.plot(dates[-3 * n_test:], sales[name].iloc[-3 * n_test:], color="0.6", label="actual")
    ax.plot(dates[-n_test:], pred[:, j], color="C0", lw=1.8,
            label=f"Tree-LSTM (RMSE {rmse(pred[:, j], y_test[:, j]):.1f})")
    ax.plot(dates[-n_test:], naive[:, j], color="C3", ls="--", lw=1,
            label=f"seasonal naive (RMSE {rmse(naive[:, j], y_test[:, j]):.1f})")
    ax.axvline(dates[-n_test], color="k", lw=0.8)
    level = hierarchy.levels[hierarchy.depths[j]]
    ax.set_title(f"{level} {name!r}: next-day forecast on the hold-out", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()
fig.savefig("hierarchical_sales.png", dpi=110)
