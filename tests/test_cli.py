"""Tests of the ``sklstm`` command line (``sklstm compare``)."""

import importlib.util
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline

import sklstm
from sklstm import (
    LastValueRegressor,
    SeasonalNaiveRegressor,
    Windower,
    WindowMeanRegressor,
    compare,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.cli import main
from sklstm.datasets import load_series
from sklstm.registry import DEFAULT_VARIANTS, VARIANTS

# Tiny settings: a few epochs, two folds, the 100-value Nile series.
FAST = ["--data", "nile", "--max-epochs", "3", "--cv", "2", "--variants", "lstm", "gru"]
BASELINE_ROWS = {"naive (last value)", "window mean", "ridge on lags"}
COLUMNS = ["rmse_mean", "rmse_std", "mae_mean", "mae_std", "fit_s"]


def parse_leaderboard(out, columns=COLUMNS):
    """Rows of the printed leaderboard: [(model, {column: value, ...}), ...]."""
    lines = out.strip().splitlines()
    assert lines[0].split() == ["model", *columns]
    rows = []
    for line in lines[1:]:
        name, *numbers = line.rsplit(None, len(columns))
        rows.append((name.strip(), dict(zip(columns, map(float, numbers)))))
    decimals = len(lines[1].split()[-len(columns)].partition(".")[2])   # of rmse_mean
    return rows, decimals


def run(argv, capsys):
    """Run ``sklstm`` in-process; return (exit status, stdout, stderr)."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


# ------------------------------------------------------------- leaderboard

@pytest.mark.parametrize("extra, seasonal", [
    ([], {}),
    (["--season", "4", "--horizon", "2"], {"seasonal naive (m=4)": 4}),
])
def test_leaderboard_rows_and_baseline_scores(extra, seasonal, capsys):
    status, out, err = run(["compare", *FAST, *extra], capsys)
    assert status == 0
    rows, decimals = parse_leaderboard(out)
    names = [name for name, _ in rows]
    assert sorted(names) == sorted({"lstm", "gru", *BASELINE_ROWS, *seasonal})
    rmse = [scores["rmse_mean"] for _, scores in rows]
    assert rmse == sorted(rmse)                      # sorted by mean RMSE
    assert "[lstm] fold 2/2  rmse" in err            # progress on stderr
    assert "[gru] fold 1/2" in err

    # The baselines' rows are their estimators' scores on the same folds:
    # nile's window is 8 (two seasons of 1, clipped to [8, 48]).
    horizon = 2 if extra else 1
    X, y = forecast_xy(load_series("nile")["volume"].to_numpy(), horizon=horizon)
    estimators = {"naive (last value)": (LastValueRegressor(), 8),
                  "window mean": (WindowMeanRegressor(), 8),
                  "ridge on lags": (RidgeLagsRegressor(), 8)}
    for name, m in seasonal.items():
        estimators[name] = (SeasonalNaiveRegressor(season_length=m), 8)
    tolerance = 0.5 * 10.0 ** -decimals + 1e-9      # printed rounding
    printed = dict(rows)
    for name, (estimator, window) in estimators.items():
        rmse, mae = [], []
        for train, test in TimeSeriesSplit(2).split(X):
            pipe = Pipeline([("win", Windower(window=window)), ("m", estimator)])
            y_pred = pipe.fit(X[train], y[train]).predict(X[test])
            rmse.append(root_mean_squared_error(y[test], y_pred))
            mae.append(mean_absolute_error(y[test], y_pred))
        expected = {"rmse_mean": np.mean(rmse), "rmse_std": np.std(rmse),
                    "mae_mean": np.mean(mae), "mae_std": np.std(mae)}
        for column, value in expected.items():
            assert printed[name][column] == pytest.approx(value, abs=tolerance), (name, column)


def test_coverage_adds_interval_columns_computed_on_the_same_folds(capsys):
    columns = [*COLUMNS, "coverage", "width", "winkler"]
    status, out, _ = run(["compare", *FAST, "--coverage", "0.8"], capsys)
    assert status == 0
    rows, _ = parse_leaderboard(out, columns)
    printed = dict(rows)
    assert sorted(printed) == sorted({"lstm", "gru", *BASELINE_ROWS})
    for scores in printed.values():
        assert 0 <= scores["coverage"] <= 1 and scores["width"] > 0
    # the naive row: last value plus its in-sample residual quantiles
    X, y = forecast_xy(load_series("nile")["volume"].to_numpy(), horizon=1)
    y = np.asarray(y).reshape(-1)
    coverage, width = [], []
    for train, test in TimeSeriesSplit(2).split(X):
        windows = Windower(window=8).fit_transform(X[train])
        residuals = y[train] - windows[:, -1, 0]
        low, high = np.quantile(residuals, [0.1, 0.9])
        pred = Windower(window=8).fit_transform(X[test])[:, -1, 0]
        coverage.append(np.mean((y[test] >= pred + low) & (y[test] <= pred + high)))
        width.append(high - low)
    assert printed["naive (last value)"]["coverage"] == pytest.approx(np.mean(coverage),
                                                                      abs=5e-4)
    assert printed["naive (last value)"]["width"] == pytest.approx(np.mean(width), rel=1e-3)


def parse_hierarchy_table(out):
    """Rows of the per-level table that follows the leaderboard: {(level, model): ...}."""
    lines = out[out.index("\nper level of the "):].strip().splitlines()
    assert lines[1].split() == ["level", "rank", "model", "rmse", "mase", "fit_s"]
    rows = {}
    for line in lines[2:]:
        level, rank, rest = line.split(None, 2)
        model, rmse, mase, fit_s = rest.rsplit(None, 3)
        rows[level, model.strip()] = {"rank": int(rank), "rmse": float(rmse),
                                      "mase": float(mase), "fit_s": float(fit_s)}
    return rows


@pytest.mark.skipif(importlib.util.find_spec("dgl") is None, reason="needs the tree extra")
def test_tree_on_a_hierarchy_ranks_it_against_reconciliation_per_level(capsys):
    argv = ["compare", "--data", "us_employment", "--variants", "tree", "--max-epochs", "1",
            "--cv", "2", "--window", "4"]
    status, out, err = run(argv, capsys)
    assert status == 0
    # the usual leaderboard first (the Tree-LSTM on the root series alone) ...
    assert "tree" in dict(parse_leaderboard(out[:out.index("\nper level")])[0])
    # ... then every node forecast by each model, ranked at each level
    rows = parse_hierarchy_table(out)
    models = {"tree", "lstm + bottom_up", "lstm + mint_shrink", "naive + mint_shrink",
              "seasonal naive (m=12) + mint_shrink"}
    levels = ["total", "domain", "supersector", "sector", "mean"]
    assert [level for level, _ in rows][::len(models)] == levels
    for level in levels:
        ranked = sorted((r["rank"], r["rmse" if level != "mean" else "mase"], model)
                        for (lv, model), r in rows.items() if lv == level)
        assert {model for _, _, model in ranked} == models
        assert [rank for rank, _, _ in ranked] == [1, 2, 3, 4, 5]
        keys = [key for _, key, _ in ranked]
        assert keys == sorted(keys)                  # RMSE within a level, MASE overall
    assert "[hierarchy: lstm + mint_shrink] fold 2/2" in err

    # The seasonal naive row: each node's value 12 months before, on the windows of
    # 12 months (one season; the others read the last 4), reconciled with MinT. It
    # is coherent already (a sum of the leaves' seasonal naive forecasts), except for
    # the one sector sum published to 0.5, so MinT moves it by less than 1 %.
    employment, h = sklstm.datasets.load_us_employment()
    values = employment.to_numpy()
    t = np.arange(11, len(values) - 1)               # window ends with a full season
    y, naive = values[t + 1], values[t - 11]
    rmse = [np.sqrt(((naive[test] - y[test]) ** 2).mean(axis=0))
            for _, test in TimeSeriesSplit(2).split(t)]
    for depth, level in enumerate(levels[:-1]):
        expected = np.mean(rmse, axis=0)[h.top_down[depth]].mean()
        printed = rows[level, "seasonal naive (m=12) + mint_shrink"]["rmse"]
        assert printed == pytest.approx(expected, rel=1e-2), level


def test_plot_writes_png(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="needs the `plot` extra: pip install -c "
                                              "constraints.txt -e '.[plot]'")
    path = tmp_path / "cv.png"
    status, _, err = run(["compare", *FAST, "--plot", str(path)], capsys)
    assert status == 0 and f"plot saved to {path}" in err
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 1000


def test_csv_with_date_column(tmp_path, capsys):
    rng = np.random.RandomState(0)
    n = 60
    frame = pd.DataFrame({
        "day": pd.date_range("2020-01-01", periods=n, freq="D").strftime("%Y-%m-%d"),
        "temp": np.sin(np.arange(n) / 3) + 0.1 * rng.normal(size=n),
        "load": np.cos(np.arange(n) / 5) + 0.1 * rng.normal(size=n),
    })
    path = tmp_path / "series.csv"
    frame.to_csv(path, index=False)
    argv = ["compare", "--data", str(path), "--target", "load", "--max-epochs", "2",
            "--cv", "2", "--variants", "gru", "--window", "5"]
    status, out, err = run(argv, capsys)
    assert status == 0
    assert {name for name, _ in parse_leaderboard(out)[0]} == {"gru", *BASELINE_ROWS}
    assert "target 'load'" in err and "1 input column(s)" in err
    status, _, err = run([*argv, "--exog"], capsys)
    assert status == 0 and "2 input column(s)" in err


# ----------------------------------------------------------------- options

@pytest.fixture
def pipelines(monkeypatch):
    """Record every variant pipeline the runner builds."""
    built = []
    real = compare.make_pipeline

    def spy(*args, **kwargs):
        built.append(real(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(compare, "make_pipeline", spy)
    return built


@pytest.mark.parametrize("option, check", [
    (["--lr", "0.05"], lambda pipe: pipe[-1].lr == 0.05),
    ([], lambda pipe: pipe[-1].lr == sklstm.LSTMRegressor().lr),
    (["--random-state", "7"], lambda pipe: pipe[-1].random_state == 7),
    (["--window-norm", "mean"],
     lambda pipe: pipe[-1].window_norm == "mean" and len(pipe.steps) == 2),
    (["--window-norm", "none"],
     lambda pipe: pipe[-1].window_norm is None and pipe.steps[0][0] == "scale"),
    (["--window", "6"], lambda pipe: pipe.named_steps["win"].window == 6),
    (["--max-epochs", "2"], lambda pipe: pipe[-1].max_epochs == 2),
])
def test_options_reach_the_models(option, check, pipelines, capsys):
    argv = ["compare", "--data", "nile", "--max-epochs", "1", "--cv", "2",
            "--variants", "gru", *option]
    assert run(argv, capsys)[0] == 0
    assert len(pipelines) == 1 and check(pipelines[0])


def test_random_state_makes_runs_repeatable(capsys):
    def model_rows(seed):
        argv = ["compare", *FAST[:-1], "--random-state", seed]   # lstm alone
        status, out, _ = run(argv, capsys)
        assert status == 0
        return {name: {k: v for k, v in s.items() if k != "fit_s"}
                for name, s in parse_leaderboard(out)[0]}

    first, again, other = model_rows("1"), model_rows("1"), model_rows("2")
    assert first == again
    assert first["lstm"] != other["lstm"]
    assert first["naive (last value)"] == other["naive (last value)"]


def test_threads_are_set_while_training_and_restored(monkeypatch, capsys):
    seen = []
    real = compare.cross_validate_models

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real(*args, **kwargs)

    monkeypatch.setattr(compare, "cross_validate_models", spy)
    before = torch.get_num_threads()
    assert run(["compare", *FAST, "--threads", "2"], capsys)[0] == 0
    assert seen == [2]
    assert torch.get_num_threads() == before


def test_interrupt_exits_130_and_restores_threads(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(compare, "cross_validate_models", interrupted)
    before = torch.get_num_threads()
    status, out, err = run(["compare", *FAST, "--threads", "2"], capsys)
    assert status == 130
    assert err.strip().endswith("sklstm: interrupted") and out == ""
    assert torch.get_num_threads() == before


def test_version(capsys):
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and out.strip() == f"sklstm {sklstm.__version__}"


def test_python_m_help():
    result = subprocess.run([sys.executable, "-m", "sklstm", "compare", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "--variants" in result.stdout


# ---------------------------------------------------------------- variants

@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("option", [
    ["--data", "macrodata", "--exog"],
    ["--data", "nile", "--horizon", "3"],
    ["--data", "nile", "--window-norm", "none"],
    ["--data", "nile", "--window-norm", "standard"],
], ids=["exog", "horizon3", "norm-none", "norm-standard"])
def test_every_variant_with_every_option(variant, option, capsys):
    argv = ["compare", *option, "--variants", variant, "--cv", "2", "--max-epochs", "1",
            "--window", "4"]
    status, out, err = run(argv, capsys)
    if variant == "tree" and "--exog" in option:
        # A Tree-LSTM forecasts the nodes of a hierarchy; exogenous columns
        # are not nodes.
        assert status == 2 and out == ""
        assert err.count("sklstm: error:") == 1 and "Traceback" not in err
        assert "--variants tree with --exog: variant 'tree' forecasts the nodes" in err
        assert "cannot read 11 exogenous column(s)" in err
        return
    assert status == 0
    rows = dict(parse_leaderboard(out)[0])
    assert set(rows) == {variant, *BASELINE_ROWS} | (
        {"seasonal naive (m=4)"} if "macrodata" in option else set())
    assert all(np.isfinite(list(scores.values())).all() for scores in rows.values())


@pytest.mark.parametrize("option, expected", [
    ([], list(VARIANTS)),
    (["--data", "macrodata", "--exog"], [name for name in VARIANTS if name != "tree"]),
])
def test_all_selects_every_variant_that_applies(option, expected, monkeypatch, capsys):
    chosen = []

    def record(X, y, *, variants, **kwargs):
        chosen.extend(variants)
        raise KeyboardInterrupt             # stop before training

    monkeypatch.setattr(compare, "cross_validate_models", record)
    status, _, err = run(["compare", *option, "--variants", "all"], capsys)
    assert status == 130 and chosen == expected
    assert ("skipping tree" in err) == ("--exog" in option)


def test_registry_names_every_regressor():
    regressors = {name for name in sklstm.__all__
                  if name.endswith("Regressor") and issubclass(
                      getattr(sklstm, name), sklstm.SequenceRegressor)}
    assert {cls.__name__ for cls in VARIANTS.values()} == regressors - {"SequenceRegressor"}
    for cls in VARIANTS.values():
        assert getattr(sklstm, cls.__name__) is cls
    assert DEFAULT_VARIANTS == ["lstm", "gru", "bilstm", "stacked"]


def test_compare_normalises_windows_by_default():
    pipe = compare.make_pipeline("lstm", window=8, random_state=0, max_epochs=3)
    assert [name for name, _ in pipe.steps] == ["win", "m"]
    assert pipe[-1].window_norm == "last" and pipe[-1].target_channel == 0
    plain = compare.make_pipeline("lstm", window=8, random_state=0, max_epochs=3,
                                  window_norm=None)
    assert [name for name, _ in plain.steps] == ["scale", "win", "m"]


def test_seasonal_baseline_reads_at_least_one_season():
    pipes = compare.baseline_pipelines(window=8, season=12)
    assert pipes["seasonal naive (m=12)"].named_steps["win"].window == 12
    assert pipes["naive (last value)"].named_steps["win"].window == 8
    assert "seasonal naive (m=1)" not in compare.baseline_pipelines(window=8, season=1)


# ------------------------------------------------------------------ errors

def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text) if isinstance(text, str) else path.write_bytes(text)
    return str(path)


def _no_module(monkeypatch, module):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == module else real(name, *a))


@pytest.mark.parametrize("argv, message", [
    # argparse
    (["--variants", "lstm", "transformer"], "argument --variants: invalid choice: 'transformer'"),
    (["--horizon", "0"], "argument --horizon: must be >= 1, got 0"),
    (["--window", "0"], "argument --window: must be >= 1, got 0"),
    (["--cv", "1"], "argument --cv: must be >= 2, got 1"),
    (["--threads", "two"], "argument --threads: expected an int, got 'two'"),
    (["--lr", "0"], "argument --lr: must be a number > 0, got 0"),
    (["--lr", "nan"], "argument --lr: must be a number > 0, got nan"),
    (["--lr", "fast"], "argument --lr: expected a number, got 'fast'"),
    (["--random-state", "x"], "argument --random-state: invalid int value: 'x'"),
    (["--window-norm", "max"], "argument --window-norm: invalid choice: 'max'"),
    (["--coverage", "80"], "argument --coverage: must be a coverage strictly between 0 and 1"),
    (["--coverage", "0"], "argument --coverage: must be a number > 0, got 0"),
    (["--epochs", "3"], "unrecognized arguments: --epochs 3"),
    # data and settings
    (["--data", "atlantis"], "unknown dataset 'atlantis'; choose one of"),
    (["--data", "nowhere/series.csv"], "CSV file not found: 'nowhere/series.csv'"),
    (["--data", "nile", "--target", "rainfall"],
     "unknown target column 'rainfall' in 'nile'; numeric columns are: volume"),
    (["--data", "nile", "--exog"], "--exog: 'nile' has no numeric column besides 'volume'"),
    (["--data", "nile", "--cv", "60"],
     "series 'volume' has 100 values, too short for --cv 60 with --horizon 1: at least "
     "123 are needed"),
    (["--data", "nile", "--window", "40"],
     "--window 40 is longer than the first training fold (33 rows with --cv 2)"),
    (["--plot", "no/such/folder/cv.png"], "--plot: folder "),
])
def test_bad_input_exits_2_with_one_error_line(argv, message, capsys):
    status, out, err = run(["compare", "--cv", "2", *argv], capsys)
    assert status == 2 and out == ""
    assert err.count("sklstm: error:") == 1 and "Traceback" not in err
    assert f"sklstm: error: {message}" in err


@pytest.mark.parametrize("text, argv, message", [
    (b"\xff\xfe\x00bad", [], "cannot read CSV file"),
    ("a,b\nx,y\nz,w\n", [], "has no numeric column"),
    ("day,load\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 29)) + "2020-01-29,\n",
     [], "target 'load': series contains NaN or infinity"),
    ("load,temp\n" + "".join(f"{d},{d}\n" for d in range(30)) + "30,\n",
     ["--exog"], "--exog: the exogenous columns contain missing or non-finite values"),
])
def test_bad_csv_exits_2(tmp_path, text, argv, message, capsys):
    path = _csv(tmp_path, "data.csv", text)
    status, _, err = run(["compare", "--data", path, "--cv", "2", *argv], capsys)
    assert status == 2
    assert err.count("sklstm: error:") == 1 and "Traceback" not in err
    assert message in err


def test_missing_optional_dependencies_are_errors(tmp_path, monkeypatch, capsys):
    _no_module(monkeypatch, "matplotlib")
    status, _, err = run(["compare", *FAST, "--plot", str(tmp_path / "cv.png")], capsys)
    assert status == 2
    assert "sklstm: error: --plot needs matplotlib; install it with" in err
    _no_module(monkeypatch, "dgl")
    status, _, err = run(["compare", *FAST[:-2], "tree"], capsys)
    assert status == 2
    assert "sklstm: error: --variants tree: variant 'tree' needs DGL" in err


def test_no_command_is_an_error(capsys):
    status, out, err = run([], capsys)
    assert status == 2 and out == ""
    assert err.count("sklstm: error:") == 1
    assert "sklstm: error: missing command; choose one of: compare" in err


# ---------------------------------------------------------------- panels


def test_panel_compare_ranks_by_mean_mase_over_series(tmp_path, capsys):
    from sklstm.datasets import make_retail_panel
    from sklstm.metrics import mase

    table = make_retail_panel(n_series=4, n_days=90, random_state=0)
    path = tmp_path / "panel.csv"
    table.to_csv(path, index=False)
    status, out, err = run(["compare", "--data", str(path), "--series-id", "series_id",
                            "--time", "date", "--target", "sales", "--future", "promo",
                            "--static", "category", "--variants", "lstm", "--max-epochs",
                            "2", "--cv", "2", "--season", "7"], capsys)
    assert status == 0, err
    assert "ignoring column(s) without a role: price" in err
    lines = out.strip().splitlines()
    assert lines[0].split() == ["model", "mase_mean", "mase_std", "rmse_mean", "fit_s"]
    rows = {line.rsplit(None, 4)[0].strip(): float(line.split()[-4]) for line in lines[1:]}
    assert set(rows) == {"lstm", "naive (last value)", "seasonal naive (m=7)",
                         "ridge on lags"}
    assert list(rows.values()) == sorted(rows.values())
    # the last-value row: each series' MASE on the dates after each cut, averaged
    times = np.sort(table["date"].unique())[:-1]           # the last day has no target
    blocks = np.array_split(times, 3)
    folds = []
    for k in (1, 2):
        scores = []
        for _, series in table.groupby("series_id", sort=False):
            sales = series["sales"].to_numpy()
            dates = series["date"].to_numpy()[:-1]
            train = np.isin(dates, np.concatenate(blocks[:k]))
            test = np.isin(dates, blocks[k])
            scores.append(mase(sales[1:][test], sales[:-1][test], sales[1:][train],
                               season_length=7))
        folds.append(np.mean(scores))
    assert rows["naive (last value)"] == pytest.approx(np.mean(folds), rel=1e-3)


@pytest.mark.parametrize("argv, message", [
    (["--series-id", "series_id"], "--series-id needs --time"),
    (["--series-id", "series_id", "--time", "date"], "--series-id needs --target"),
    (["--series-id", "shop", "--time", "date", "--target", "sales"],
     "column(s) 'shop' not in"),
])
def test_panel_compare_errors(argv, message, tmp_path, capsys):
    from sklstm.datasets import make_retail_panel

    path = tmp_path / "panel.csv"
    make_retail_panel(n_series=2, n_days=40, random_state=0).to_csv(path, index=False)
    status, out, err = run(["compare", "--data", str(path), *argv], capsys)
    assert status == 2 and out == ""
    assert f"sklstm: error: {message}" in err
