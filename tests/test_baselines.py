"""Tests of the baseline forecasts (sklstm.baselines)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from sklstm import (
    LastValueRegressor,
    SeasonalNaiveRegressor,
    Windower,
    WindowMeanRegressor,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor

BASELINES = [LastValueRegressor(), SeasonalNaiveRegressor(season_length=2),
             WindowMeanRegressor(), RidgeLagsRegressor()]
NAIVE = BASELINES[:3]


def windows():
    """Two windows of 5 time steps and 2 channels; channel 1 is 100 + channel 0."""
    channel = np.array([[1.0, 2.0, 3.0, 4.0, 5.0],
                        [10.0, 20.0, 30.0, 40.0, 50.0]])
    return np.stack([channel, channel + 100.0], axis=-1)       # (2, 5, 2)


# ------------------------------------------------------------- exact values

def test_last_value_repeats_the_last_value_for_every_step():
    X = windows()
    pred = LastValueRegressor().fit(X, np.zeros((2, 3))).predict(X)
    np.testing.assert_array_equal(pred, [[5, 5, 5], [50, 50, 50]])
    pred = LastValueRegressor(target_channel=1).fit(X, np.zeros(2)).predict(X)
    np.testing.assert_array_equal(pred, [105, 150])


def test_window_mean_is_the_mean_of_the_target_channel():
    X = windows()
    pred = WindowMeanRegressor().fit(X, np.zeros((2, 2))).predict(X)
    np.testing.assert_array_equal(pred, [[3, 3], [30, 30]])
    pred = WindowMeanRegressor(target_channel=1).fit(X, np.zeros(2)).predict(X)
    np.testing.assert_array_equal(pred, [103, 130])


def test_seasonal_naive_reads_the_same_phase_of_the_last_season():
    X = windows()
    # m=3, window positions 0..4: step k reads position 5 - 3 + (k - 1) % 3,
    # i.e. 2, 3, 4, then the last season again: 2, 3.
    pred = SeasonalNaiveRegressor(season_length=3).fit(X, np.zeros((2, 5))).predict(X)
    np.testing.assert_array_equal(pred, [[3, 4, 5, 3, 4], [30, 40, 50, 30, 40]])
    pred = SeasonalNaiveRegressor(3, target_channel=1).fit(X, np.zeros(2)).predict(X)
    np.testing.assert_array_equal(pred, [103, 130])
    # m equal to the window: step 1 reads the oldest value.
    pred = SeasonalNaiveRegressor(season_length=5).fit(X, np.zeros(2)).predict(X)
    np.testing.assert_array_equal(pred, [1, 10])


def test_seasonal_naive_with_season_one_is_the_last_value():
    X = windows()
    y = np.zeros((2, 4))
    np.testing.assert_array_equal(
        SeasonalNaiveRegressor(season_length=1).fit(X, y).predict(X),
        LastValueRegressor().fit(X, y).predict(X))


def test_weekly_seasonal_naive_one_step_ahead_is_the_value_a_week_before_the_target():
    # Row t's window ends at day t and its target is day t + 1; the same
    # weekday last week is day t + 1 - 7, window position -7 (not -6).
    series = np.arange(40.0)
    X, y = forecast_xy(series, horizon=1)
    Xw = Windower(window=10).fit_transform(X)
    pred = SeasonalNaiveRegressor(season_length=7).fit(Xw, y.ravel()).predict(Xw)
    rows = np.arange(9, len(y))                          # full windows only
    np.testing.assert_array_equal(pred[rows], series[rows + 1 - 7])
    np.testing.assert_array_equal(pred, Xw[:, -7, 0])


@pytest.mark.parametrize("horizon", [1, 3, 7, 10, 16])
def test_seasonal_naive_is_exact_on_a_periodic_series(horizon):
    # Integer-valued period-7 pattern: the seasonal naive forecast of every
    # step, within and beyond one season, is the true value.
    series = np.tile([3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0], 12)
    X, y = forecast_xy(series, horizon=horizon)
    Xw = Windower(window=7).fit_transform(X)
    pred = SeasonalNaiveRegressor(season_length=7).fit(Xw, y).predict(Xw)
    np.testing.assert_array_equal(pred[6:], y[6:])
    last = LastValueRegressor().fit(Xw, y).predict(Xw)
    assert np.abs(last[6:] - y[6:]).max() > 0


def test_seasonal_naive_steps_match_the_series_one_season_back():
    # Step k from origin t targets t + k; the forecast is the value whole
    # seasons back, series[t + k - m * ceil(k / m)].
    series = np.arange(30.0) ** 2
    m, horizon, window = 4, 9, 6
    X, y = forecast_xy(series, horizon=horizon)
    Xw = Windower(window=window).fit_transform(X)
    pred = SeasonalNaiveRegressor(season_length=m).fit(Xw, y).predict(Xw)
    for t in range(window - 1, len(y)):
        for k in range(1, horizon + 1):
            assert pred[t, k - 1] == series[t + k - m * int(np.ceil(k / m))]


@pytest.mark.parametrize("est", BASELINES, ids=lambda e: type(e).__name__)
def test_two_d_windows_are_univariate(est):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6))
    y = rng.normal(size=(30, 2))
    np.testing.assert_array_equal(clone(est).fit(X, y).predict(X),
                                  clone(est).fit(X[:, :, np.newaxis], y).predict(X[:, :, None]))


@pytest.mark.parametrize("est", BASELINES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("y_shape", [(30,), (30, 1), (30, 4)])
def test_predictions_come_back_in_the_shape_of_y(est, y_shape):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6, 2))
    y = rng.normal(size=y_shape)
    assert clone(est).fit(X, y).predict(X[:7]).shape == (7,) + y_shape[1:]


# ------------------------------------------------------------- ridge on lags

def test_ridge_on_lags_follows_a_linear_trend_beyond_the_training_range():
    series = 2.0 * np.arange(120.0) + 5.0
    X, y = forecast_xy(series, horizon=3)
    Xw = Windower(window=8).fit_transform(X)
    ridge = RidgeLagsRegressor().fit(Xw[7:80], y[7:80])
    # In window units the target is 2k for step k whatever the level.
    np.testing.assert_allclose(ridge.predict(Xw[80:]), y[80:], rtol=1e-6)
    assert ridge.alpha_.shape == (3,)


@pytest.mark.parametrize("window_norm", [None, "last", "mean"])
def test_ridge_on_lags_learns_an_autoregression(window_norm):
    # x_t = 1.5 x_{t-1} - 0.75 x_{t-2} + e_t oscillates around zero; the
    # last value is a poor forecast of it, a linear model on lags the best.
    ratios = []
    for seed in range(3):
        series = _ar2(seed)
        X, y = forecast_xy(series, horizon=1)
        pipes = {name: Pipeline([("win", Windower(window=6)), ("m", est)])
                 for name, est in [("ridge", RidgeLagsRegressor(window_norm=window_norm)),
                                   ("last", LastValueRegressor())]}
        rmse = {name: root_mean_squared_error(y[300:], pipe.fit(X[:300], y[:300])
                                              .predict(X[300:]))
                for name, pipe in pipes.items()}
        ratios.append(rmse["ridge"] / rmse["last"])
    # Measured over seeds 0-9 for each window_norm: 0.53-0.81, worst 0.805
    # (seed 4, window_norm None).
    assert max(ratios) < 0.85


def _ar2(seed, n=400):
    rng = np.random.RandomState(seed)
    x = np.zeros(n)
    for t in range(2, n):
        x[t] = 1.5 * x[t - 1] - 0.75 * x[t - 2] + rng.normal()
    return x


# ------------------------------------------------------------ model selection

def test_pipeline_and_grid_search_pick_the_season():
    rng = np.random.RandomState(0)
    t = np.arange(300)
    series = 10 * np.sin(2 * np.pi * t / 7) + rng.normal(size=300)
    X, y = forecast_xy(series, horizon=2)
    pipe = Pipeline([("win", Windower(window=14)), ("m", SeasonalNaiveRegressor())])
    search = GridSearchCV(pipe, {"m__season_length": [1, 3, 7, 14]},
                          cv=TimeSeriesSplit(3), scoring="neg_root_mean_squared_error")
    search.fit(X, y)
    assert search.best_params_ == {"m__season_length": 7}
    assert search.predict(X[-5:]).shape == (5, 2)


def test_grid_search_tunes_the_ridge_window():
    X, y = forecast_xy(_ar2(0), horizon=1)
    pipe = Pipeline([("win", Windower()), ("m", RidgeLagsRegressor())])
    search = GridSearchCV(pipe, {"win__window": [1, 4], "m__window_norm": [None, "last"]},
                          cv=TimeSeriesSplit(3), error_score="raise").fit(X, y)
    # AR(2) needs two lags: a window of one cannot fit it.
    assert search.best_params_["win__window"] == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


# ------------------------------------------------------------------- errors

@pytest.mark.parametrize("est", BASELINES, ids=lambda e: type(e).__name__)
def test_target_channel_beyond_the_features_is_named(est):
    est = clone(est).set_params(target_channel=2)
    with pytest.raises(ValueError, match=r"target_channel=2 but X has 2 feature\(s\) per "
                                         r"time step"):
        est.fit(np.ones((5, 4, 2)), np.ones(5))


def test_a_window_shorter_than_the_season_is_an_error():
    with pytest.raises(ValueError, match=r"season_length=7 but the windows have 5 time "
                                         r"step\(s\).*Windower\(window=7\)"):
        SeasonalNaiveRegressor(season_length=7).fit(np.ones((4, 5, 1)), np.ones(4))


@pytest.mark.parametrize("est, params, match", [
    (LastValueRegressor(), {"target_channel": -1},
     r"LastValueRegressor: invalid value target_channel=-1; expected an int in \[0, inf\]"),
    (WindowMeanRegressor(), {"target_channel": 0.5}, r"target_channel=0.5; expected an int"),
    (SeasonalNaiveRegressor(), {"season_length": 0},
     r"season_length=0; expected an int in \[1, inf\]"),
    (SeasonalNaiveRegressor(), {"target_channel": None}, r"target_channel=None"),
    (RidgeLagsRegressor(), {"alphas": ()},
     r"alphas=\(\); expected a non-empty sequence of floats > 0"),
    (RidgeLagsRegressor(), {"alphas": (1.0, -1.0)}, r"alphas=\(1.0, -1.0\)"),
    (RidgeLagsRegressor(), {"alphas": 1.0}, r"alphas=1.0"),
    (RidgeLagsRegressor(), {"window_norm": "standard"},
     r"window_norm='standard'; expected one of None, 'last', 'mean'"),
])
def test_bad_parameters_are_named(est, params, match):
    with pytest.raises(ValueError, match=match):
        clone(est).set_params(**params).fit(np.ones((5, 4, 1)), np.ones(5))


@pytest.mark.parametrize("est", BASELINES, ids=lambda e: type(e).__name__)
@pytest.mark.parametrize("X, y, error, match", [
    (np.ones(10), np.ones(10), ValueError, "Expected 2D array, got 1D array"),
    (np.full((10, 3), np.nan), np.ones(10), ValueError, "Input X contains NaN"),
    (np.full((10, 3), np.inf), np.ones(10), ValueError, "Input X contains infinity"),
    (np.ones((10, 3)), np.r_[np.ones(9), np.nan], ValueError, "Input y contains NaN"),
    (np.empty((0, 3)), np.empty(0), ValueError, "0 sample"),
    (np.empty((5, 0, 2)), np.ones(5), ValueError, "empty axis"),
    (np.ones((10, 3)), np.ones(9), ValueError, r"inconsistent numbers of samples: \[10, 9\]"),
    (sp.csr_matrix(np.ones((10, 3))), np.ones(10), TypeError,
     r"got a sparse X \(csr_matrix\).*X.toarray\(\)"),
    (np.ones((10, 3)), sp.csr_matrix(np.ones((10, 1))), TypeError, "got a sparse y"),
    (np.ones((4, 3)), None, ValueError, "requires y to be passed"),
])
def test_bad_input_is_worded_as_for_the_regressors(est, X, y, error, match):
    with pytest.raises(error, match=match):
        clone(est).fit(X, y)


@pytest.mark.parametrize("X, y, naive, ridge", [
    (np.ones((10, 3, 2, 2)), np.ones(10),
     r"got frames of shape \(2, 2\) and targets of shape \(one value\); with frame "
     r"inputs the target is the next frame",
     r"expects X of shape \(n_samples, n_timesteps\) or "
     r"\(n_samples, n_timesteps, n_features\), got an array with 4 dimensions"),
    (np.ones((4, 3)), np.ones((4, 2, 2)),
     r"got frame targets of shape \(2, 2\) for windows of shape \(3, 1\); frame targets "
     r"need frame inputs",
     r"takes y of shape \(n_samples,\) or \(n_samples, n_outputs\), got shape "
     r"\(4, 2, 2\)"),
])
@pytest.mark.parametrize("est", BASELINES, ids=lambda e: type(e).__name__)
def test_frames_need_a_frame_target_and_the_ridge_takes_none(est, X, y, naive, ridge):
    match = ridge if isinstance(est, RidgeLagsRegressor) else naive
    with pytest.raises(ValueError, match=match):
        clone(est).fit(X, y)


@pytest.mark.parametrize("cls, expected", [
    (LastValueRegressor, lambda X: X[:, -1]),
    (WindowMeanRegressor, lambda X: X.mean(axis=1)),
])
@pytest.mark.parametrize("shape", [(6, 4, 5, 7), (6, 4, 2, 5, 7)])
def test_frames_are_forecast_pixel_by_pixel(cls, expected, shape):
    X = np.random.RandomState(0).uniform(size=shape)        # (n, T, [C,] H, W)
    pred = cls().fit(X, X[:, -1]).predict(X)
    assert pred.shape == X[:, -1].shape
    np.testing.assert_allclose(pred, expected(X), rtol=1e-15)
    seasonal = SeasonalNaiveRegressor(season_length=3).fit(X, X[:, -1]).predict(X)
    np.testing.assert_array_equal(seasonal, X[:, -3])       # copied, not computed


@pytest.mark.parametrize("est", BASELINES, ids=lambda e: type(e).__name__)
def test_predict_checks_the_windows_against_fit(est):
    est = clone(est)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        est.predict(np.ones((2, 4, 2)))
    est.fit(np.ones((6, 4, 2)), np.ones(6))
    with pytest.raises(ValueError, match=r"X has sequences of shape \(3, 2\).*fitted on "
                                         r"sequences of shape \(4, 2\)"):
        est.predict(np.ones((2, 3, 2)))
    with pytest.raises(ValueError, match=r"X has sequences of shape \(4, 1\)"):
        est.predict(np.ones((2, 4, 1)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(np.full((2, 4, 2), np.nan))


def test_float64_windows_are_not_rounded_to_float32():
    X = np.full((3, 4, 1), 123456.789)                 # not representable in float32
    pred = LastValueRegressor().fit(X, np.zeros(3)).predict(X)
    assert pred.dtype == np.float64
    np.testing.assert_array_equal(pred, X[:, -1, 0])   # the same values, copied
