"""ConvLSTMRegressor throughput (samples/s) on 16x16 and 32x32 grids.

Moving-blob frames (``sklstm.datasets.make_moving_blobs``), 6 input frames,
next-frame targets, default model (8 hidden channels, kernel 3, one layer),
batch 32. Training throughput is samples per second of an epoch (median of
skorch's epoch durations after the first); prediction throughput is for one
``predict`` call on all samples.

    python benchmarks/convlstm.py [--samples 512] [--epochs 3]
"""

import argparse
import statistics
import time

import torch

from sklstm import ConvLSTMRegressor
from sklstm.datasets import make_moving_blobs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{args.samples} samples of 6 frames, batch 32")
    print(f"{'grid':>8s}{'fit samples/s':>16s}{'predict samples/s':>20s}")
    for grid in (16, 32):
        X, y = make_moving_blobs(args.samples, n_timesteps=6, grid=grid, random_state=0)
        reg = ConvLSTMRegressor(max_epochs=args.epochs, n_iter_no_change=None,
                                random_state=0).fit(X, y)
        epoch = statistics.median(reg.history_[1:, "dur"])
        start = time.perf_counter()
        reg.predict(X)
        predict = time.perf_counter() - start
        print(f"{grid:>5d}x{grid:<2d}{args.samples / epoch:16.0f}{args.samples / predict:20.0f}",
              flush=True)


if __name__ == "__main__":
    main()
