"""Peak memory of a day-ahead problem with inputs known ahead: leads kept or folded.

A half-hourly series of 16,000 steps (about 333 days) with two covariates
known ahead (a temperature and a working-day flag), 48 steps ahead, window 96:
``forecast_xy(..., horizon=48, future_covariates=[...])`` gives 96 lead columns.
``Windower(96, leads="keep")`` repeats them at every step of the window
(96 x 97 values per row); ``Windower(96)`` (``leads="fold"``, the default)
folds them into 48 future steps ((96 + 48) x 4 values per row, read by the
decoder). The kept windows are a strided view of the padded table (memory
O(rows x columns), every batch then gathers 96 x 97 values per row); the
folded windows are a copy, (96 + 48) x 4 values per row. Each mode runs in a
fresh process; the figures are the process's
peak resident set size (``ru_maxrss``) after windowing and fitting
``LSTMRegressor(max_epochs=1)`` (memory does not grow with epochs), then after
predicting every row, and the size of the windows array.

    .venv/bin/python benchmarks/known_future_memory.py
"""

import json
import resource
import subprocess
import sys
import time

import numpy as np
import pandas as pd

N_STEPS, WINDOW, HORIZON = 16_000, 96, 48


def table():
    rng = np.random.RandomState(0)
    t = np.arange(N_STEPS)
    day = t / 48.0
    temperature = 20 + 5 * np.sin(2 * np.pi * day / 365) + 4 * np.sin(2 * np.pi * (day - 0.6)) \
        + rng.normal(size=N_STEPS)
    workday = ((t // 48) % 7 < 5).astype(float)
    demand = 100 + 20 * workday * np.sin(np.pi * (t % 48) / 48) + 2 * (temperature - 20) ** 2 \
        + rng.normal(scale=3, size=N_STEPS)
    return pd.DataFrame({"t": t, "demand": demand, "temperature": temperature,
                         "workday": workday})


def owned_mb(array):
    """Memory behind ``array``: its own bytes, or those of the array it views."""
    owner, node = array, array
    while getattr(node, "base", None) is not None:      # as_strided's wrapper too
        node = node.base
        if isinstance(node, np.ndarray):
            owner = node
    return owner.nbytes / 2**20


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(leads):
    import torch

    from sklstm import LSTMRegressor, Windower, forecast_xy

    torch.set_num_threads(1)
    X, y = forecast_xy(table(), HORIZON, target="demand", time="t",
                       future_covariates=["temperature", "workday"])
    base = peak_mb()
    windows = Windower(WINDOW, leads=leads).fit_transform(X)
    start = time.process_time()
    model = LSTMRegressor(max_epochs=1, random_state=0).fit(windows, y.to_numpy())
    fit_cpu = time.process_time() - start
    after_fit = peak_mb()
    model.predict(windows)
    print(json.dumps({"leads": leads, "windows_shape": list(windows.shape),
                      "windows_mb": round(windows.nbytes / 2**20, 1),
                      "windows_owned_mb": round(owned_mb(windows), 1),
                      "peak_mb_before": round(base), "peak_mb_fit": round(after_fit),
                      "peak_mb_predict": round(peak_mb()),
                      "fit_cpu_s_one_epoch": round(fit_cpu, 1)}))


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(sys.argv[2])
        return
    rows = []
    for leads in ("keep", "fold"):
        out = subprocess.run([sys.executable, __file__, "--child", leads], check=True,
                             capture_output=True, text=True).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    print("| layout | windows | values per row | windows MB (held in memory) | "
          "peak RSS after fit | after predict | one epoch, CPU s |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        per_row = int(np.prod(r["windows_shape"][1:]))
        print(f"| leads={r['leads']!r} | {tuple(r['windows_shape'])} | {per_row:,} | "
              f"{r['windows_mb']} ({r['windows_owned_mb']}) | "
              f"{r['peak_mb_fit']} MB | {r['peak_mb_predict']} MB | "
              f"{r['fit_cpu_s_one_epoch']} |")


if __name__ == "__main__":
    main()
