"""darts' global ``RNNModel`` on the retail panel, for ``docs/panels.rst``.

The same task as ``benchmarks/panel.py``: ``make_retail_panel(40, 730,
random_state=0)``, one day ahead, the last 60 days of every series held out
and forecast from their real history, the promotion as a future covariate.
darts fits one LSTM over all the series (``RNNModel(model="LSTM")``, window
28, each series scaled to [0, 1] on its training part by darts' ``Scaler``),
then ``historical_forecasts`` forecasts each held-out day without
retraining. Scores as in ``benchmarks/panel.py``: MAPE and RMSE over the
held-out days, mean over the series of the MASE (season 7, scaled by the
in-sample weekly naive error). Fit time in CPU seconds, one torch thread.

darts is not an sklstm dependency and this script does not import sklstm; write
the panel with sklstm, then run darts in an environment of its own:

    python -c "from sklstm.datasets import make_retail_panel; \\
        make_retail_panel(40, 730, random_state=0).to_csv('panel.csv', index=False)"
    python -m venv /tmp/dartsenv
    /tmp/dartsenv/bin/pip install -c constraints.txt "u8darts[torch]" "pandas<3"
    OMP_NUM_THREADS=1 /tmp/dartsenv/bin/python benchmarks/darts_panel.py panel.csv

(darts 0.41.0 fails on pandas 3's ``Day`` offsets, hence ``pandas<3``.)
"""

import argparse
import time

import numpy as np
import pandas as pd
import torch
from darts import TimeSeries
from darts.dataprocessing.transformers import Scaler
from darts.models import RNNModel

SEASON = 7


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", help="make_retail_panel(...).to_csv(path, index=False)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--hidden-size", type=int, default=25, help="darts' default")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--n-test", type=int, default=60)
    args = parser.parse_args()
    torch.set_num_threads(1)

    panel = pd.read_csv(args.csv, parse_dates=["date"])
    series, promo = [], []
    for _, rows in panel.groupby("series_id", sort=False):
        rows = rows.sort_values("date")
        series.append(TimeSeries.from_dataframe(rows, "date", "sales", freq="D")
                      .astype(np.float32))
        promo.append(TimeSeries.from_dataframe(rows, "date", "promo", freq="D")
                     .astype(np.float32))
    n = len(series[0])
    start = n - args.n_test
    train = [s[:start] for s in series]
    scaler = Scaler()
    train_scaled = scaler.fit_transform(train)
    full_scaled = scaler.transform(series)

    for seed in args.seeds:
        model = RNNModel(model="LSTM", input_chunk_length=28, training_length=29,
                         hidden_dim=args.hidden_size, n_epochs=args.epochs, batch_size=32,
                         random_state=seed,
                         pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                            "enable_model_summary": False, "logger": False})
        cpu = time.process_time()
        model.fit(train_scaled, future_covariates=promo)
        cpu = time.process_time() - cpu
        forecasts = scaler.inverse_transform(model.historical_forecasts(
            full_scaled, future_covariates=promo, start=start, forecast_horizon=1, stride=1,
            retrain=False, last_points_only=True, verbose=False))
        relative, absolute, mases = [], [], []
        for actual, forecast, history in zip(series, forecasts, train):
            y = actual.values()[start:, 0]
            error = y - forecast.values()[:, 0]
            relative.append(error / y)
            absolute.append(error)
            h = history.values()[:, 0]
            mases.append(np.mean(np.abs(error)) / np.mean(np.abs(h[SEASON:] - h[:-SEASON])))
        relative, absolute = np.concatenate(relative), np.concatenate(absolute)
        print(f"darts RNNModel (LSTM, hidden {args.hidden_size}, {args.epochs} epochs, "
              f"batch 32, seed {seed}): MAPE {100 * np.mean(np.abs(relative)):.1f} %  "
              f"MASE {np.mean(mases):.3f}  RMSE {np.sqrt(np.mean(absolute ** 2)):.1f}  "
              f"fit {cpu:.1f} CPU s", flush=True)


if __name__ == "__main__":
    main()
