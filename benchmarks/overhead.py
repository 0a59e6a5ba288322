"""Wrapper overhead: ``LSTMRegressor.fit`` against a hand-written torch loop.

Both train the same module class on the same windows for the same epochs with
the same optimizer, batch size and shuffling; the estimator additionally
validates input, scales the target and goes through skorch, and makes each
block of batches' model inputs from the windows it is given (see
``benchmarks/scale.py`` for long series). The script prints the median time of
each over interleaved repeats and their ratio, in wall and in CPU seconds
(one torch thread: CPU seconds leave out the time that other processes hold
the core, so they move less on a shared machine).

    python benchmarks/overhead.py [--samples 200] [--window 10] [--epochs 30]
                                  [--window-norm auto] [--view]

``--window-norm last`` makes the estimator normalise every window (the
hand-written loop does not), the costliest per-row preparation; ``--view``
passes the windows as the Windower's strided view of a series instead of a
dense array.
"""

import argparse
import platform
import statistics
import time

import numpy as np
import torch

from sklstm import LSTMRegressor, Windower


def manual_fit(module, X, y, *, epochs, batch_size, lr):
    """The loop a PyTorch user would write by hand."""
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.MSELoss()
    X = torch.as_tensor(X, dtype=torch.float32)
    y = torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)
    y = (y - y.mean(0)) / y.std(0)
    module.train()
    for _ in range(epochs):
        order = torch.randperm(len(X))
        Xs, ys = X[order], y[order]
        for start in range(0, len(X), batch_size):
            xb, yb = Xs[start:start + batch_size], ys[start:start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(module(xb), yb)
            loss.backward()
            optimizer.step()
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--features", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--hidden-size", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--window-norm", default="auto",
                        choices=["auto", "none", "standard", "mean", "last"])
    parser.add_argument("--view", action="store_true",
                        help="windows as a strided view of a series")
    args = parser.parse_args()
    torch.set_num_threads(1)

    rng = np.random.RandomState(0)
    if args.view:
        series = rng.normal(size=(args.samples, args.features)).astype(np.float32)
        X = Windower(window=args.window).fit_transform(series)
    else:
        X = rng.normal(size=(args.samples, args.window, args.features)).astype(np.float32)
    y = X[:, -1, 0] + 0.5 * X[:, 0, -1]
    window_norm = None if args.window_norm == "none" else args.window_norm
    params = dict(hidden_size=args.hidden_size, max_epochs=args.epochs,
                  batch_size=args.batch_size, n_iter_no_change=None, random_state=0,
                  window_norm=window_norm)

    def run_estimator():
        LSTMRegressor(**params).fit(X, y)

    def run_manual():
        module = LSTMRegressor(**params)._build_module(X.shape[1:], 1)
        manual_fit(module, X, y, epochs=args.epochs, batch_size=args.batch_size, lr=0.01)

    run_estimator(), run_manual()  # warm-up
    times = {"sklstm": [], "manual": []}
    cpu = {"sklstm": [], "manual": []}
    for _ in range(args.repeats):
        for name, fn in [("sklstm", run_estimator), ("manual", run_manual)]:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"machine: {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"data: ({args.samples}, {args.window}, {args.features}) windows"
          f"{' (a strided view)' if args.view else ''}, window_norm={args.window_norm}, "
          f"hidden {args.hidden_size}, batch {args.batch_size}, {args.epochs} epochs, "
          f"{args.repeats} repeats")
    print(f"hand-written loop  median {med['manual']:.3f} s   min {best['manual']:.3f} s")
    print(f"LSTMRegressor.fit  median {med['sklstm']:.3f} s   min {best['sklstm']:.3f} s")
    print(f"overhead ratio     median {med['sklstm'] / med['manual']:.3f}x   "
          f"min {best['sklstm'] / best['manual']:.3f}x   (target <= 1.10x)")
    # one thread: CPU seconds leave out the time other processes hold the core
    print(f"CPU seconds        median {med_cpu['sklstm']:.3f} / {med_cpu['manual']:.3f} s   "
          f"ratio {med_cpu['sklstm'] / med_cpu['manual']:.3f}x")


if __name__ == "__main__":
    main()
