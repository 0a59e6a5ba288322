"""Tests of the baseline forecasts (sklstm.baselines)."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import Ridge, RidgeCV
from sklearn.metrics import root_mean_squared_error
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm import (
    LastValueRegressor,
    SeasonalNaiveRegressor,
    Windower,
    WindowMeanRegressor,
    _ridge,
    forecast_xy,
)
from sklstm._ridge import DenseDesign, normal_equations, ridge_loo
from sklstm.baselines import RidgeLagsRegressor, _LagDesign

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
    (RidgeLagsRegressor(), {"alpha_per_output": "yes"},
     r"alpha_per_output='yes'; expected one of True, False"),
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


# ------------------------------------------------- the ridge solver (_ridge)

ALPHAS = (1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3)
#: Coefficients agree to this fraction of their largest magnitude: the two
#: computations round differently (float64), nothing more.
RTOL = np.sqrt(np.finfo(np.float64).eps)


def _problem(n, p, n_outputs, *, rank=None, seed=0):
    """Features of uneven scale and offset; targets from a few of them plus noise."""
    rng = np.random.RandomState(seed)
    if rank is None:
        X = rng.normal(size=(n, p)) * rng.uniform(0.1, 10, size=p) + 5.0
    else:
        X = rng.normal(size=(n, rank)) @ rng.normal(size=(rank, p)) + 1.0
    y = X[:, :4] @ rng.normal(size=(4, n_outputs)) + 2.0 * rng.normal(size=(n, n_outputs))
    weights = rng.uniform(0.0, 3.0, size=n)
    weights[:3] = 0.0
    return X, (y[:, 0] if n_outputs == 1 else y), weights


def _assert_same_ridge(solution, coef, intercept):
    coef = np.atleast_2d(coef)                                # (n_outputs, p)
    scale = np.abs(coef).max()
    np.testing.assert_allclose(solution.coef.T, coef, rtol=0, atol=RTOL * scale)
    np.testing.assert_allclose(solution.intercept, np.atleast_1d(intercept), rtol=0,
                               atol=RTOL * max(scale, np.abs(intercept).max()))


@pytest.mark.parametrize("n, p, solver", [(60, 15, "covariance"), (25, 60, "gram")])
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_solver_chooses_alpha_and_coefficients_as_ridgecv(n, p, solver, n_outputs,
                                                                 weighted):
    X, y, weights = _problem(n, p, n_outputs)
    sample_weight = weights if weighted else None
    ref = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, y, sample_weight=sample_weight)
    solution = ridge_loo(DenseDesign(X), y, ALPHAS, sample_weight=sample_weight)
    assert solution.solver == solver
    np.testing.assert_array_equal(solution.alpha, np.broadcast_to(ref.alpha_, (n_outputs,)))
    _assert_same_ridge(solution, ref.coef_, ref.intercept_)


@pytest.mark.parametrize("n, p", [(60, 15), (25, 60)])
@pytest.mark.parametrize("weighted", [False, True])
def test_ridge_solver_at_one_alpha_is_sklearns_ridge(n, p, weighted):
    X, y, weights = _problem(n, p, 2, seed=1)
    sample_weight = weights if weighted else None
    for alpha in (1e-2, 10.0):
        ref = Ridge(alpha=alpha).fit(X, y, sample_weight=sample_weight)
        solution = ridge_loo(DenseDesign(X), y, [alpha], sample_weight=sample_weight)
        _assert_same_ridge(solution, ref.coef_, ref.intercept_)


def test_ridge_solver_shares_an_alpha_as_ridgecv_does():
    X, y, _ = _problem(80, 20, 4, seed=2)
    ref = RidgeCV(alphas=ALPHAS, alpha_per_target=False).fit(X, y)
    solution = ridge_loo(DenseDesign(X), y, ALPHAS, alpha_per_target=False)
    np.testing.assert_array_equal(solution.alpha, np.full(4, ref.alpha_))
    _assert_same_ridge(solution, ref.coef_, ref.intercept_)


@pytest.mark.parametrize("weighted", [False, True])
def test_standardised_ridge_solver_is_standard_scaler_then_ridgecv(weighted):
    X, y, weights = _problem(70, 12, 3, seed=3)
    sample_weight = weights if weighted else None
    scaler = StandardScaler().fit(X, sample_weight=sample_weight)
    ref = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(
        scaler.transform(X), y, sample_weight=sample_weight)
    solution = ridge_loo(DenseDesign(X), y, ALPHAS, sample_weight=sample_weight,
                         standardize=True)
    np.testing.assert_array_equal(solution.alpha, ref.alpha_)
    # On the unscaled design: coef / scale, and the intercept takes the means.
    _assert_same_ridge(solution, ref.coef_ / scaler.scale_,
                       ref.intercept_ - (ref.coef_ / scaler.scale_) @ scaler.mean_)


@pytest.mark.parametrize("n, p", [(300, 120), (120, 300)])
@pytest.mark.parametrize("weighted", [False, True])
def test_range_solver_on_a_low_rank_design_is_ridgecv(n, p, weighted):
    X, y, weights = _problem(n, p, 3, rank=12, seed=4)
    sample_weight = weights if weighted else None
    ref = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, y, sample_weight=sample_weight)
    solution = ridge_loo(DenseDesign(X), y, ALPHAS, sample_weight=sample_weight,
                         solver="range")
    assert solution.solver == "range"
    assert solution.rank <= min(n, p) // 4                    # a basis, not all columns
    np.testing.assert_array_equal(solution.alpha, ref.alpha_)
    _assert_same_ridge(solution, ref.coef_, ref.intercept_)


@pytest.mark.parametrize("n, p, exact", [(200, 80, "covariance"), (80, 200, "gram")])
def test_range_solver_falls_back_on_a_full_rank_design(n, p, exact):
    X, y, _ = _problem(n, p, 2, seed=5)
    ref = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X, y)
    solution = ridge_loo(DenseDesign(X), y, ALPHAS, solver="range")
    assert solution.solver == exact
    np.testing.assert_array_equal(solution.alpha, ref.alpha_)
    _assert_same_ridge(solution, ref.coef_, ref.intercept_)


@pytest.mark.parametrize("standardize", [False, True])
def test_chunked_normal_equations_are_the_dense_ones(monkeypatch, standardize):
    X, y, weights = _problem(50, 7, 2, seed=6)
    monkeypatch.setattr(_ridge, "BLOCK_ELEMENTS", 3 * X.shape[1])      # 3 rows a chunk
    gram, moment = normal_equations(DenseDesign(X), y, sample_weight=weights,
                                    standardize=standardize)
    mean = weights @ X / weights.sum()
    scale = np.sqrt(weights @ (X - mean) ** 2 / weights.sum()) if standardize else 1.0
    Z = np.sqrt(weights)[:, None] * (X - mean) / scale
    ys = np.sqrt(weights)[:, None] * (y - weights @ y / weights.sum())
    np.testing.assert_allclose(gram, Z.T @ Z, rtol=1e-12, atol=1e-12 * np.abs(gram).max())
    np.testing.assert_allclose(moment, Z.T @ ys, rtol=1e-12,
                               atol=1e-12 * np.abs(moment).max())


# ----------------------------------------- ridge on lags against its old form

def _old_ridge_on_lags(X, y, window_norm, X_new):
    """The former RidgeLagsRegressor: lags flattened whole, StandardScaler, RidgeCV."""
    def features(X):
        if window_norm is None:
            return X.reshape(len(X), -1), 0.0
        loc = X[:, -1, :] if window_norm == "last" else X.mean(axis=1)
        relative = (X - loc[:, None, :]).reshape(len(X), -1)
        return np.hstack([relative, loc]), loc[:, [0]]

    Z, loc = features(X)
    scaler = StandardScaler().fit(Z)
    ridge = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(scaler.transform(Z), y - loc)
    Z, loc = features(X_new)
    return ridge.predict(scaler.transform(Z)) + loc, np.atleast_1d(ridge.alpha_)


def _covariate_windows(n=320, window=12, horizon=6, seed=0):
    """Windower views of a series with two future covariates' leads kept as plain
    channels at every step (``leads="keep"``: the wide, low-rank layout)."""
    rng = np.random.RandomState(seed)
    t = np.arange(n + horizon)
    temperature = np.sin(2 * np.pi * t / 24) + 0.3 * rng.normal(size=len(t))
    workday = (t // 24 % 7 < 5).astype(float)
    target = 2 * temperature + workday + np.cumsum(0.2 * rng.normal(size=len(t)))
    frame = pd.DataFrame({"time": t, "target": target, "temperature": temperature,
                          "workday": workday})
    X, y = forecast_xy(frame, horizon=horizon, target="target", time="time",
                       future_covariates=["temperature", "workday"])
    windows = Windower(window=window, leads="keep").fit_transform(X)
    return windows[window - 1:], np.asarray(y)[window - 1:]


@pytest.mark.parametrize("window_norm", [None, "last", "mean"])
@pytest.mark.parametrize("shape", ["tall", "wide", "low rank"])
def test_ridge_on_lags_is_the_old_standard_scaler_and_ridgecv(monkeypatch, window_norm, shape):
    Xw, y = _covariate_windows()                               # (309, 12, 13) views
    if shape == "wide":
        Xw, y = Xw[:60], y[:60]                                # 60 windows, 169 lags
    if shape == "low rank":                                    # 637 lags of rank 82
        Xw, y = _covariate_windows(n=520, horizon=24)           # (509, 12, 49)
        monkeypatch.setattr(_ridge, "RANGE_MIN_RANK", 100)
    if shape != "tall":
        monkeypatch.setattr(_ridge, "BLOCK_ELEMENTS", 7 * Xw[0].size)  # several chunks
    reg = RidgeLagsRegressor(window_norm=window_norm).fit(Xw[:-40], y[:-40])
    expected = {"tall": "covariance", "wide": "gram", "low rank": "range"}[shape]
    assert reg.solver_ == expected
    y_old, alpha_old = _old_ridge_on_lags(Xw[:-40], y[:-40], window_norm, Xw[-40:])
    np.testing.assert_array_equal(reg.alpha_, alpha_old)
    np.testing.assert_allclose(reg.predict(Xw[-40:]), y_old, rtol=0,
                               atol=RTOL * np.abs(y_old).max())


def test_lag_features_of_a_view_are_the_flattened_windows():
    Xw, _ = _covariate_windows(n=40)
    assert not Xw.flags.c_contiguous                           # a Windower view
    loc = Xw[:, -1, :]
    dense = np.hstack([(Xw - loc[:, None, :]).reshape(len(Xw), -1), loc])
    design = _LagDesign(Xw, "last")
    np.testing.assert_allclose(design.rows(slice(3, 20)), dense[3:20], rtol=1e-15)
    blocks = list(design.columns(5 * Xw.shape[2]))
    assert len(blocks) == 4                                    # 3 blocks of steps + locations
    for cols, block in blocks:
        np.testing.assert_allclose(block, dense[:, cols], rtol=1e-15)


def test_shared_alpha_is_one_alpha_for_every_output():
    Xw, y = _covariate_windows()
    per_output = RidgeLagsRegressor().fit(Xw, y)
    shared = RidgeLagsRegressor(alpha_per_output=False).fit(Xw, y)
    assert len(set(shared.alpha_)) == 1
    assert per_output.alpha_.shape == shared.alpha_.shape == (6,)
