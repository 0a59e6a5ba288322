"""
Forecasting a real hierarchy with a Tree-LSTM
=============================================

US employment (:func:`sklstm.datasets.load_us_employment`, monthly,
seasonally adjusted, 2006-2015) is a tree of 20 series: total nonfarm jobs
split into goods, private services and government, then supersectors and
sectors, each parent the sum of its children. One
:class:`sklstm.tree.TreeLSTMRegressor` at its default settings forecasts
every node of it one month ahead: a shared LSTM reads each node's recent
window, a Child-Sum Tree-LSTM passes information up the tree and back down,
and a head per level corrects each node's seasonal naive forecast (here,
with no season left in the data, its last value).

The last 12 months are held out and scored per level with the MASE, beside
the last value. With ``coherent=True`` the model forecasts the leaves only
and adds them up, so every parent is exactly the sum of its children.
"""

# %%
# Data: a matrix whose columns are the hierarchy's nodes
# ------------------------------------------------------
import matplotlib.pyplot as plt
import numpy as np

from sklstm import TreeLSTMRegressor, Windower
from sklstm.datasets import load_us_employment
from sklstm.metrics import mase

employment, hierarchy = load_us_employment()
print("levels:", hierarchy.levels)
values = employment.to_numpy(np.float64)                    # (120 months, 20 nodes)

# Row i of X is the window of the 12 months before month i + 12; y is every
# node's value in that month.
window, n_test = 12, 12
X = Windower(window).fit_transform(values[:-1])[window - 1:]   # (n, 12, 20)
y = values[window:]
X_train, X_test, y_train, y_test = X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:]

# %%
# Fit at default settings, and a coherent variant
# -----------------------------------------------
tree = TreeLSTMRegressor(hierarchy=hierarchy, random_state=0).fit(X_train, y_train)
coherent = TreeLSTMRegressor(hierarchy=hierarchy, coherent=True,
                             random_state=0).fit(X_train, y_train)
print("baseline lag chosen:", tree.season_length_, "| window norm:", tree.window_norm_)
pred, pred_coherent = tree.predict(X_test), coherent.predict(X_test)
print("coherent: largest |parent - sum of children|:",
      np.abs(pred_coherent - pred_coherent[:, hierarchy.leaves] @ hierarchy.S.T).max())

# %%
# MASE per level against the last value
# -------------------------------------
train = values[:-n_test]


def level_mase(forecast):
    scores = np.array([mase(y_test[:, j], forecast[:, j], train[:, j])
                       for j in range(hierarchy.n_nodes)])
    return [scores[nodes].mean() for nodes in hierarchy.top_down]


rows = {"last value": X_test[:, -1], "Tree-LSTM": pred, "Tree-LSTM coherent": pred_coherent}
print(f"{'':20s}" + "".join(f"{level:>13s}" for level in hierarchy.levels))
for name, forecast in rows.items():
    print(f"{name:20s}" + "".join(f"{v:13.3f}" for v in level_mase(forecast)))

# %%
# The total and one sector over the hold-out year
# -----------------------------------------------
months = employment.index[-n_test:]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
for ax, node in zip(axes, [hierarchy.root, hierarchy.leaves[-1]]):
    ax.plot(employment.index[-36:], values[-36:, node], color="k", label="observed")
    ax.plot(months, pred[:, node], marker="o", label="Tree-LSTM")
    ax.plot(months, X_test[:, -1, node], ls="--", label="last value")
    ax.set_title(hierarchy.nodes[node])
axes[0].legend()
fig.tight_layout()
fig.savefig("hierarchical_sales.png", dpi=110)
plt.show()
