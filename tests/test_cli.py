"""Tests of the ``sklstm`` command line (``sklstm compare``)."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sklstm import cli
from sklstm.cli import main, naive_forecast, seasonal_naive_forecast

# Tiny settings: a few epochs, two folds, the 100-value Nile series.
FAST = ["--data", "nile", "--max-epochs", "3", "--cv", "2", "--variants", "lstm", "gru"]


def test_compare_prints_leaderboard(capsys):
    assert main(["compare", *FAST]) == 0
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    assert lines[0].split() == ["model", "rmse_mean", "rmse_std", "mae_mean", "mae_std", "fit_s"]
    models = [line[: lines[0].index("rmse_mean")].strip() for line in lines[1:]]
    assert sorted(models) == sorted(["lstm", "gru", "naive (last value)"])
    rmse = [float(line.split()[-5]) for line in lines[1:]]
    assert rmse == sorted(rmse)                      # sorted by mean RMSE
    assert "[lstm] fold 2/2  rmse" in err            # progress on stderr
    assert "[gru] fold 1/2" in err


def test_seasonal_baseline_row(capsys):
    assert main(["compare", *FAST, "--season", "4", "--horizon", "2"]) == 0
    assert "seasonal naive (m=4)" in capsys.readouterr().out


def test_plot_writes_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "cv.png"
    assert main(["compare", *FAST, "--plot", str(path)]) == 0
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
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "gru" in out and "naive (last value)" in out
    assert "target 'load'" in err
    assert main([*argv, "--exog"]) == 0
    assert "2 input column(s)" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["--data", "atlantis"], "unknown dataset 'atlantis'"),
    (["--data", "nowhere/series.csv"], "not found"),
    (["--data", "nile", "--target", "rainfall"], "unknown target column 'rainfall'"),
    (["--variants", "lstm", "transformer"], "invalid choice: 'transformer'"),
    (["--horizon", "0"], "argument --horizon: must be >= 1"),
    (["--window", "0"], "argument --window: must be >= 1"),
    (["--data", "nile", "--cv", "60"], "too short"),
])
def test_bad_input_exits_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["compare", *argv])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "sklstm: error: " in err and message in err
    assert "Traceback" not in err


def test_no_subcommand_prints_help(capsys):
    assert main([]) == 2
    assert "compare" in capsys.readouterr().err


def test_variants_registry_uses_package_classes():
    import sklstm

    assert set(cli.DEFAULT_VARIANTS) == {"lstm", "gru", "bilstm", "stacked"}
    for cls in cli.VARIANTS.values():
        assert getattr(sklstm, cls.__name__) is cls


def test_baselines():
    series = np.arange(10.0)
    assert naive_forecast(series, [2, 5], 3).tolist() == [[2, 2, 2], [5, 5, 5]]
    # m=4: step k targets t+k and uses t+k-4; before the start: last value.
    pred = seasonal_naive_forecast(series, [1, 6], 2, 4)
    assert pred.tolist() == [[1, 1], [3, 4]]
    # m=1 is the last-value forecast.
    np.testing.assert_array_equal(seasonal_naive_forecast(series, [3, 7], 3, 1),
                                  naive_forecast(series, [3, 7], 3))


def test_python_m_help():
    result = subprocess.run([sys.executable, "-m", "sklstm", "compare", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "--variants" in result.stdout


def test_compare_normalises_windows_by_default():
    from sklstm.cli import make_pipeline
    pipe = make_pipeline("lstm", window=8, random_state=0, max_epochs=3)
    assert [name for name, _ in pipe.steps] == ["win", "m"]
    assert pipe[-1].window_norm == "last" and pipe[-1].target_channel == 0
    plain = make_pipeline("lstm", window=8, random_state=0, max_epochs=3, window_norm=None)
    assert [name for name, _ in plain.steps] == ["scale", "win", "m"]


def test_every_regressor_is_a_variant_and_all_selects_them(capsys):
    import sklstm
    from sklstm.cli import DEFAULT_VARIANTS, VARIANTS, main
    regressors = {name for name in sklstm.__all__ if name.endswith("Regressor")}
    assert {cls.__name__ for cls in VARIANTS.values()} == regressors - {"SequenceRegressor"}
    assert set(DEFAULT_VARIANTS) <= set(VARIANTS)
    assert main(["compare", "--data", "nile", "--variants", "all", "--cv", "2",
                 "--max-epochs", "1", "--window", "4"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in VARIANTS)
