"""
Size against accuracy: an LSTM at 8, 4 and 2 bits
=================================================

:class:`sklstm.QuantizedLSTMRegressor` trains with fake-quantized weights
and activations and predicts from integer weights. Here the float32
:class:`sklstm.LSTMRegressor` and quantized models at 8, 4 and 2 bits
forecast yearly sunspots one year ahead; the left panel shows how many bytes
their weights take, the right one the hold-out forecasts.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklstm import LSTMRegressor, QuantizedLSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_sunspots
from sklstm.nn import FusedRecurrentNet

# %%
# Windows of 20 years; the last 60 years are held out in time order.
series = load_sunspots()
X, y = forecast_xy(series, horizon=1)
Xw, y = Windower(window=20).fit_transform(X), np.ravel(y)
n_test = 60
X_train, X_test, y_train, y_test = Xw[:-n_test], Xw[-n_test:], y[:-n_test], y[-n_test:]
common = dict(hidden_size=32, max_epochs=60, window_norm="last", random_state=0)

# %%
# One float32 model and three quantized ones, same shape and training budget.
models = {"fp32": LSTMRegressor(**common)}
for bits in (8, 4, 2):
    models[f"{bits}-bit"] = QuantizedLSTMRegressor(bits=bits, **common)

weight_bytes, forecasts = {}, {}
for name, model in models.items():
    model.fit(X_train, y_train)
    forecasts[name] = model.predict(X_test)
    if name == "fp32":
        params = FusedRecurrentNet(1, 32, 1).named_parameters()
        weight_bytes[name] = sum(p.nbytes for n, p in params if "weight" in n)
    else:
        weight_bytes[name] = model.model_size()["weight_bytes"]
    rmse = np.sqrt(np.mean((forecasts[name] - y_test) ** 2))
    print(f"{name:>6s}: {weight_bytes[name]:6d} weight bytes, hold-out RMSE {rmse:.1f}")

# %%
# Bytes on the left, forecasts on the right.
fig, (ax_size, ax_fc) = plt.subplots(1, 2, figsize=(11, 4), width_ratios=[1, 2])
names = list(models)
ax_size.bar(names, [weight_bytes[n] / 1024 for n in names], color="C0")
for i, name in enumerate(names):
    ratio = weight_bytes[name] / weight_bytes["fp32"]
    ax_size.annotate(f"{ratio:.2f}x", (i, weight_bytes[name] / 1024), ha="center",
                     va="bottom")
ax_size.set_ylabel("weight KiB (integers + scales)")
ax_size.set_title("Model size")

years = series.index[-n_test:]
ax_fc.plot(years, y_test, color="black", lw=2, label="actual")
for name in names:
    rmse = np.sqrt(np.mean((forecasts[name] - y_test) ** 2))
    ax_fc.plot(years, forecasts[name], lw=1.2, label=f"{name} (RMSE {rmse:.1f})")
ax_fc.set_title("One-year-ahead forecasts on the hold-out")
ax_fc.set_ylabel("sunspot number")
ax_fc.legend(fontsize=8)
fig.tight_layout()
fig.savefig("quantized_sunspots.png", dpi=110)
