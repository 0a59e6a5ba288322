"""Peak memory and time of fit and predict on an M5-shaped panel, window 28.

A synthetic retail panel shaped like M5: ``--series`` series (30,000 and
3,000 by default) of 1,941 days, three covariates (price, a promotion flag
and an event flag), and a third of the series intermittent, low-volume
counts that are mostly zero. The table is a float32 array ``(id, sales,
price, promo, event)`` with rows grouped by series, as ``forecast_xy``
gives them; the target is the next day's sales. It goes through
``Pipeline([("win", Windower(28, series_id=0)), ("m", LSTMRegressor())])``
at the regressor's defaults, but one epoch. The windows are read on demand
(:class:`~sklstm._lazy_windows.LazyWindows`), so nothing of size rows x
window exists. Every measurement runs in a fresh process; its peak resident
memory (``ru_maxrss``) is what is printed, table and targets included (1.2 GB
of the 30,000-series figure is the table itself).

- **fit**: one epoch, capped at ``--blocks`` blocks of training batches and
  extrapolated as ``benchmarks/scale.py`` does: every step before training
  (the Windower, validation, the ``"auto"`` choice, the input-scaling pass
  over every row, target encoding) runs on all rows; the epoch is that setup
  plus the epoch's start (the permutation of every row, timed once) plus
  the capped batches' time scaled to ``n / batch_size`` batches.
  ``--full`` runs the whole epoch instead.
- **throughput**: training windows per second of the estimator against a
  hand-written torch loop over the same number of batches of the same
  size, drawn at random from the same lazy windows and put in model units
  the same way (the window's last value subtracted and its mean absolute
  value divided, the ``"relative"`` mode ``"auto"`` picks on panels, then
  standardised), with the same module, loss and optimizer. The two
  alternate ``--rounds`` times in one process; the ratio of the medians is
  printed.
- **predict**: the 28 last days of every series (``n_series x 28`` windows,
  one step ahead each), cut from the whole panel's lazy windows with a
  boolean row mask, by a model fitted for one epoch on the first 100 series.

    python benchmarks/panel_scale.py [--series 30000 3000] [--days 1941]
                                     [--blocks 8] [--rounds 3] [--full]
"""

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time

import numpy as np
import torch
from scale import StopAfter, peak_rss_mb
from sklearn.pipeline import Pipeline

from sklstm import LSTMRegressor, Windower
from sklstm._validation import chunk_rows

WINDOW, BATCH_SIZE, TEST_DAYS = 28, 32, 28


def make_panel(n_series, n_days, seed=0, block=1000):
    """``(table, y)``: a float32 table (id, sales, price, promo, event), rows grouped by
    series, and each row's next-day sales."""
    rng = np.random.default_rng(seed)
    table = np.empty((n_series * n_days, 5), dtype=np.float32)
    y = np.empty(n_series * n_days, dtype=np.float32)
    day = np.arange(n_days + 1)
    weekly = 1 + 0.3 * np.sin(2 * np.pi * day / 7)
    event = (rng.random(n_days + 1) < 0.03).astype(np.float32)       # shared calendar
    for start in range(0, n_series, block):
        b = min(block, n_series - start)
        intermittent = rng.random(b) < 1 / 3
        level = np.where(intermittent, rng.uniform(0.05, 0.8, b), rng.lognormal(1.5, 1.0, b))
        price = rng.uniform(1, 20, b)[:, None] * (1 + 0.1 * (rng.random((b, n_days + 1)) < 0.1))
        promo = (rng.random((b, n_days + 1)) < 0.05).astype(np.float32)
        trend = 1 + rng.normal(0, 0.3, b)[:, None] * day / n_days
        rate = level[:, None] * weekly * np.maximum(trend, 0.1) * (1 + promo) * (1 + event)
        sales = rng.poisson(rate).astype(np.float32)                  # (b, n_days + 1)
        rows = slice(start * n_days, (start + b) * n_days)
        part = table[rows].reshape(b, n_days, 5)
        part[:, :, 0] = np.arange(start, start + b)[:, None]
        part[:, :, 1] = sales[:, :-1]
        part[:, :, 2] = price[:, :-1]
        part[:, :, 3] = promo[:, :-1]
        part[:, :, 4] = event[:-1]
        y[rows] = sales[:, 1:].ravel()
    return table, y


class StopAfterBatches(StopAfter):
    """``StopAfter`` that also notes when the first training batch starts: the time
    before it (the epoch's permutation of every row, once per epoch) is not a
    per-batch cost, so it is added to the epoch once, not extrapolated."""

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training and self.count == 0:
            self.first = time.perf_counter()


def hand_loop(module, windows, y, batches, rng, x_scale, y_loc, y_scale, lr=0.001):
    """The loop a PyTorch user would write over the same lazy windows."""
    optimizer = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.MSELoss()
    module.train()
    start = time.perf_counter()
    for _ in range(batches):
        rows = np.sort(rng.integers(0, len(windows), BATCH_SIZE))
        xb = torch.from_numpy(np.asarray(windows[rows], dtype=np.float32))   # (B, w, F)
        last, level = xb[:, -1:], xb.abs().mean(dim=1, keepdim=True).clamp_min(1e-3)
        xb = (xb - last) / level / x_scale
        target = torch.from_numpy(y[rows])[:, None]
        yb = ((target - last[:, :, 0]) / level[:, :, 0] - y_loc) / y_scale
        optimizer.zero_grad()
        loss = loss_fn(module(xb), yb)
        loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def child_fit(n_series, n_days, batches, rounds, full):
    table, y = make_panel(n_series, n_days)
    results = {"estimator_s": [], "hand_s": []}
    rng = np.random.default_rng(1)
    for r in range(rounds):
        callbacks = [] if full else [("cap", StopAfterBatches(batches))]
        pipe = Pipeline([("win", Windower(WINDOW, series_id=0)),
                         ("m", LSTMRegressor(max_epochs=1, callbacks=callbacks))])
        start = time.perf_counter()
        pipe.fit(table, y)
        total = time.perf_counter() - start
        if r == 0:
            results["peak_rss_mb"] = peak_rss_mb()
            results["window_norm"] = pipe[-1].window_norm_
            results["windows_type"] = type(pipe[0].transform(table[:WINDOW])).__name__
        if full:
            results["epoch_s"] = total
            return results
        cap = dict(pipe[-1].net_.callbacks_)["cap"]
        if r == 0:
            results["setup_s"] = cap.start - start
            results["epoch_start_s"] = cap.first - cap.start
        results["estimator_s"].append(cap.stop - cap.first)
        windows = pipe[0].transform(table)
        module = LSTMRegressor()._build_module((WINDOW, 4), 1)
        x_scale = float(np.mean(pipe[-1]._x_scale))
        y_loc = float(pipe[-1]._y_scaler.mean_[0])
        y_scale = float(pipe[-1]._y_scaler.scale_[0])
        results["hand_s"].append(hand_loop(module, windows, y, batches, rng, x_scale,
                                           y_loc, y_scale))
        del pipe, windows
    return results


def child_predict(n_series, n_days):
    table, y = make_panel(n_series, n_days)
    pipe = Pipeline([("win", Windower(WINDOW, series_id=0)),
                     ("m", LSTMRegressor(max_epochs=1))])
    train = 100 * n_days                                    # the first 100 series
    pipe.fit(table[:train], y[:train])
    start = time.perf_counter()
    windows = pipe[0].transform(table)
    last_days = np.arange(len(table)) % n_days >= n_days - TEST_DAYS
    pred = pipe[-1].predict(windows[last_days])
    seconds = time.perf_counter() - start
    assert pred.shape == (n_series * TEST_DAYS,) and np.isfinite(pred).all()
    return {"predict_s": seconds, "rows": int(last_days.sum()), "peak_rss_mb": peak_rss_mb()}


def run_child(**task):
    out = subprocess.run([sys.executable, __file__, "--child", json.dumps(task)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, nargs="+", default=[30_000, 3_000])
    parser.add_argument("--days", type=int, default=1941)
    parser.add_argument("--blocks", type=int, default=8,
                        help="blocks of training batches per fit (the epoch is extrapolated)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--full", action="store_true", help="run whole epochs")
    parser.add_argument("--skip-predict", action="store_true")
    parser.add_argument("--child")
    args = parser.parse_args()
    torch.set_num_threads(1)
    batches = args.blocks * max(1, chunk_rows((WINDOW, 4)) // BATCH_SIZE)
    if args.child:
        task = json.loads(args.child)
        kind = task.pop("kind")
        result = child_fit(**task) if kind == "fit" else child_predict(**task)
        print(json.dumps(result))
        return

    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"1 thread; {args.days} days, window {WINDOW}, 3 covariates, batch {BATCH_SIZE}, "
          + ("whole epochs" if args.full else
             f"fit capped at {batches} batches and extrapolated, {args.rounds} rounds"))
    print(f"{'series':>7} {'rows':>11} | {'fit RSS':>8} {'setup':>7} {'epoch':>10} "
          f"{'win/s':>7} {'hand win/s':>10} {'ratio':>6} | {'predict RSS':>11} "
          f"{'predict':>8} {'win/s':>8}")
    for n_series in args.series:
        rows = n_series * args.days
        fit = run_child(kind="fit", n_series=n_series, n_days=args.days, batches=batches,
                        rounds=1 if args.full else args.rounds, full=args.full)
        if args.full:
            line = (f"{n_series:>7,} {rows:>11,} | {fit['peak_rss_mb']:>5.0f} MB "
                    f"{'':>7} {fit['epoch_s'] / 60:>6.1f} min {rows / fit['epoch_s']:>7.0f} "
                    f"{'':>10} {'':>6} |")
        else:
            est, hand = statistics.median(fit["estimator_s"]), statistics.median(fit["hand_s"])
            windows = batches * BATCH_SIZE
            epoch = (fit["setup_s"] + fit["epoch_start_s"]
                     + est * (rows / BATCH_SIZE) / batches)
            line = (f"{n_series:>7,} {rows:>11,} | {fit['peak_rss_mb']:>5.0f} MB "
                    f"{fit['setup_s']:>6.1f}s {epoch / 60:>6.1f} min {windows / est:>7.0f} "
                    f"{windows / hand:>10.0f} {est / hand:>5.3f}x |")
        if not args.skip_predict:
            pred = run_child(kind="predict", n_series=n_series, n_days=args.days)
            line += (f" {pred['peak_rss_mb']:>8.0f} MB {pred['predict_s']:>7.1f}s "
                     f"{pred['rows'] / pred['predict_s']:>8.0f}")
        print(line + f"   ({fit['windows_type']}, window_norm={fit['window_norm']})",
              flush=True)


if __name__ == "__main__":
    main()
