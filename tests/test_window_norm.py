"""Per-window normalisation: exact algebra, zero-variance windows, extrapolation."""

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import GRURegressor, LSTMRegressor, Windower, forecast_xy
from sklstm._window_norm import (from_window_units, normalize_windows, to_window_units,
                                 window_stats)


@pytest.fixture
def windows():
    rng = np.random.RandomState(0)
    return rng.normal(size=(6, 5, 3)) * [1.0, 10.0, 100.0] + [0.0, 50.0, -300.0]


@pytest.mark.parametrize("mode, expected", [
    ("last", lambda X: X[:, -1, :]),
    ("mean", lambda X: X.mean(axis=1)),
    ("standard", lambda X: X.mean(axis=1)),
])
def test_identity_model_returns_last_value_or_mean(windows, mode, expected):
    loc, scale = window_stats(windows, mode)
    Xn = normalize_windows(windows, loc, scale)
    # a model that predicts "zero" in window units: the level the mode refers to
    zero = np.zeros((len(windows), 2))
    for c in range(3):
        out = from_window_units(zero, loc[:, c], scale[:, c])
        np.testing.assert_allclose(out, np.repeat(expected(windows)[:, [c]], 2, axis=1))
    # a model that copies the normalised last step returns the raw last value
    for c in range(3):
        last = Xn[:, -1, c:c + 1].astype(np.float64)
        np.testing.assert_allclose(from_window_units(last, loc[:, c], scale[:, c]),
                                   windows[:, -1, c:c + 1], rtol=1e-5, atol=1e-4)


def test_standard_mode_gives_zero_mean_unit_std_windows(windows):
    Xn = normalize_windows(windows, *window_stats(windows, "standard"))
    np.testing.assert_allclose(Xn.mean(axis=1), 0.0, atol=1e-5)
    np.testing.assert_allclose(Xn.std(axis=1), 1.0, atol=1e-5)


def test_target_round_trip_is_exact_per_column(windows):
    loc, scale = window_stats(windows, "standard")
    y = np.random.RandomState(1).normal(size=(6, 4))
    back = from_window_units(to_window_units(y, loc[:, 1], scale[:, 1]), loc[:, 1], scale[:, 1])
    np.testing.assert_allclose(back, y, rtol=1e-12)


@pytest.mark.parametrize("mode", ["standard", "mean", "last"])
def test_zero_variance_windows_give_no_nan(mode):
    X = np.full((20, 6, 2), 3.7, dtype=np.float32)
    X[10:] = -2.0
    loc, scale = window_stats(X, mode)
    assert np.all(scale == 1.0)
    y = X[:, -1, 0] + 0.5
    reg = LSTMRegressor(window_norm=mode, max_epochs=5, random_state=0).fit(X, y)
    pred = reg.predict(X)
    assert np.isfinite(pred).all()
    assert np.isfinite(reg.loss_curve_).all()


def test_multi_output_is_mapped_back_column_by_column():
    # a horizon-3 target that is the last value plus k: in "last" units it is
    # constant per column, so a trained model must recover level + k exactly-ish
    rng = np.random.RandomState(0)
    levels = rng.uniform(-50, 50, size=300)
    X = levels[:, None, None] + rng.normal(scale=0.01, size=(300, 8, 1))
    y = X[:, -1, :] + np.array([1.0, 2.0, 3.0])
    reg = GRURegressor(window_norm="last", max_epochs=30, random_state=0).fit(X, y)
    np.testing.assert_allclose(reg.predict(X), y, atol=0.05)


def test_bad_target_channel_is_named():
    X = np.ones((10, 4, 2))
    with pytest.raises(ValueError, match="target_channel=2 but X has 2 feature"):
        LSTMRegressor(window_norm="mean", target_channel=2).fit(X, np.ones(10))
    with pytest.raises(ValueError, match=r"window_norm='robust'; expected one of None, "
                                         r"'standard', 'mean', 'last'"):
        LSTMRegressor(window_norm="robust").fit(X, np.ones(10))


def test_trend_is_extrapolated_only_with_window_norm():
    """A rising series: the test range lies above everything seen in training."""
    rng = np.random.RandomState(0)
    t = np.arange(400.0)
    series = 0.05 * t + np.sin(2 * np.pi * t / 12) + 0.1 * rng.normal(size=400)
    X, y = forecast_xy(series, horizon=1)
    n_test = 60
    scores = {}
    for norm in [None, "last"]:
        pipe = Pipeline([("win", Windower(window=24)),
                         ("m", LSTMRegressor(window_norm=norm, max_epochs=60,
                                             random_state=0))])
        pipe.fit(X[:-n_test], y[:-n_test])
        full = pipe[:-1].transform(X)[-n_test:]      # windows with real history
        scores[norm] = mean_squared_error(y[-n_test:], pipe[-1].predict(full)) ** 0.5
    naive = mean_squared_error(y[-n_test:], X[-n_test:, 0]) ** 0.5
    assert scores["last"] < 0.7 * naive
    assert scores[None] > naive          # without it the forecast saturates


def test_real_trending_gdp_beats_naive_only_with_window_norm():
    from sklearn.preprocessing import StandardScaler

    from sklstm.datasets import load_macrodata
    X, y = forecast_xy(load_macrodata()["realgdp"], horizon=1)
    n_test = 40

    def holdout(steps):
        pipe = Pipeline(steps).fit(X[:-n_test], y[:-n_test])
        windows = pipe[:-1].transform(X)[-n_test:]
        return mean_squared_error(y[-n_test:], pipe[-1].predict(windows)) ** 0.5

    naive = mean_squared_error(y[-n_test:], X.iloc[-n_test:, 0]) ** 0.5
    last = holdout([("win", Windower(12)),
                    ("m", LSTMRegressor(window_norm="last", max_epochs=100, random_state=0))])
    zscore = holdout([("scale", StandardScaler()), ("win", Windower(12)),
                      ("m", LSTMRegressor(max_epochs=100, random_state=0))])
    assert last < 0.9 * naive < zscore


def test_standard_mode_on_a_real_trending_series_beats_naive_and_no_norm():
    """US population (quarterly, bundled macrodata): a steady real trend."""
    from sklstm.datasets import load_macrodata
    X, y = forecast_xy(load_macrodata()["pop"], horizon=1)
    n_test = 40
    scores = {}
    for norm in [None, "standard"]:
        pipe = Pipeline([("win", Windower(12)),
                         ("m", LSTMRegressor(window_norm=norm, target_channel=0,
                                             max_epochs=100, random_state=0))])
        pipe.fit(X[:-n_test], y[:-n_test])
        windows = pipe[:-1].transform(X)[-n_test:]
        scores[norm] = mean_squared_error(y[-n_test:], pipe[-1].predict(windows)) ** 0.5
    naive = mean_squared_error(y[-n_test:], X.iloc[-n_test:, 0]) ** 0.5
    assert scores["standard"] < 0.5 * naive
    assert scores["standard"] < 0.5 * scores[None]
