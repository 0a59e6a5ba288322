"""Custom-cell variants: fit time per epoch relative to the fused ``nn.LSTM``.

Setup (issue 16): 2,000 windows of 48 steps, one feature, hidden 64, batch 64.
Each regressor trains for ``--epochs`` epochs (no early stop); its epoch time
in one round is the median of the per-epoch times after the first epoch.
Rounds are interleaved (every model once per round), and the figure printed is
the median over ``--rounds`` rounds, with the spread (min-max) next to it: the
machine may be shared, so one round alone says little.

Two clocks: ``wall`` (skorch's epoch durations) and ``cpu`` (the process's
CPU time per epoch). With one thread (``OMP_NUM_THREADS=1``) on an idle
machine they agree; when other processes share the cores, the wall clock
also counts the time the process waited for a core, and the CPU clock is the
steadier comparison. With several threads the CPU clock adds them up, so read
the wall clock there.

Each variant is compared with the fused regressor that has as many layers:
the one-layer cells with ``LSTMRegressor``, the Highway LSTM (two layers, the
least its depth gate needs) with the two-layer ``StackedLSTMRegressor``.
Threads are torch's default unless ``OMP_NUM_THREADS`` (or ``--threads``)
says otherwise.

The row of the two-layer fused stack shows its ratio to the one-layer fused
regressor.

Measured for issue 16 on the 2-core development machine while another
developer's jobs kept both cores busy (load 4-6), ``OMP_NUM_THREADS=1``, five
rounds, CPU clock (seconds per epoch, ratio to the fused regressor with as
many layers), before and after the whole-sequence kernels of
:mod:`sklstm.nn._fused_cells`:

=========  ===============  ===============
variant    before           after
=========  ===============  ===============
Peephole   0.651 s (3.51x)  0.413 s (2.17x)
CIFG       0.408 s (2.20x)  0.322 s (1.70x)
Nested     1.122 s (6.04x)  0.855 s (4.50x)
Highway    1.407 s          0.959 s
=========  ===============  ===============

The fused references measured 0.186 and 0.190 s (one layer) and 0.70 and
0.39 s (the two-layer stack, which varied most between rounds), so the Highway
ratio (2.00x before, 2.47x after) mostly follows the stack's noise. An earlier
pair of runs gave the same picture (after: 2.14x, 1.65x, 4.20x, 1.36x).

Later, with the backward factors computed in bulk (peephole, nested), the
peephole forward's output gate and tanh(c) sharing one operation, and the
outputs' gradients copied in once, ``OMP_NUM_THREADS=1``, five rounds, CPU
clock, on a quieter machine (load about 2):

=========  ===============
variant    now
=========  ===============
Peephole   0.297 s (1.97x)
CIFG       0.225 s (1.49x)
Nested     0.642 s (4.27x)
Highway    0.730 s (1.32x)
=========  ===============

with the fused regressor at 0.150 s and the two-layer stack at 0.554 s (0.32
to 0.57 between rounds). Interleaved in one run with the previous kernels
(same setup, load 2-4), the previous/current ratios were Peephole 2.34x/2.24x,
CIFG 1.87x/1.75x, Nested 4.95x/4.64x: the gains are a few per cent, larger
when the machine is loaded (the steps spend less time dispatching
operations). The per-step matmuls, three per step (six for the nested cell),
are most of what remains.

``--compile`` also times ``torch.compile`` of the peephole network (first
step including compilation, then steady steps) and prints the break-even
number of epochs.

    python benchmarks/cells.py [--epochs 4] [--rounds 3] [--threads N] [--compile]
    OMP_NUM_THREADS=1 python benchmarks/cells.py
"""

import argparse
import statistics
import time

import numpy as np
import torch
from skorch.callbacks import Callback

from sklstm import (
    CIFGLSTMRegressor,
    HighwayLSTMRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    StackedLSTMRegressor,
)
from sklstm.nn import CellRecurrentNet

#: variant -> (fused reference with as many layers, target ratio of issue 16)
TARGETS = {
    PeepholeLSTMRegressor: (LSTMRegressor, 2.0),
    CIFGLSTMRegressor: (LSTMRegressor, 2.0),
    NestedLSTMRegressor: (LSTMRegressor, 3.0),
    HighwayLSTMRegressor: (StackedLSTMRegressor, 3.0),
}


class EpochCPUTime(Callback):
    """Records the process's CPU seconds of each epoch in the history, as ``cpu``."""

    def on_epoch_begin(self, net, **kwargs):
        self.start_ = time.process_time()

    def on_epoch_end(self, net, **kwargs):
        net.history.record("cpu", time.process_time() - self.start_)


def epoch_seconds(cls, X, y, epochs, **params):
    """Median wall and CPU seconds per epoch, the first epoch left out."""
    reg = cls(hidden_size=64, batch_size=64, max_epochs=epochs, n_iter_no_change=None,
              random_state=0, callbacks=[EpochCPUTime()], **params).fit(X, y)
    return {clock: statistics.median(reg.history_[1:, key])
            for clock, key in [("wall", "dur"), ("cpu", "cpu")]}


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
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    rng = np.random.RandomState(0)
    X = rng.normal(size=(2000, 48, 1)).astype(np.float32)
    y = X[:, -1, 0] + 0.5 * X[:, 0, 0]
    print(f"2000 x 48 x 1 windows, hidden 64, batch 64, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread(s); seconds per epoch, median of "
          f"{args.rounds} rounds (min-max), and the ratio to the fused regressor with "
          "as many layers\n")
    models = [LSTMRegressor, StackedLSTMRegressor, *TARGETS]
    seconds = {(cls, clock): [] for cls in models for clock in ["wall", "cpu"]}
    for _ in range(args.rounds):
        for cls in models:
            for clock, value in epoch_seconds(cls, X, y, args.epochs).items():
                seconds[cls, clock].append(value)
    median = {key: statistics.median(values) for key, values in seconds.items()}
    references = {LSTMRegressor: LSTMRegressor, StackedLSTMRegressor: LSTMRegressor,
                  **{cls: reference for cls, (reference, _) in TARGETS.items()}}

    print(f"{'':28s}" + "".join(f"{clock:^36s}" for clock in ["wall", "cpu"]))
    for cls in models:
        line = f"{cls.__name__:28s}"
        for clock in ["wall", "cpu"]:
            values = seconds[cls, clock]
            ratio = median[cls, clock] / median[references[cls], clock]
            spread = f"({min(values):.2f}-{max(values):.2f})"
            line += f"{median[cls, clock]:7.3f} s {spread:15s}{ratio:6.2f}x    "
        if cls in TARGETS:
            reference, target = TARGETS[cls]
            line += f"target <= {target:.1f}x vs {reference.__name__}"
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
