"""QuantizedLSTMRegressor at 8, 4 and 2 bits against the float32 LSTMRegressor.

Monthly sunspot numbers would be the obvious series, but the bundled one is
yearly (309 points); this uses it with a 20-year window, a time-ordered
hold-out of the last 60 years, ``window_norm="last"``, hidden size 64 for
every model, and the same training budget (Adam, lr 0.01, up to 150 epochs
with plateau stopping). Hold-out RMSE is the mean over ``--seeds`` seeds.

Columns:

* weight bytes: the weight matrices (LSTM and head). For fp32, 4 bytes per
  value; for the quantized models, the packed integers plus one float16
  scale per row (``QuantizedLSTMRegressor.model_size()``). Biases (float32 in
  every model) are left out of this column and shown under total bytes.
* rows "8-bit activations" quantize gate pre-activations and hidden states
  too (``activation_bits=8``, the default), which needs sklstm's Python time
  loop; "weights only" rows (``activation_bits=None``) run the dequantized
  weights on PyTorch's fused LSTM kernel, like fp32.
* predict throughput: windows per second of one ``predict`` call on
  ``--rows`` windows (the hold-out windows repeated), best of 7 calls, the
  models taking turns; the last seed's model of each row is timed.
* baseline rows, on the same windows: the last value and ridge regression on
  the lags (``sklstm.baselines``); only their error and fit time apply.

    python benchmarks/quantized.py [--seeds 3] [--rows 4096] [--threads 1]
"""

import argparse
import time

import numpy as np
import torch

from sklstm import (
    LastValueRegressor,
    LSTMRegressor,
    QuantizedLSTMRegressor,
    Windower,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import load_sunspots
from sklstm.nn import FusedRecurrentNet

HIDDEN = 64
COMMON = dict(hidden_size=HIDDEN, max_epochs=150, window_norm="last")


def throughputs(models, X, rounds=7):
    """Windows/s of each model's ``predict``, best of ``rounds``, taken in turns.

    Taking the models in turns, rather than one after the other, spreads the
    load of a shared machine over all of them.
    """
    best = [float("inf")] * len(models)
    for _ in range(rounds):
        for k, model in enumerate(models):
            start = time.perf_counter()
            model.predict(X)
            best[k] = min(best[k], time.perf_counter() - start)
    return [len(X) / b for b in best]


def fp32_bytes(n_features, n_outputs=1):
    params = dict(FusedRecurrentNet(n_features, HIDDEN, n_outputs).named_parameters())
    weights = sum(p.nbytes for name, p in params.items() if "weight" in name)
    return weights, sum(p.nbytes for p in params.values())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    X, y = forecast_xy(load_sunspots(), horizon=1)
    Xw, y = Windower(window=20).fit_transform(X), np.ravel(y)
    n_test = 60
    X_train, X_test, y_train, y_test = Xw[:-n_test], Xw[-n_test:], y[:-n_test], y[-n_test:]
    X_rows = np.resize(X_test, (args.rows,) + X_test.shape[1:])
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s); sunspots, "
          f"window 20, {len(X_train)} train / {n_test} hold-out windows, hidden {HIDDEN}, "
          f"{args.seeds} seed(s)")

    rows = []
    configs = ([(32, None)] + [(bits, 8) for bits in (8, 4, 2)]
               + [(bits, None) for bits in (8, 4, 2)])
    for bits, activation_bits in configs:
        rmses, fits = [], []
        for seed in range(args.seeds):
            if bits == 32:
                model = LSTMRegressor(random_state=seed, **COMMON)
            else:
                model = QuantizedLSTMRegressor(bits=bits, activation_bits=activation_bits,
                                               random_state=seed, **COMMON)
            start = time.perf_counter()
            model.fit(X_train, y_train)
            fits.append(time.perf_counter() - start)
            rmses.append(float(np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2))))
        if bits == 32:
            weight_bytes, total_bytes = fp32_bytes(X_train.shape[2])
        else:
            size = model.model_size()
            weight_bytes, total_bytes = size["weight_bytes"], size["total_bytes"]
        name = "fp32" if bits == 32 else f"{bits}" + (
            " (8-bit activations)" if activation_bits else " (weights only)")
        rows.append([name, weight_bytes, total_bytes, np.mean(rmses), np.std(rmses),
                     model, np.mean(fits)])
    for row, tput in zip(rows, throughputs([row[5] for row in rows], X_rows)):
        row[5] = tput

    baselines = []
    for name, model in [("ridge on lags", RidgeLagsRegressor()),
                        ("naive (last value)", LastValueRegressor())]:
        start = time.perf_counter()
        model.fit(X_train, y_train)
        fit = time.perf_counter() - start
        baselines.append([name, float(np.sqrt(np.mean((model.predict(X_test) - y_test) ** 2))),
                          fit])

    fp32 = rows[0]
    print()
    print("| bits | weight bytes | ratio to fp32 | total bytes | hold-out RMSE | "
          "RMSE ratio to fp32 | predict throughput (windows/s) | throughput ratio | fit s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, wb, tb, rmse, sd, tput, fit in rows:
        print(f"| {name} | {wb:,} | {wb / fp32[1]:.3f} | {tb:,} | {rmse:.2f} ± {sd:.2f} | "
              f"{rmse / fp32[3]:.3f} | {tput:,.0f} | {tput / fp32[5]:.2f} | {fit:.1f} |")
    for name, rmse, fit in baselines:
        print(f"| {name} | — | — | — | {rmse:.2f} | {rmse / fp32[3]:.3f} | — | — | {fit:.1f} |")


if __name__ == "__main__":
    main()
