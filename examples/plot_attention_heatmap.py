"""
Where does the attention look? Monthly electrical-equipment turnover
====================================================================

:class:`sklstm.AttentionLSTMRegressor` forecasts next month's turnover index
(bundled ``elec_equip``, Eurostat) from the last 24 months. Its attention
weights say how much each of those months contributed to each forecast: the
heatmap shows them for every forecast origin, and the bar chart their mean per
lag (lag 0 is the forecast origin, the window's last month). On this seasonal
series the most recent month and the same month a year earlier (lag 12) stand
out, and single months such as the 2009 slump are followed through the window
as they age (the diagonal streaks).
"""

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import Pipeline

from sklstm import AttentionLSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_elec_equip

series = load_elec_equip()
X, y = forecast_xy(series, horizon=1)
window = 24
pipe = Pipeline([
    ("win", Windower(window=window)),
    ("m", AttentionLSTMRegressor(window_norm="last", max_epochs=150, random_state=0)),
])
pipe.fit(X[:-48], y[:-48])

windows = pipe[:-1].transform(X)[window:]            # full windows only
weights = pipe[-1].attention_weights(windows)        # (n_samples, window)
origins = X.index[window:]
lags = np.arange(window - 1, -1, -1)                 # column t is lag window-1-t

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), width_ratios=[2.2, 1])
image = ax1.imshow(weights.T, aspect="auto", origin="lower", cmap="viridis",
                   extent=[0, len(origins), -0.5, window - 0.5])
ax1.set_yticks(range(0, window, 4), [f"lag {lags[t]}" for t in range(0, window, 4)])
ticks = range(0, len(origins), 36)
ax1.set_xticks(list(ticks), [str(origins[i].year) for i in ticks])
ax1.axvline(len(origins) - 48, color="w", lw=1, ls="--")
ax1.set_title("attention weights per forecast origin (dashed: hold-out starts)")
fig.colorbar(image, ax=ax1, fraction=0.04)
ax2.bar(lags, weights.mean(axis=0), color="C0")
ax2.axhline(1 / window, color="k", lw=0.8, ls=":", label="uniform 1/window")
ax2.set_xlabel("lag (months before the forecast origin)")
ax2.set_title("mean weight per lag")
ax2.legend(fontsize=8)
fig.tight_layout()
fig.savefig("attention_heatmap.png", dpi=110)
top = lags[np.argsort(weights.mean(axis=0))[::-1][:3]]
print("lags with the most weight:", ", ".join(map(str, top)))
