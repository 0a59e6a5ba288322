"""Custom-cell variants: fit time per epoch relative to the fused ``nn.LSTM``.

Setup: 2,000 windows of 48 steps, hidden 64, batch 64, one feature, default
threads. Each regressor trains for ``--epochs`` epochs (no early stop); the
per-epoch time is the median of skorch's per-epoch durations after the first
epoch, and the smallest such median over ``--rounds`` interleaved rounds.
Highway has two layers, so it is also compared with the two-layer fused
``StackedLSTMRegressor``.

``--compile`` also times ``torch.compile`` of the peephole network (first
step including compilation, then steady steps) and prints the break-even
number of epochs.

    python benchmarks/cells.py [--epochs 4] [--rounds 3] [--compile]
"""

import argparse
import statistics
import time

import numpy as np
import torch

from sklstm import (
    CIFGLSTMRegressor,
    HighwayLSTMRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    StackedLSTMRegressor,
)
from sklstm.nn import CellRecurrentNet

TARGETS = {"PeepholeLSTMRegressor": 2.0, "CIFGLSTMRegressor": 2.0,
           "NestedLSTMRegressor": 3.0, "HighwayLSTMRegressor": 3.0}


def epoch_seconds(cls, X, y, epochs, **params):
    reg = cls(hidden_size=64, batch_size=64, max_epochs=epochs, n_iter_no_change=None,
              random_state=0, **params).fit(X, y)
    return statistics.median(reg.history_[1:, "dur"])


def compile_break_even(X, y, batch_size=64, steps=8):
    """Seconds per batch of eager vs compiled peephole nets, and the break-even."""
    xb, yb = torch.as_tensor(X[:batch_size], dtype=torch.float32), torch.zeros(batch_size, 1)
    result = {}
    for name in ["eager", "compiled"]:
        torch.manual_seed(0)
        net = CellRecurrentNet("peephole", X.shape[2], 64, 1)
        model = torch.compile(net) if name == "compiled" else net
        optimizer = torch.optim.Adam(net.parameters())
        times = []
        for _ in range(steps):
            start = time.perf_counter()
            optimizer.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            optimizer.step()
            times.append(time.perf_counter() - start)
        result[name] = (times[0], statistics.median(times[2:]))
    batches_per_epoch = int(np.ceil(len(X) / batch_size))
    saved_per_epoch = (result["eager"][1] - result["compiled"][1]) * batches_per_epoch
    compile_cost = result["compiled"][0] - result["eager"][1]
    return result, compile_cost, saved_per_epoch


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()

    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 48, 1)).astype(np.float32)
    y = X[:, -1, 0] + 0.5 * X[:, 0, 0]
    print(f"2000 x 48 x 1 windows, hidden 64, batch 64, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; seconds per epoch (median)\n")
    models = [LSTMRegressor, StackedLSTMRegressor, PeepholeLSTMRegressor, CIFGLSTMRegressor,
              NestedLSTMRegressor, HighwayLSTMRegressor]
    # interleaved rounds; the fastest round of each model is kept, which is
    # the least disturbed by other work on a shared machine
    seconds = {cls: float("inf") for cls in models}
    for _ in range(args.rounds):
        for cls in models:
            seconds[cls] = min(seconds[cls], epoch_seconds(cls, X, y, args.epochs))
    fused, stacked = seconds[LSTMRegressor], seconds[StackedLSTMRegressor]
    print(f"{'LSTMRegressor (fused)':28s}{fused:8.2f} s   1.00x")
    print(f"{'StackedLSTMRegressor (fused)':28s}{stacked:8.2f} s   {stacked / fused:.2f}x")
    for cls in models[2:]:
        line = (f"{cls.__name__:28s}{seconds[cls]:8.2f} s   {seconds[cls] / fused:.2f}x"
                f"   (target <= {TARGETS[cls.__name__]:.1f}x)")
        if cls is HighwayLSTMRegressor:
            line += f"   {seconds[cls] / stacked:.2f}x the 2-layer fused stack"
        print(line)

    if args.compile:
        result, cost, saved = compile_break_even(X, y)
        print("\ntorch.compile, peephole net, one batch of 64:")
        for name, (first, steady) in result.items():
            print(f"  {name:9s} first step {first:7.2f} s   steady {steady * 1e3:6.1f} ms")
        if saved > 0:
            print(f"  compilation {cost:.1f} s; saves {saved:.2f} s per epoch: "
                  f"break-even after {cost / saved:.0f} epochs")
        else:
            print(f"  compilation {cost:.1f} s and no steady-state gain")


if __name__ == "__main__":
    main()
