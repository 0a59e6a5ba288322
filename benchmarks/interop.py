"""sklstm inside skforecast: sunspots RMSE with lags read newest first and oldest first.

skforecast's ``ForecasterRecursive`` hands its estimator lag columns named
``lag_1, lag_2, ...``: the newest value first. sklstm recognises the names in
``fit`` and reverses the time axis, in ``fit`` and at every recursive
prediction step (see ``docs/interop.rst``). This script measures what that
changes, on the protocol the issue reported: yearly sunspots (bundled), a
``ForecasterRecursive`` with 12 lags fitted on all but the last 20 years, then

- "recursive": the 20 held-out years forecast in one recursive run;
- "1-step": each held-out year forecast from the 12 real years before it
  (the same fitted forecaster, ``predict(1, last_window=...)``).

Rows, all in the same forecaster on the same split:

- ``Ridge``, and ``LastValueRegressor`` (the naive forecast; read newest first
  it would repeat the value 12 years back);
- ``LSTMRegressor`` at default parameters with the lags as skforecast gives
  them (newest first: a ``FunctionTransformer(np.asarray)`` drops the names,
  which is what sklstm received before the recognition), and as sklstm now
  reads them (oldest first, by recognition);
- with ``--window-norm``, the same two with that ``window_norm`` instead of
  the default ``"auto"``.

The LSTM rows are the mean, standard deviation, minimum and maximum over
``--seeds`` random states (torch on one thread)::

    OMP_NUM_THREADS=1 python benchmarks/interop.py
    OMP_NUM_THREADS=1 python benchmarks/interop.py --seeds 10 --window-norm last

Needs the ``interop`` extra (``pip install -c constraints.txt -e ".[interop]"``).
"""

import argparse
import time
import warnings

import numpy as np
import torch
from skforecast.recursive import ForecasterRecursive
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sklstm import LastValueRegressor, LSTMRegressor
from sklstm.datasets import load_sunspots

LAGS = 12
N_TEST = 20


def holdout_rmse(estimator, y):
    """RMSE of the recursive 20-year forecast and of the 1-step forecasts."""
    forecaster = ForecasterRecursive(estimator=estimator, lags=LAGS)
    train, test = y.iloc[:-N_TEST], y.iloc[-N_TEST:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)     # skforecast's own notices
        forecaster.fit(train)
        recursive = forecaster.predict(N_TEST).to_numpy()
        one_step = np.array([
            forecaster.predict(1, last_window=y.iloc[end - LAGS:end]).iloc[0]
            for end in range(len(train), len(y))])
    return (np.sqrt(np.mean((recursive - test.to_numpy()) ** 2)),
            np.sqrt(np.mean((one_step - test.to_numpy()) ** 2)))


def as_given(estimator):
    """``estimator`` behind a step that drops the column names: lags stay newest first."""
    return make_pipeline(FunctionTransformer(np.asarray), estimator)


def summary(name, scores, seconds):
    scores = np.asarray(scores)
    cells = [name]
    for column in scores.T:
        cells.append(f"{column.mean():6.2f} ± {column.std():5.2f} "
                     f"[{column.min():5.2f}, {column.max():5.2f}]")
    return f"{cells[0]:<50} {cells[1]:>28} {cells[2]:>28} {seconds:7.1f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10,
                        help="random states per LSTM row (default 10)")
    parser.add_argument("--window-norm", default=None,
                        help="also run the LSTM rows with this window_norm "
                             "(none, standard, mean, last, ...)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    y = load_sunspots().reset_index(drop=True)
    print(f"sunspots, {len(y)} years; ForecasterRecursive(lags={LAGS}), last {N_TEST} "
          "years held out; RMSE mean ± sd [min, max] over seeds")
    print(f"{'estimator':<50} {'recursive':>28} {'1-step':>28} {'s/run':>7}")
    for name, estimator in [("Ridge()", Ridge()), ("LastValueRegressor()", LastValueRegressor())]:
        start = time.perf_counter()
        print(summary(name, [holdout_rmse(estimator, y)], time.perf_counter() - start))
    norms = ["auto"] + ([] if args.window_norm is None else [args.window_norm])
    for norm in norms:
        value = None if norm == "none" else norm
        for order, wrap in [("newest first (as given)", as_given),
                            ("oldest first (recognised)", lambda e: e)]:
            start = time.perf_counter()
            scores = [holdout_rmse(wrap(LSTMRegressor(window_norm=value, random_state=seed)), y)
                      for seed in range(args.seeds)]
            seconds = (time.perf_counter() - start) / args.seeds
            print(summary(f"LSTM window_norm={value!r}, {order}", scores, seconds))


if __name__ == "__main__":
    main()
