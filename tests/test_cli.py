"""Tests of the ``sklstm`` command line (``sklstm compare``)."""

import importlib.util
import shlex
import subprocess
import sys
from pathlib import Path

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
PANEL_COLUMNS = ["mase_mean", "mase_std", *COLUMNS]
README = (Path(__file__).parents[1] / "README.md").read_text()


def parse_leaderboard(out, columns=COLUMNS):
    """Rows of the printed leaderboard: [(model, {column: value, ...}), ...].

    The table ends at the first blank line (a note may follow it).
    """
    lines = out.strip().split("\n\n")[0].splitlines()
    assert lines[0].split() == ["model", *columns]
    rows = []
    for line in lines[1:]:
        name, *numbers = line.rsplit(None, len(columns))
        rows.append((name.strip(), dict(zip(columns, map(float, numbers)))))
    first = columns.index("rmse_mean") - len(columns)
    decimals = len(lines[1].split()[first].partition(".")[2])   # of rmse_mean
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
    # one line under the table says how the intervals were fitted
    assert out.strip().splitlines()[-1] == compare.INTERVALS_NOTE
    assert "as without --coverage" in compare.INTERVALS_NOTE

    # The point scores and the ranking are those of the run without --coverage.
    status, plain, _ = run(["compare", *FAST], capsys)
    assert status == 0
    plain_rows, _ = parse_leaderboard(plain)
    assert [name for name, _ in rows] == [name for name, _ in plain_rows]
    for name, scores in plain_rows:
        for column in ("rmse_mean", "rmse_std", "mae_mean", "mae_std"):
            assert printed[name][column] == scores[column], (name, column)
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


def test_shift_interval_keeps_the_margins_around_the_other_forecast():
    y_pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    interval_pred = y_pred + 10
    interval = np.stack([interval_pred - [[1, 2], [3, 4]], interval_pred + 5], axis=-1)
    shifted = compare.shift_interval(y_pred, interval_pred, interval)
    assert shifted.shape == (2, 2, 2)
    np.testing.assert_allclose(shifted[..., 0], y_pred - [[1, 2], [3, 4]])
    np.testing.assert_allclose(shifted[..., 1], y_pred + 5)


def test_interval_fit_shared_is_the_single_conformal_model(pipelines):
    X, y = forecast_xy(load_series("nile")["volume"].to_numpy(), horizon=1)
    kwargs = dict(variants=["gru"], cv=2, window=8, max_epochs=2, coverage=0.8)
    separate, _ = compare.cross_validate_models(X, y, **kwargs)
    assert [pipe[-1].conformal for pipe in pipelines] == [False, True]
    assert len(separate["gru"]["interval_fit_s"]) == 2
    shared, _ = compare.cross_validate_models(X, y, interval_fit="shared", **kwargs)
    assert [pipe[-1].conformal for pipe in pipelines[2:]] == [True]
    assert "interval_fit_s" not in shared["gru"]
    # the shared model trains on the first 80% of each fold: other point scores
    assert shared["gru"]["rmse"] != separate["gru"]["rmse"]
    assert shared["naive (last value)"]["rmse"] == separate["naive (last value)"]["rmse"]
    with pytest.raises(ValueError, match="interval_fit must be 'separate' or 'shared', "
                                         "got 'cross'"):
        compare.cross_validate_models(X, y, interval_fit="cross", **kwargs)


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
    assert {name for name, _ in parse_leaderboard(out)[0]} == {
        "gru", "seasonal naive (m=7)", *BASELINE_ROWS}       # daily dates: season 7
    assert "target 'load'" in err and "1 input column(s), daily dates, season 7" in err
    status, _, err = run([*argv, "--exog"], capsys)
    assert status == 0 and "2 input column(s)" in err


@pytest.mark.parametrize("freq, periods, season, name", [
    ("30min", 100, 48, "half-hourly"),
    ("h", 100, 24, "hourly"),
    ("D", 40, 7, "daily"),
    ("B", 40, 5, "business-daily"),
    ("W-SUN", 40, 52, "weekly"),
    ("MS", 40, 12, "monthly"),
    ("ME", 40, 12, "monthly"),
    ("QS-OCT", 40, 4, "quarterly"),
    ("QE", 40, 4, "quarterly"),
    ("YS", 40, 1, "yearly"),
    ("7min", 40, 1, None),
])
def test_infer_season_from_the_spacing_of_dates(freq, periods, season, name):
    dates = pd.date_range("2019-01-01", periods=periods, freq=freq)
    assert compare.infer_season(dates) == (season, name)
    # a few gaps and a shuffled order change nothing
    gappy = dates.delete([3, 10, 11]).to_series().sample(frac=1, random_state=0).index
    assert compare.infer_season(pd.DatetimeIndex(gappy)) == (season, name)


def test_infer_season_without_dates():
    assert compare.infer_season(pd.RangeIndex(50)) == (1, None)
    assert compare.infer_season(pd.DatetimeIndex(["2020-01-01", "2020-02-01"])) == (1, None)


def monthly_csv(tmp_path):
    """A bundled monthly series exported to CSV, as a user would: date column first."""
    frame = load_series("elec_equip")
    path = tmp_path / "elec_equip.csv"
    frame.rename_axis("month").to_csv(path)
    assert path.read_text().startswith("month,index\n1995-01-01,")
    return str(path)


def test_monthly_csv_gets_season_12_and_its_window(tmp_path, pipelines, capsys):
    argv = ["compare", "--data", monthly_csv(tmp_path), "--max-epochs", "1", "--cv", "2",
            "--variants", "gru"]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    rows = dict(parse_leaderboard(out)[0])
    assert set(rows) == {"gru", "seasonal naive (m=12)", *BASELINE_ROWS}
    assert "monthly dates, season 12, window 24" in err
    assert pipelines[0].named_steps["win"].window == 24      # two seasons, as bundled
    # the row is the value 12 months before, on the same folds
    X, y = forecast_xy(load_series("elec_equip")["index"].to_numpy(), horizon=1)
    rmse = []
    for train, test in TimeSeriesSplit(2).split(X):
        pipe = Pipeline([("win", Windower(window=24)),
                         ("m", SeasonalNaiveRegressor(season_length=12))])
        rmse.append(root_mean_squared_error(y[test], pipe.fit(X[train], y[train])
                                            .predict(X[test])))
    assert rows["seasonal naive (m=12)"]["rmse_mean"] == pytest.approx(np.mean(rmse),
                                                                       abs=5e-4)

    # --season still overrides, and the window follows it
    status, out, err = run([*argv, "--season", "4"], capsys)
    assert status == 0, err
    assert "seasonal naive (m=4)" in dict(parse_leaderboard(out)[0])
    assert "season 4 (--season), window 8" in err
    assert pipelines[1].named_steps["win"].window == 8


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
])
def test_bad_csv_exits_2(tmp_path, text, argv, message, capsys):
    path = _csv(tmp_path, "data.csv", text)
    status, _, err = run(["compare", "--data", path, "--cv", "2", *argv], capsys)
    assert status == 2
    assert err.count("sklstm: error:") == 1 and "Traceback" not in err
    assert message in err


CLI_ADVICE = ("delete those rows from the CSV file or fill in the values, then run the "
              "command again")


@pytest.mark.parametrize("text, argv, message", [
    ("day,load\n" + "".join(f"2020-01-{d:02d},{d}\n" for d in range(1, 29)) + "2020-01-29,\n",
     [], "has 1 row(s) with a missing or non-finite value in column(s) 'load' "
         "(at 2020-01-29); "),
    ("load,temp\n" + "".join(f"{d},{d}\n" for d in range(30)) + "30,\n",
     ["--exog"], "has 1 row(s) with a missing or non-finite value in column(s) 'temp' "
                 "(at data row 31); "),
    ("load,temp\n" + "".join(f"{d},{d}\n" for d in range(30)) + "30,\n",
     [], None),                          # no --exog: temp is not read
    ("load\n" + "".join(f"{d}\n" for d in range(30)) + "nan\ninf\n-inf\n\nnan\n1\n2\n",
     [], "has 4 row(s) with a missing or non-finite value in column(s) 'load' "
         "(at data row 31, 32, 33, ...); "),
])
def test_missing_values_error_says_what_to_do_with_the_csv(tmp_path, text, argv, message,
                                                           monkeypatch, capsys):
    monkeypatch.setattr(compare, "cross_validate_models",
                        lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt))
    path = _csv(tmp_path, "data.csv", text)
    status, out, err = run(["compare", "--data", path, "--cv", "2", *argv], capsys)
    if message is None:
        assert status == 130                 # reached training
        return
    assert status == 2 and out == ""
    assert err.count("sklstm: error:") == 1 and "Traceback" not in err
    assert err.strip().endswith(f"{message}{CLI_ADVICE}")
    assert "missing='mask'" not in err and "Python" not in err


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
    # the single-series layout, the mean MASE first; the same baseline rows
    parsed, decimals = parse_leaderboard(out, PANEL_COLUMNS)
    rows = dict(parsed)
    assert set(rows) == {"lstm", "seasonal naive (m=7)", *BASELINE_ROWS}
    mase_mean = [scores["mase_mean"] for _, scores in parsed]
    assert mase_mean == sorted(mase_mean)
    assert len(out.splitlines()[1].split()[-7].partition(".")[2]) == 3   # MASE: 3 decimals
    # RMSE and MAE with the single-series formatting: decimals from the best RMSE
    best = min(scores["rmse_mean"] for scores in rows.values())
    assert decimals == int(np.clip(3 - np.floor(np.log10(best)), 0, 8))
    # the last-value row: each series' MASE on the dates after each cut, averaged;
    # the cuts are TimeSeriesSplit's over the distinct dates
    times = np.sort(table["date"].unique())[:-1]           # the last day has no target
    folds, rmse = [], []
    for train_times, test_times in TimeSeriesSplit(2).split(times):
        scores, errors = [], []
        for _, series in table.groupby("series_id", sort=False):
            sales = series["sales"].to_numpy()
            dates = series["date"].to_numpy()[:-1]
            train = np.isin(dates, times[train_times])
            test = np.isin(dates, times[test_times])
            scores.append(mase(sales[1:][test], sales[:-1][test], sales[1:][train],
                               season_length=7))
            errors.append(sales[1:][test] - sales[:-1][test])
        folds.append(np.mean(scores))
        rmse.append(np.sqrt(np.mean(np.concatenate(errors) ** 2)))
    assert rows["naive (last value)"]["mase_mean"] == pytest.approx(np.mean(folds), abs=5e-4)
    assert rows["naive (last value)"]["mase_std"] == pytest.approx(np.std(folds), abs=5e-4)
    assert rows["naive (last value)"]["rmse_mean"] == pytest.approx(
        np.mean(rmse), abs=0.5 * 10.0 ** -decimals + 1e-9)


def test_readme_panel_command_runs_as_written(tmp_path, monkeypatch, capsys):
    """The README's panel command, on a long CSV with those columns, quick options added."""
    from sklstm.datasets import make_retail_panel

    command = "sklstm compare --data long.csv --series-id item --time date --future promo"
    assert f"`{command}`" in README
    table = make_retail_panel(n_series=3, n_days=70, random_state=0)
    table.rename(columns={"series_id": "item"}).to_csv(tmp_path / "long.csv", index=False)
    monkeypatch.chdir(tmp_path)
    quick = ["--variants", "lstm", "--max-epochs", "2", "--cv", "2"]
    status, out, err = run([*shlex.split(command)[1:], *quick], capsys)
    assert status == 0, err
    # --target: the first numeric column with no other role (sales; promo is --future)
    assert "target 'sales'" in err
    assert "ignoring column(s) without a role: price, category" in err
    # daily dates: season 7, window 14, and the seasonal naive row
    assert "daily dates, season 7, window 14" in err
    rows = dict(parse_leaderboard(out, PANEL_COLUMNS)[0])
    assert set(rows) == {"lstm", "seasonal naive (m=7)", *BASELINE_ROWS}
    assert all(np.isfinite(list(scores.values())).all() for scores in rows.values())


def test_panel_target_default_skips_columns_with_a_role(tmp_path, monkeypatch, capsys):
    seen = {}

    def record(X, y, meta, **kwargs):
        seen.update(columns=list(X.columns), season=kwargs["season"])
        raise KeyboardInterrupt             # stop before training

    monkeypatch.setattr(sklstm.compare_panel, "cross_validate_panel", record)
    # the first numeric columns are the id, the time and a future covariate
    dates = pd.date_range("2020-01-01", periods=30, freq="MS")
    table = pd.DataFrame({"store": np.repeat([1, 2], 30), "month": np.tile(dates, 2),
                          "open": 1.0, "units": np.arange(60.0), "temp": 0.5})
    path = _csv(tmp_path, "long.csv", table.to_csv(index=False))
    argv = ["compare", "--data", path, "--series-id", "store", "--time", "month",
            "--future", "open"]
    status, _, err = run(argv, capsys)
    assert status == 130 and seen["columns"][0] == "units"
    assert seen["season"] == 12 and "target 'units', monthly dates, season 12" in err
    status, _, err = run([*argv, "--static", "units", "temp"], capsys)
    assert status == 2
    assert ("sklstm: error: the table has no numeric column left to forecast once "
            "--series-id, --time, --future and --static have taken theirs; name one "
            "with --target COL") in err


@pytest.mark.parametrize("argv, message", [
    (["--series-id", "series_id"], "--series-id needs --time"),
    (["--series-id", "shop", "--time", "date", "--target", "sales"],
     "column(s) 'shop' not in"),
    (["--series-id", "series_id", "--time", "date", "--coverage", "0.8"],
     "--coverage does not apply with --series-id yet"),
])
def test_panel_compare_errors(argv, message, tmp_path, capsys):
    from sklstm.datasets import make_retail_panel

    path = tmp_path / "panel.csv"
    make_retail_panel(n_series=2, n_days=40, random_state=0).to_csv(path, index=False)
    status, out, err = run(["compare", "--data", str(path), *argv], capsys)
    assert status == 2 and out == ""
    assert f"sklstm: error: {message}" in err


def test_panel_missing_values_error_says_what_to_do_with_the_csv(tmp_path, capsys):
    from sklstm.datasets import make_retail_panel

    table = make_retail_panel(n_series=2, n_days=40, random_state=0)
    table.loc[[5, 47], "sales"] = np.nan
    table.loc[6, "promo"] = np.nan
    path = tmp_path / "panel.csv"
    table.to_csv(path, index=False)
    status, out, err = run(["compare", "--data", str(path), "--series-id", "series_id",
                            "--time", "date", "--future", "promo"], capsys)
    assert status == 2 and out == ""
    assert err.count("sklstm: error:") == 1 and "Traceback" not in err
    assert err.strip().endswith(
        "sklstm: error: the table has 3 row(s) with a missing or non-finite value in "
        "column(s) 'sales', 'promo' (series p0 at 2022-01-06, p0 at 2022-01-07, p1 at "
        "2022-01-08); fill in those values in the CSV file (or delete the rows), then run "
        "the command again")
