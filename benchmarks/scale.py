"""Peak memory and time of fit and predict on a long series, window 168.

A ``Windower(window=168)`` -> regressor ``Pipeline`` on a float32 series (a
random walk plus a daily season) of 1M and 10M steps, with ``LSTMRegressor``
and a custom cell (``CIFGLSTMRegressor``), at their defaults (``window_norm``
resolves to ``"last"``). Every measurement runs in a fresh process; its peak
resident memory (``ru_maxrss``) is what is printed.

- **fit**: one epoch whose training batches are capped at ``--blocks`` blocks
  (the estimator makes the model inputs of a block of batches at once, 48
  batches of 32 windows of 168 steps; a whole number of blocks keeps that
  cost in proportion). Every step before training (validation, the
  input-scaling pass, target encoding, the Windower) runs on every row; the
  epoch time is that setup time plus the capped batches' time scaled to the
  epoch's number of batches (``n / batch_size``). The cap stops skorch's
  epoch with a ``KeyboardInterrupt``, which skorch catches (the net stays
  usable).
- **predict**: ``predict`` on every row of the series, by a model fitted for
  one epoch on its first 20,000 steps.
- **throughput**: training windows per second of the estimator (its batches,
  from the start of training to the last capped batch) against a hand-written
  torch loop over the same number of batches of the same size, drawn by a
  random permutation from the same windows view and put in model units the
  same way (last-value normalisation, then standardisation, in torch), with
  the same module, loss and optimizer. The two alternate ``--rounds`` times in
  one process; the ratio of the medians is printed.

    python benchmarks/scale.py [--steps 1000000 10000000] [--blocks 8]
                               [--models lstm cifg] [--rounds 3] [--skip-predict]
"""

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from skorch.callbacks import Callback

from sklstm import CIFGLSTMRegressor, LSTMRegressor, Windower
from sklstm._validation import chunk_rows

MODELS = {"lstm": LSTMRegressor, "cifg": CIFGLSTMRegressor}
BATCH_SIZE = 32


def make_series(steps, seed=0):
    """A float32 random walk plus a daily (24-step) season, and its next value."""
    rng = np.random.RandomState(seed)
    t = np.arange(steps + 1, dtype=np.float32)
    walk = rng.standard_normal(steps + 1).astype(np.float32).cumsum(dtype=np.float32)
    series = 0.1 * walk + np.sin(2 * np.pi * t / 24).astype(np.float32)
    return series[:-1, np.newaxis], series[1:]                     # (n, 1), (n,)


class StopAfter(Callback):
    """End the epoch after ``batches`` training batches; time the training phase."""

    def __init__(self, batches):
        self.batches = batches

    def on_train_begin(self, net, **kwargs):
        self.count, self.start, self.stop = 0, time.perf_counter(), None

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        self.count += 1
        if self.count == self.batches:
            self.stop = time.perf_counter()
            losses = [b["train_loss"] for b in net.history[-1, "batches"] if "train_loss" in b]
            net.history.record("train_loss", float(np.mean(losses)))
            raise KeyboardInterrupt          # skorch ends fit_loop here, keeps the net


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024      # Linux: KiB


def hand_loop(module, windows, y, batches, lr=0.01):
    """The loop a PyTorch user would write over the same windows view."""
    n = len(windows)
    last = windows[:, -1, 0]
    x_loc, x_scale = 0.0, float(np.std(windows[:2000, :, 0] - last[:2000, None]))
    target = y - last
    y_loc, y_scale = float(target.mean()), float(target.std())
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.MSELoss()
    module.train()
    start = time.perf_counter()
    order = torch.randperm(n).numpy()
    for b in range(batches):
        rows = order[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]
        xb = torch.from_numpy(windows[rows])                              # (B, w, 1)
        xb = ((xb - xb[:, -1:]) - x_loc) / x_scale
        yb = (torch.from_numpy(target[rows])[:, None] - y_loc) / y_scale
        optimizer.zero_grad()
        loss = loss_fn(module(xb), yb)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def child_fit(model, steps, window, batches, rounds):
    X, y = make_series(steps)
    results = {"estimator_s": [], "hand_s": []}
    for r in range(rounds):
        pipe = Pipeline([("win", Windower(window=window)),
                         ("m", MODELS[model](max_epochs=1, n_iter_no_change=None,
                                             batch_size=BATCH_SIZE, random_state=0,
                                             callbacks=[("cap", StopAfter(batches))]))])
        start = time.perf_counter()
        pipe.fit(X, y)
        cap = dict(pipe[-1].net_.callbacks_)["cap"]
        if r == 0:
            results["peak_rss_mb"] = peak_rss_mb()
            results["setup_s"] = cap.start - start
            results["window_norm"] = pipe[-1].window_norm_
        results["estimator_s"].append(cap.stop - cap.start)
        windows = pipe[0].transform(X)                                     # the same view
        module = MODELS[model](random_state=0)._build_module(windows.shape[1:], 1)
        results["hand_s"].append(hand_loop(module, windows, y, batches))
        del pipe, windows
    return results


def child_predict(model, steps, window):
    X, y = make_series(steps)
    pipe = Pipeline([("win", Windower(window=window)),
                     ("m", MODELS[model](max_epochs=1, random_state=0))])
    pipe.fit(X[:20000], y[:20000])
    start = time.perf_counter()
    pred = pipe.predict(X)
    seconds = time.perf_counter() - start
    assert pred.shape == (steps,) and np.isfinite(pred).all()
    return {"predict_s": seconds, "peak_rss_mb": peak_rss_mb()}


def run_child(**task):
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(task)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--window", type=int, default=168)
    parser.add_argument("--blocks", type=int, default=8,
                        help="blocks of training batches run per fit (the epoch is "
                             "extrapolated)")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-predict", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    torch.set_num_threads(1)
    batches = args.blocks * max(1, chunk_rows((args.window, 1)) // BATCH_SIZE)
    if args.child:
        task = json.loads(args.child)
        kind = task.pop("kind")
        result = child_fit(**task) if kind == "fit" else child_predict(**task)
        print(json.dumps(result))
        return

    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"1 thread; window {args.window}, batch {BATCH_SIZE}, fit capped at "
          f"{batches} batches per epoch and extrapolated, {args.rounds} rounds")
    print(f"{'model':6} {'steps':>11} | {'fit RSS':>8} {'setup':>7} {'epoch (extrap.)':>16} "
          f"{'win/s':>7} {'hand win/s':>10} {'ratio':>6} | {'predict RSS':>11} "
          f"{'predict':>8} {'win/s':>8}")
    for steps in args.steps:
        for model in args.models:
            fit = run_child(kind="fit", model=model, steps=steps, window=args.window,
                            batches=batches, rounds=args.rounds)
            est, hand = statistics.median(fit["estimator_s"]), statistics.median(fit["hand_s"])
            windows = batches * BATCH_SIZE
            epoch = fit["setup_s"] + est * (steps / BATCH_SIZE) / batches
            line = (f"{model:6} {steps:>11,} | {fit['peak_rss_mb']:>5.0f} MB "
                    f"{fit['setup_s']:>6.1f}s {epoch / 60:>13.1f} min {windows / est:>7.0f} "
                    f"{windows / hand:>10.0f} {est / hand:>5.3f}x |")
            if not args.skip_predict:
                pred = run_child(kind="predict", model=model, steps=steps, window=args.window)
                line += (f" {pred['peak_rss_mb']:>8.0f} MB {pred['predict_s']:>7.1f}s "
                         f"{steps / pred['predict_s']:>8.0f}")
            print(line, flush=True)


if __name__ == "__main__":
    main()
