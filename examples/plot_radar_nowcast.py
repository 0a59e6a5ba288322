"""
Nowcasting synthetic "weather radar" frames with a ConvLSTM
===========================================================

Each sample is six frames of a rain cell (a Gaussian blob) drifting across a
20x20 grid, with measurement noise; the target is the next, clean frame.
:class:`sklstm.ConvLSTMRegressor` takes the frames as they are,
``(n_samples, n_timesteps, height, width)``, and predicts frames of the same
grid. Persistence (the last frame repeated) is the baseline.
"""

import matplotlib.pyplot as plt
import numpy as np

from sklstm import ConvLSTMRegressor, LastValueRegressor
from sklstm.datasets import make_moving_blobs

X, y = make_moving_blobs(500, n_timesteps=6, grid=20, sigma=2.0, noise=0.05,
                         random_state=0)
X_train, X_test, y_train, y_test = X[:400], X[400:], y[:400], y[400:]

model = ConvLSTMRegressor(hidden_channels=8, kernel_size=5, max_epochs=20, random_state=0)
model.fit(X_train, y_train)
pred = model.predict(X_test)                      # (n_test, 20, 20), like y
persistence = LastValueRegressor().fit(X_train, y_train).predict(X_test)  # last frame


def mse(a, b):
    return float(np.mean((a - b) ** 2))


print(f"next-frame MSE  ConvLSTM {mse(pred, y_test):.5f}   "
      f"persistence {mse(persistence, y_test):.5f}")

rows = [0, 1, 2]
fig, axes = plt.subplots(len(rows), 4, figsize=(9, 7))
columns = ["frame t-1", "frame t (last input)", "true t+1", "ConvLSTM t+1"]
for r, i in enumerate(rows):
    for c, frame in enumerate([X_test[i, -2], X_test[i, -1], y_test[i], pred[i]]):
        ax = axes[r, c]
        ax.imshow(frame, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks([])
        ax.set_yticks([])
        if r == 0:
            ax.set_title(columns[c], fontsize=9)
fig.suptitle("Synthetic radar nowcast: inputs, truth and prediction")
fig.tight_layout()
fig.savefig("radar_nowcast.png", dpi=100)
