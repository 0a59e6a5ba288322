"""Fit time of a default model with torch's default threads against one thread, idle and busy.

Measures the README example's model (``LSTMRegressor`` at defaults, window 24,
sunspots, 3-step horizon) and a larger one (``hidden_size=256``,
``batch_size=256``), each fitted with

- ``n_threads=None``: torch's global setting (by default one thread per core);
- ``n_threads="auto"`` (the default): the estimator's policy;
- ``n_threads=1``;

first as the machine is, then while ``--busy`` other processes spin on the
CPU (one per core by default), interleaved, ``--repeats`` times each; each
row gives the load average at its end (run it on an idle machine for the
"idle" figures). Prints wall-clock seconds (median and range) and the ratio to one thread.

    python benchmarks/threads.py [--repeats 3] [--busy N]
"""

import argparse
import multiprocessing as mp
import os
import statistics
import time

import torch

from sklstm import LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_sunspots


def spin(stop):
    x = 0
    while not stop.is_set():
        x = (x * 31 + 7) % 1000003


def fit_seconds(params, n_threads, X, y):
    model = LSTMRegressor(random_state=0, n_threads=n_threads, **params)
    start = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - start, model.n_iter_


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--busy", type=int, default=os.cpu_count())
    parser.add_argument("--max-epochs", type=int, default=60,
                        help="epochs per fit (the same for every setting)")
    args = parser.parse_args(argv)
    X, y = forecast_xy(load_sunspots(), horizon=3)
    X = Windower(24).fit_transform(X)
    models = {"default (hidden 32, batch 32)": {},
              "large (hidden 256, batch 256)": {"hidden_size": 256, "batch_size": 256}}
    print(f"{os.cpu_count()} cores, torch {torch.__version__}, torch threads "
          f"{torch.get_num_threads()}, load {os.getloadavg()[0]:.1f}; "
          f"{args.max_epochs} epochs per fit, n_iter_no_change=None")
    print("| model | machine | n_threads | wall s (median, range) | / one thread |")
    print("|---|---|---|---|---|")
    for label, params in models.items():
        params = dict(params, max_epochs=args.max_epochs, n_iter_no_change=None)
        for busy in (0, args.busy):
            stop = mp.Event()
            spinners = [mp.Process(target=spin, args=(stop,)) for _ in range(busy)]
            for p in spinners:
                p.start()
            try:
                times = {n: [] for n in (None, "auto", 1)}
                for _ in range(args.repeats):
                    for n in times:
                        times[n].append(fit_seconds(params, n, X, y)[0])
            finally:
                stop.set()
                for p in spinners:
                    p.join()
            one = statistics.median(times[1])
            for n, ts in times.items():
                where = "no spinners" if not busy else f"{busy} spinning processes"
                print(f"| {label} | {where}, load {os.getloadavg()[0]:.1f} | "
                      f"{n!r} | {statistics.median(ts):.2f} ({min(ts):.2f}-{max(ts):.2f}) | "
                      f"{statistics.median(ts) / one:.2f} |")


if __name__ == "__main__":
    main()
