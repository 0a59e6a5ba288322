"""TreeLSTMRegressor fit time per epoch on 1 + 5 + 50 and 1 + 20 + 500 node trees.

Synthetic daily sales (``sklstm.datasets.make_hierarchical_sales``), windows of
14 days of every node, next-day targets of every node; Child-Sum cell, hidden
32, batch 32, ``direction="up"`` and ``"both"``. The per-epoch time is the
median of skorch's per-epoch durations after the first epoch (the first also
builds and caches the batched DGL graphs). A fused ``LSTMRegressor`` on the
same windows (all nodes as features and outputs) gives a reference.

    python benchmarks/tree.py [--samples 256] [--epochs 4] [--threads N]
"""

import argparse
import platform
import statistics

import torch

from sklstm import LSTMRegressor, Windower
from sklstm.datasets import make_hierarchical_sales
from sklstm.tree import TreeLSTMRegressor

TREES = [(5, 10), (20, 25)]       # (categories, products per category)
WINDOW = 14


def epoch_seconds(reg, X, y):
    reg.fit(X, y)
    return statistics.median(reg.history_[1:, "dur"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's choice)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    import dgl

    print(f"machine: {platform.processor() or platform.machine()}, "
          f"torch {torch.__version__}, dgl {dgl.__version__}, "
          f"{torch.get_num_threads()} thread(s)")
    print(f"data: {args.samples} windows of {WINDOW} days, next-day target of every node, "
          f"hidden 32, batch 32, {args.epochs} epochs (median after the first)\n")
    print(f"{'tree (nodes)':24s}{'model':26s}{'s / epoch':>10s}{'ms / batch':>12s}")
    for n_categories, n_products in TREES:
        sales, hierarchy = make_hierarchical_sales(n_categories, n_products,
                                                n_periods=args.samples + WINDOW + 1,
                                                random_state=0)
        values = sales.to_numpy()
        X = Windower(WINDOW).fit_transform(values[:-1])[WINDOW:]
        y = values[1:][WINDOW:]
        label = f"1 + {n_categories} + {n_categories * n_products} ({hierarchy.n_nodes})"
        n_batches = -(-len(X) // 32)
        common = dict(max_epochs=args.epochs, n_iter_no_change=None, random_state=0)
        rows = [("TreeLSTM child-sum, up",
                 TreeLSTMRegressor(hierarchy=hierarchy, direction="up", **common)),
                ("TreeLSTM child-sum, both",
                 TreeLSTMRegressor(hierarchy=hierarchy, direction="both", **common)),
                ("LSTMRegressor (flat)", LSTMRegressor(**common))]
        for name, reg in rows:
            seconds = epoch_seconds(reg, X, y)
            print(f"{label:24s}{name:26s}{seconds:10.2f}{1e3 * seconds / n_batches:12.1f}",
                  flush=True)


if __name__ == "__main__":
    main()
