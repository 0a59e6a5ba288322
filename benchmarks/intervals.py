"""Interval forecasts on bundled series: coverage, width, Winkler score, quantile loss.

Every model is the ``sklstm compare`` pipeline (a ``Windower`` and the
regressor, ``window_norm="last"``, window of two seasons) scored on the same
``TimeSeriesSplit`` folds, its test windows carrying their real history:

- each recurrent variant with ``conformal=True`` (absolute-residual split
  conformal, calibrated on the last 20% of each training fold);
- ``lstm q``: an LSTM with a quantile head, ``quantiles=(0.05, 0.1, 0.5, 0.9,
  0.95)``, its raw quantiles; and ``lstm cqr``: the same with
  ``conformal=True`` (conformalized quantile regression). Both train with
  ``early_stopping=True`` (validation on the last 10% of the training rows,
  patience 20, up to 300 epochs): trained to the training-loss plateau, the
  pinball loss overfits these short series (sunspots: 1.37x the best
  baseline's quantile loss instead of 0.86x);
- the baselines of ``sklstm.baselines`` with their empirical in-sample
  residual quantiles.

For each data set, horizon and nominal coverage the table gives the
empirical coverage (all horizon steps pooled, averaged over folds), the mean
interval width, the Winkler score and the fit time per fold. The last
table is the sharpness check: the mean pinball loss at levels (0.1, 0.5, 0.9)
of ``lstm q`` against the baselines, and the ratio to the best baseline.
With ``--seeds`` above 1 every cell is the mean over seeds, and the spread of
the coverage over seeds is printed.

    python benchmarks/intervals.py                        # about 10 minutes on 2 cores
    python benchmarks/intervals.py --data sunspots --horizons 1 --seeds 3
"""

import argparse
import time

import numpy as np
import torch
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit

from sklstm.compare import (
    baseline_pipelines,
    default_window,
    forecast_data,
    load_data,
    make_pipeline,
)
from sklstm.metrics import interval_coverage, interval_width, quantile_loss, winkler_score

LEVELS = (0.05, 0.1, 0.5, 0.9, 0.95)
SHARPNESS_LEVELS = (0.1, 0.5, 0.9)


def models(variants, window, season, seed, max_epochs):
    """Model name -> unfitted pipeline (all give intervals)."""
    out = {}
    for name in variants:
        out[name] = make_pipeline(name, window=window, random_state=seed,
                                  max_epochs=max_epochs, conformal=True)
    quantile = make_pipeline("lstm", window=window, random_state=seed, max_epochs=max_epochs)
    out["lstm q"] = quantile.set_params(m__quantiles=LEVELS, m__early_stopping=True,
                                        m__max_epochs=300, m__n_iter_no_change=20)
    out["lstm cqr"] = clone(quantile).set_params(m__conformal=True)
    out.update(baseline_pipelines(window=window, season=season))
    return out


def run(data, horizon, coverages, variants, cv, seed, max_epochs):
    frame, target, season = load_data(data)
    _, X, y = forecast_data(frame, target, horizon=horizon, cv=cv)
    X, y = X.to_numpy(np.float64), y.to_numpy(np.float64)
    window = default_window(season)
    folds = list(TimeSeriesSplit(n_splits=cv).split(X))
    rows = {}
    for name, template in models(variants, window, season, seed, max_epochs).items():
        cells = {c: {"coverage": [], "width": [], "winkler": []} for c in coverages}
        losses, fit_s = [], []
        for train, test in folds:
            start = time.perf_counter()
            model = clone(template).fit(X[train], y[train])
            fit_s.append(time.perf_counter() - start)
            windows = model[:-1].transform(X)[test]      # test windows with real history
            for c in coverages:
                interval = model[-1].predict_interval(windows, coverage=c)
                interval = interval.reshape(len(test), horizon, 2)
                cells[c]["coverage"].append(interval_coverage(y[test], interval))
                cells[c]["width"].append(interval_width(interval))
                cells[c]["winkler"].append(winkler_score(y[test], interval, coverage=c))
            if name != "lstm cqr" and name not in variants:
                q = model[-1].predict_quantiles(windows, quantiles=SHARPNESS_LEVELS)
                losses.append(quantile_loss(y[test], q.reshape(len(test), horizon, -1),
                                            SHARPNESS_LEVELS))
        rows[name] = {"cells": {c: {k: float(np.mean(v)) for k, v in cell.items()}
                                for c, cell in cells.items()},
                      "fit_s": float(np.mean(fit_s)),
                      "quantile_loss": float(np.mean(losses)) if losses else None}
    return rows


def mean_over_seeds(per_seed):
    first = per_seed[0]
    out = {}
    for name, row in first.items():
        cells = {c: {k: float(np.mean([r[name]["cells"][c][k] for r in per_seed]))
                     for k in cell} for c, cell in row["cells"].items()}
        spread = {c: (min(r[name]["cells"][c]["coverage"] for r in per_seed),
                      max(r[name]["cells"][c]["coverage"] for r in per_seed))
                  for c in row["cells"]}
        losses = [r[name]["quantile_loss"] for r in per_seed]
        out[name] = {"cells": cells, "spread": spread,
                     "fit_s": float(np.mean([r[name]["fit_s"] for r in per_seed])),
                     "quantile_loss": None if losses[0] is None else float(np.mean(losses))}
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=["sunspots", "elec_equip"])
    parser.add_argument("--horizons", nargs="+", type=int, default=[1, 5])
    parser.add_argument("--coverages", nargs="+", type=float, default=[0.8, 0.9])
    parser.add_argument("--variants", nargs="+", default=["lstm", "gru", "cifg"])
    parser.add_argument("--cv", type=int, default=4)
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--max-epochs", type=int, default=100)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, {args.cv} TimeSeriesSplit folds, seeds 0..{args.seeds - 1}")
    for data in args.data:
        for horizon in args.horizons:
            per_seed = [run(data, horizon, args.coverages, args.variants, args.cv, seed,
                            args.max_epochs) for seed in range(args.seeds)]
            rows = mean_over_seeds(per_seed)
            print(f"\n{data}, horizon {horizon}")
            head = "model".ljust(24) + "".join(
                f"{'cov@' + format(c, 'g'):>10}{'width':>10}{'winkler':>10}"
                for c in args.coverages) + f"{'fit_s':>8}"
            print(head)
            for name, row in rows.items():
                line = name.ljust(24)
                for c in args.coverages:
                    cell = row["cells"][c]
                    line += (f"{cell['coverage']:>10.3f}{cell['width']:>10.4g}"
                             f"{cell['winkler']:>10.4g}")
                print(line + f"{row['fit_s']:>8.2f}")
            if args.seeds > 1:
                for name, row in rows.items():
                    spread = ", ".join(f"{c:g}: {lo:.3f}-{hi:.3f}"
                                       for c, (lo, hi) in row["spread"].items())
                    print(f"  coverage over seeds, {name}: {spread}")
            baselines = {n: r["quantile_loss"] for n, r in rows.items()
                         if r["quantile_loss"] is not None and n != "lstm q"}
            best = min(baselines, key=baselines.get)
            ratio = rows["lstm q"]["quantile_loss"] / baselines[best]
            print(f"  quantile loss at {SHARPNESS_LEVELS}: lstm q "
                  f"{rows['lstm q']['quantile_loss']:.4g}, best baseline ({best}) "
                  f"{baselines[best]:.4g}, ratio {ratio:.3f}")


if __name__ == "__main__":
    main()
