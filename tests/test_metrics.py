"""Tests of sklstm.metrics: each metric against a loop written here, the
errors, and the scorers inside GridSearchCV and cross_validate."""

import math
import pickle
import re

import numpy as np
import pytest
import scipy.sparse as sp
from scipy import integrate
from scipy.stats import norm
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_absolute_error, mean_pinball_loss
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklstm.metrics import (
    coverage_scorer,
    crps_from_quantiles,
    crps_scorer,
    interval_coverage,
    interval_width,
    make_interval_scorer,
    make_quantile_scorer,
    mase,
    quantile_loss,
    quantile_loss_scorer,
    width_scorer,
    winkler_score,
    winkler_scorer,
)

TOL = {"rtol": 1e-12, "atol": 1e-12}     # two float64 computations of one value
LEVELS = [0.05, 0.25, 0.5, 0.75, 0.95]


def forecasts(n=40, n_outputs=None, n_levels=5, seed=0):
    """Targets and sorted quantile forecasts near them, 1-D or multi-output."""
    rng = np.random.default_rng(seed)
    shape = (n,) if n_outputs is None else (n, n_outputs)
    y = rng.normal(size=shape)
    center = y + rng.normal(scale=0.7, size=shape)
    spread = np.sort(rng.normal(size=shape + (n_levels,)), axis=-1)
    return y, center[..., np.newaxis] + spread


def intervals(n=40, n_outputs=None, seed=0):
    """Targets and intervals of which some hold the target and some miss it."""
    rng = np.random.default_rng(seed)
    shape = (n,) if n_outputs is None else (n, n_outputs)
    y = rng.normal(size=shape)
    lower = y + rng.normal(scale=1.0, size=shape) - 0.8
    upper = lower + rng.uniform(0.0, 2.0, size=shape)
    return y, np.stack([lower, upper], axis=-1)


def cells(y):
    """The (sample, output) index pairs of y, as a loop visits them."""
    y = np.asarray(y)
    if y.ndim == 1:
        return [((i,), (i,)) for i in range(y.shape[0])]
    return [((i, j), (i, j)) for i in range(y.shape[0]) for j in range(y.shape[1])]


def pinball_by_loop(y, y_quantiles, levels):
    total, count = 0.0, 0
    for at, _ in cells(y):
        for k, tau in enumerate(levels):
            u = y[at] - y_quantiles[at + (k,)]
            total += tau * u if u >= 0 else (tau - 1) * u
            count += 1
    return total / count


def gaussian_crps(y, mu, sigma):
    """Closed-form CRPS of N(mu, sigma^2) at y (Gneiting & Raftery 2007, eq. 21)."""
    z = (y - mu) / sigma
    return sigma * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / np.sqrt(np.pi))


# --------------------------------------------------------------------------
# quantile_loss
# --------------------------------------------------------------------------


@pytest.mark.parametrize("tau", [0.05, 0.5, 0.9])
@pytest.mark.parametrize("n_outputs", [None, 3])
def test_quantile_loss_of_one_level_is_sklearns_mean_pinball_loss(tau, n_outputs):
    y, y_quantiles = forecasts(n_outputs=n_outputs, n_levels=1)
    expected = mean_pinball_loss(y, y_quantiles[..., 0], alpha=tau)
    np.testing.assert_allclose(quantile_loss(y, y_quantiles, [tau]), expected, **TOL)


@pytest.mark.parametrize("n_outputs", [None, 1, 3])
def test_quantile_loss_is_the_mean_pinball_loss_over_samples_outputs_and_levels(n_outputs):
    y, y_quantiles = forecasts(n_outputs=n_outputs)
    np.testing.assert_allclose(quantile_loss(y, y_quantiles, LEVELS),
                               pinball_by_loop(y, y_quantiles, LEVELS), **TOL)


def test_quantile_loss_is_zero_for_exact_quantiles_and_weighs_misses_by_level():
    y = np.array([1.0, 2.0])
    assert quantile_loss(y, np.tile(y[:, None], 2), [0.1, 0.9]) == 0.0
    # Both quantiles 1 below the target: losses 0.1 and 0.9, mean 0.5.
    np.testing.assert_allclose(quantile_loss(y, np.tile(y[:, None] - 1, 2), [0.1, 0.9]),
                               0.5, **TOL)
    # 1 above: losses 0.9 and 0.1.
    np.testing.assert_allclose(quantile_loss(y, np.tile(y[:, None] + 1, 2), [0.1, 0.9]),
                               0.5, **TOL)


def test_quantile_loss_accepts_lists_tuples_and_arrays_of_levels():
    y, y_quantiles = forecasts(n_levels=3)
    values = [quantile_loss(y, y_quantiles.tolist(), levels)
              for levels in ([0.1, 0.5, 0.9], (0.1, 0.5, 0.9), np.array([0.1, 0.5, 0.9]))]
    assert values[0] == values[1] == values[2]      # the same computation repeated


# --------------------------------------------------------------------------
# intervals
# --------------------------------------------------------------------------


@pytest.mark.parametrize("n_outputs", [None, 2])
def test_interval_coverage_width_and_winkler_match_a_loop(n_outputs):
    y, y_interval = intervals(n_outputs=n_outputs)
    coverage = 0.8
    alpha = 1 - coverage
    inside, width, winkler = 0, 0.0, 0.0
    for at, _ in cells(y):
        lower, upper = y_interval[at + (0,)], y_interval[at + (1,)]
        inside += lower <= y[at] <= upper
        width += upper - lower
        score = upper - lower
        if y[at] < lower:
            score += 2 / alpha * (lower - y[at])
        elif y[at] > upper:
            score += 2 / alpha * (y[at] - upper)
        winkler += score
    n = len(cells(y))
    assert 0 < inside < n                           # both cases are exercised
    np.testing.assert_allclose(interval_coverage(y, y_interval), inside / n, **TOL)
    np.testing.assert_allclose(interval_width(y_interval), width / n, **TOL)
    np.testing.assert_allclose(winkler_score(y, y_interval, coverage), winkler / n, **TOL)


def test_intervals_that_hold_every_target():
    y = np.array([0.0, 1.0, 2.0])
    y_interval = np.array([[0.0, 1.0], [0.5, 1.0], [1.0, 3.0]])   # bounds are inside
    assert interval_coverage(y, y_interval) == 1.0
    # No target outside: the Winkler score is the mean width, whatever the coverage.
    for coverage in (0.5, 0.9, 0.99):
        np.testing.assert_allclose(winkler_score(y, y_interval, coverage),
                                   interval_width(y_interval), **TOL)
    # A zero-width interval on the target is perfect.
    point = np.stack([y, y], axis=-1)
    assert interval_coverage(y, point) == 1.0
    assert interval_width(point) == 0.0
    assert winkler_score(y, point, 0.9) == 0.0


def test_intervals_that_miss_every_target():
    y = np.array([[0.0, 10.0], [5.0, -5.0]])
    y_interval = np.array([[[1.0, 2.0], [7.0, 9.0]],      # below, above
                           [[6.0, 6.5], [-4.0, 0.0]]])    # below, below
    assert interval_coverage(y, y_interval) == 0.0
    # widths 1, 2, 0.5, 4; distances 1, 1, 1, 1; 2 / alpha = 4 at coverage 0.5
    np.testing.assert_allclose(winkler_score(y, y_interval, 0.5),
                               (1 + 2 + 0.5 + 4 + 4 * 4) / 4, **TOL)


def test_winkler_penalty_grows_as_the_nominal_coverage_rises():
    y, y_interval = intervals()
    scores = [winkler_score(y, y_interval, c) for c in (0.5, 0.8, 0.9, 0.99)]
    assert scores == sorted(scores)


# --------------------------------------------------------------------------
# crps_from_quantiles
# --------------------------------------------------------------------------


def test_crps_from_quantiles_is_twice_the_quantile_loss():
    y, y_quantiles = forecasts(n_outputs=2)
    np.testing.assert_allclose(crps_from_quantiles(y, y_quantiles, LEVELS),
                               2 * pinball_by_loop(y, y_quantiles, LEVELS), **TOL)


def test_the_gaussian_closed_form_used_here_is_the_crps_integral():
    for y, mu, sigma in [(0.3, 0.0, 1.0), (-2.0, 1.0, 0.5)]:
        def squared_gap(x, y=y, mu=mu, sigma=sigma):
            return (norm.cdf(x, mu, sigma) - float(y <= x)) ** 2

        integral = sum(integrate.quad(squared_gap, a, b)[0]
                       for a, b in [(-np.inf, y), (y, np.inf)])
        np.testing.assert_allclose(gaussian_crps(y, mu, sigma), integral, rtol=1e-7)


def test_crps_from_quantiles_approaches_the_gaussian_crps_with_many_levels():
    rng = np.random.default_rng(0)
    mu = rng.normal(size=500)
    sigma = rng.uniform(0.5, 2.0, size=500)
    y = rng.normal(mu, sigma)                        # observations from the forecast
    exact = gaussian_crps(y, mu, sigma).mean()
    errors = []
    for n_levels in (9, 99, 999):
        levels = np.arange(1, n_levels + 1) / (n_levels + 1)
        y_quantiles = mu[:, None] + sigma[:, None] * norm.ppf(levels)
        errors.append(abs(crps_from_quantiles(y, y_quantiles, levels) - exact) / exact)
    # The error comes from the tails the levels leave out and is of order
    # 1 / n_levels: measured 9.5%, 0.99% and 0.10% relative for 9, 99 and 999.
    assert errors[1] < 0.015
    assert errors[0] > errors[1] > errors[2]


# --------------------------------------------------------------------------
# mase
# --------------------------------------------------------------------------


def mase_by_loop(y, y_pred, y_train, m):
    diffs = [abs(y_train[t] - y_train[t - m]) for t in range(m, len(y_train))]
    scale = sum(diffs) / len(diffs)
    errors = [abs(y[at] - y_pred[at]) for at, _ in cells(y)]
    return sum(errors) / len(errors) / scale


@pytest.mark.parametrize("season_length", [1, 4])
@pytest.mark.parametrize("n_outputs", [None, 3])
def test_mase_matches_a_loop(season_length, n_outputs):
    rng = np.random.default_rng(1)
    y_train = np.sin(np.arange(50) * 2 * np.pi / 4) + rng.normal(scale=0.3, size=50)
    shape = (20,) if n_outputs is None else (20, n_outputs)
    y, y_pred = rng.normal(size=shape), rng.normal(size=shape)
    np.testing.assert_allclose(mase(y, y_pred, y_train, season_length),
                               mase_by_loop(y, y_pred, y_train, season_length), **TOL)
    # A column vector is the same training series.
    np.testing.assert_allclose(mase(y, y_pred, y_train[:, None], season_length),
                               mase(y, y_pred, y_train, season_length), **TOL)


def test_mase_of_the_naive_forecast_inside_the_training_series_is_one():
    y_train = np.cumsum(np.random.default_rng(2).normal(size=60))
    got = mase(y_train[1:], y_train[:-1], y_train)
    np.testing.assert_allclose(got, 1.0, **TOL)
    assert mase(y_train[1:], y_train[1:], y_train) == 0.0
    np.testing.assert_allclose(
        mase(y_train[1:], y_train[:-1] + 1, y_train),
        mean_absolute_error(y_train[1:], y_train[:-1] + 1)
        / mean_absolute_error(y_train[1:], y_train[:-1]), **TOL)


# --------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------


def test_non_finite_values_are_errors_in_every_array():
    y, y_quantiles = forecasts(n_levels=3)
    y_bad = y.copy()
    y_bad[3] = np.nan
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: y_true contains 1 NaN and 0 infinite value(s), the first "
            "at index (3,)")):
        quantile_loss(y_bad, y_quantiles, [0.1, 0.5, 0.9])
    q_bad = y_quantiles.copy()
    q_bad[5, 2] = np.inf
    with pytest.raises(ValueError, match=re.escape(
            "crps_from_quantiles: y_quantiles contains 0 NaN and 1 infinite value(s), "
            "the first at index (5, 2); forecast metrics need finite values")):
        crps_from_quantiles(y, q_bad, [0.1, 0.5, 0.9])
    y, y_interval = intervals()
    i_bad = y_interval.copy()
    i_bad[0, 0] = -np.inf
    for call in (lambda: interval_coverage(y, i_bad), lambda: interval_width(i_bad),
                 lambda: winkler_score(y, i_bad, 0.9)):
        with pytest.raises(ValueError, match=r"y_interval contains 0 NaN and 1 infinite"):
            call()
    with pytest.raises(ValueError, match=r"mase: y_pred contains 1 NaN"):
        mase(y, np.where(np.arange(len(y)) == 1, np.nan, y), y)
    with pytest.raises(ValueError, match=r"mase: y_train contains 1 NaN"):
        mase(y, y, np.append(y, np.nan))


def test_shape_errors_name_the_argument_and_the_expected_shape():
    y, y_quantiles = forecasts(n_levels=3)
    levels = [0.1, 0.5, 0.9]
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: y_true has 40 samples but y_quantiles has 39")):
        quantile_loss(y, y_quantiles[:-1], levels)
    with pytest.raises(ValueError, match=re.escape(
            "y_true of shape (40,) is 1-D, so y_quantiles must have shape "
            "(n_samples, n_quantiles), got shape (40, 1, 3)")):
        quantile_loss(y, y_quantiles[:, None, :], levels)
    with pytest.raises(ValueError, match=re.escape(
            "y_true of shape (40, 2) has 2 output(s), so y_quantiles must have shape "
            "(n_samples, 2, n_quantiles), got shape (40, 3)")):
        quantile_loss(np.c_[y, y], y_quantiles, levels)
    with pytest.raises(ValueError, match=re.escape(
            "must have shape (n_samples, 2, n_quantiles), got shape (40, 3, 3)")):
        quantile_loss(np.c_[y, y], np.repeat(y_quantiles[:, None], 3, axis=1), levels)
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: y_true must have shape (n_samples,) or (n_samples, "
            "n_outputs), got an array of shape ()")):
        quantile_loss(1.0, y_quantiles, levels)
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: y_quantiles must have shape (n_samples, n_quantiles) or "
            "(n_samples, n_outputs, n_quantiles), got an array of shape (40,)")):
        quantile_loss(y, y, levels)
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: y_true of shape (0,) is empty")):
        quantile_loss([], np.zeros((0, 3)), levels)
    with pytest.raises(ValueError, match=r"quantile_loss: y_true could not be read as an "
                                         r"array of floats .*Pass a numeric array"):
        quantile_loss(["a", "b"], [[1.0], [2.0]], [0.5])
    with pytest.raises(TypeError, match=re.escape(
            "quantile_loss: y_quantiles is a sparse csr_matrix; metrics take dense "
            "arrays. Convert it with y_quantiles.toarray().")):
        quantile_loss(y, sp.csr_matrix(y_quantiles), levels)


def test_interval_errors():
    y, y_interval = intervals()
    with pytest.raises(ValueError, match=re.escape(
            "winkler_score: y_interval must hold (lower, upper) along its last axis, "
            "shape (n_samples, 2) or (n_samples, n_outputs, 2), got shape (40, 3)")):
        winkler_score(y, np.c_[y_interval, y], 0.9)
    with pytest.raises(ValueError, match=re.escape(
            "interval_coverage: y_true of shape (40,) is 1-D, so y_interval must have "
            "shape (n_samples, 2), got shape (40, 1, 2)")):
        interval_coverage(y, y_interval[:, None, :])
    crossed = y_interval.copy()
    crossed[[4, 7]] = crossed[[4, 7]][:, ::-1]
    for call, name in [(lambda: interval_coverage(y, crossed), "interval_coverage"),
                       (lambda: interval_width(crossed), "interval_width"),
                       (lambda: winkler_score(y, crossed, 0.9), "winkler_score")]:
        with pytest.raises(ValueError, match=re.escape(
                f"{name}: y_interval has a lower bound above its upper bound in 2 "
                f"place(s), the first at index (4,) (lower={crossed[4, 0]!r}")):
            call()
    with pytest.raises(ValueError, match=re.escape(
            "interval_width: y_interval must have shape (n_samples, 2) or (n_samples, "
            "n_outputs, 2), got an array of shape (2,)")):
        interval_width([0.0, 1.0])


@pytest.mark.parametrize("coverage", [0.0, 1.0, 1.5, -0.1, "0.9", None, np.nan])
def test_winkler_coverage_must_be_in_the_open_unit_interval(coverage):
    y, y_interval = intervals()
    with pytest.raises(ValueError, match=re.escape(
            f"winkler_score: invalid value coverage={coverage!r}; expected a float in "
            "(0, 1).")):
        winkler_score(y, y_interval, coverage)


def test_quantile_level_errors():
    y, y_quantiles = forecasts(n_levels=3)
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: got 2 quantile level(s) (0.1, 0.9) but y_quantiles has 3 "
            "along its last axis")):
        quantile_loss(y, y_quantiles, [0.1, 0.9])
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: invalid value quantiles[2]=1.0; expected a float in (0, 1).")):
        quantile_loss(y, y_quantiles, [0.1, 0.5, 1.0])
    with pytest.raises(ValueError, match=re.escape(
            "crps_from_quantiles: invalid value quantiles[0]=0; expected a float in (0, 1).")):
        crps_from_quantiles(y, y_quantiles, [0, 0.5, 0.9])
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss: quantiles must be a sequence of floats in (0, 1), got 0.5. "
            "Pass a list, even for one level: quantiles=[0.9].")):
        quantile_loss(y, y_quantiles[:, :1], 0.5)
    with pytest.raises(ValueError, match=r"quantiles must be a sequence of floats in "
                                         r"\(0, 1\), got '0.5'"):
        quantile_loss(y, y_quantiles[:, :1], "0.5")
    with pytest.raises(ValueError, match=r"make_quantile_scorer: quantiles is empty"):
        make_quantile_scorer(quantile_loss, quantiles=[])


def test_mase_errors():
    y = np.arange(5.0)
    with pytest.raises(ValueError, match=re.escape(
            "mase: y_true has shape (5,) but y_pred has shape (5, 1)")):
        mase(y, y[:, None], y)
    with pytest.raises(ValueError, match=re.escape(
            "mase: the in-sample seasonal naive forecast (season_length=1) fits y_train "
            "exactly (mean absolute error 0, for example a constant series), so MASE "
            "divides by zero")):
        mase(y, y + 1, np.full(10, 3.0))
    with pytest.raises(ValueError, match=r"season_length=2\) fits y_train exactly"):
        mase(y, y + 1, np.tile([1.0, 2.0], 5), season_length=2)   # period 2
    with pytest.raises(ValueError, match=re.escape(
            "mase: y_train has 4 value(s), but season_length=4 needs at least 5 for one "
            "seasonal difference")):
        mase(y, y, np.arange(4.0), season_length=4)
    with pytest.raises(ValueError, match=re.escape(
            "mase: y_train must be the 1-D training series, shape (n_train,), got shape "
            "(5, 2). For horizon targets pass the series itself (for example its first "
            "column, y_train[:, 0])")):
        mase(y, y, np.c_[y, y])
    for bad in (0, 1.5, "7", True):
        with pytest.raises(ValueError, match=re.escape(
                f"mase: invalid value season_length={bad!r}; expected an int in [1, inf].")):
            mase(y, y, np.arange(10.0), season_length=bad)


# --------------------------------------------------------------------------
# scorers
# --------------------------------------------------------------------------


class ResidualQuantileRegressor(RegressorMixin, BaseEstimator):
    """Ridge regression plus the empirical quantiles of its training residuals.

    It has the interval API of sklstm's estimators: ``predict_quantiles``,
    ``predict_interval`` and ``predict(X, coverage=...)``.
    """

    def __init__(self, alpha=1.0):
        self.alpha = alpha

    def fit(self, X, y):
        self.ridge_ = Ridge(alpha=self.alpha).fit(X, y)
        self.residuals_ = np.asarray(y) - self.ridge_.predict(X)
        return self

    def predict_quantiles(self, X, quantiles=None):
        levels = (0.1, 0.5, 0.9) if quantiles is None else quantiles
        offsets = np.quantile(self.residuals_, levels, axis=0)   # (K,) or (K, n_outputs)
        return self.ridge_.predict(X)[..., np.newaxis] + np.moveaxis(offsets, 0, -1)

    def predict_interval(self, X, coverage=0.9):
        alpha = 1 - coverage
        return self.predict_quantiles(X, (alpha / 2, 1 - alpha / 2))

    def predict(self, X, coverage=None):
        y_pred = self.ridge_.predict(X)
        if coverage is None:
            return y_pred
        return y_pred, self.predict_interval(X, coverage)


class IntervalOnlyRegressor(ResidualQuantileRegressor):
    """Has predict_interval, but its predict takes no coverage."""

    def predict(self, X):
        return self.ridge_.predict(X)


class ScalarPredictRegressor(ResidualQuantileRegressor):
    """Its predict takes coverage but returns the point forecast alone."""

    def predict(self, X, coverage=None):
        return self.ridge_.predict(X)


def regression_data(n_outputs=None, n=90, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1]
    w = np.array([[1.0, -0.5], [0.2, 0.1], [3.0, 2.0]])
    y = X @ w + rng.standard_t(df=4, size=(n, 2))
    return X, (y[:, 0] if n_outputs is None else y[:, :n_outputs])


def by_hand(estimator, X, y, cv, score):
    """Fit a clone per fold and score its test part: what cross_validate does."""
    out = []
    for train, test in cv.split(X):
        fitted = clone(estimator).fit(X[train], y[train])
        out.append(score(fitted, X[test], y[test]))
    return np.array(out)


SCORERS = {
    "coverage": (coverage_scorer,
                 lambda est, X, y: interval_coverage(y, est.predict(X, coverage=0.9)[1])),
    "width": (width_scorer(0.8),
              lambda est, X, y: -interval_width(est.predict(X, coverage=0.8)[1])),
    "winkler": (winkler_scorer(0.8),
                lambda est, X, y: -winkler_score(y, est.predict(X, coverage=0.8)[1], 0.8)),
    "pinball": (quantile_loss_scorer([0.1, 0.5, 0.9]),
                lambda est, X, y: -quantile_loss(
                    y, est.predict_quantiles(X, [0.1, 0.5, 0.9]), [0.1, 0.5, 0.9])),
    "crps": (crps_scorer(np.arange(1, 20) / 20),
             lambda est, X, y: -crps_from_quantiles(
                 y, est.predict_quantiles(X, np.arange(1, 20) / 20), np.arange(1, 20) / 20)),
}


@pytest.mark.parametrize("n_outputs", [None, 2])
def test_scorers_in_cross_validate_with_a_bare_estimator(n_outputs):
    X, y = regression_data(n_outputs)
    cv = KFold(3)
    est = ResidualQuantileRegressor()
    result = cross_validate(est, X, y, cv=cv, error_score="raise",
                            scoring={name: s for name, (s, _) in SCORERS.items()})
    for name, (_, score) in SCORERS.items():
        np.testing.assert_allclose(result[f"test_{name}"], by_hand(est, X, y, cv, score),
                                   **TOL)
    assert np.all((0 < result["test_coverage"]) & (result["test_coverage"] <= 1))
    assert np.all(result["test_width"] < 0) and np.all(result["test_winkler"] < 0)


@pytest.mark.parametrize("n_outputs", [None, 2])
def test_scorers_in_cross_validate_through_a_pipeline(n_outputs):
    X, y = regression_data(n_outputs)
    cv = KFold(3)
    pipe = Pipeline([("scale", StandardScaler()), ("model", ResidualQuantileRegressor())])
    assert not hasattr(pipe, "predict_interval") and not hasattr(pipe, "predict_quantiles")
    result = cross_validate(pipe, X, y, cv=cv, error_score="raise",
                            scoring={name: s for name, (s, _) in SCORERS.items()})

    def transformed(score):
        # The same fit with the scaling done by hand, scored on the bare model.
        def by_steps(fitted, X_test, y_test):
            scaler, model = fitted.named_steps["scale"], fitted.named_steps["model"]
            return score(model, scaler.transform(X_test), y_test)
        return by_steps

    for name, (_, score) in SCORERS.items():
        np.testing.assert_allclose(result[f"test_{name}"],
                                   by_hand(pipe, X, y, cv, transformed(score)), **TOL)


@pytest.mark.parametrize("make_pipeline", [False, True])
@pytest.mark.parametrize("name", ["winkler", "pinball"])
def test_grid_search_selects_the_best_mean_score(make_pipeline, name):
    X, y = regression_data()
    cv = KFold(3)
    scorer, score = SCORERS[name]
    est = ResidualQuantileRegressor()
    param = "alpha"
    if make_pipeline:
        est = Pipeline([("scale", StandardScaler()), ("model", est)])
        param = "model__alpha"
    grid = [0.01, 30.0, 3000.0]
    search = GridSearchCV(est, {param: grid}, cv=cv, scoring=scorer,
                          error_score="raise").fit(X, y)
    means = [by_hand(clone(est).set_params(**{param: a}), X, y, cv,
                     score if not make_pipeline else
                     (lambda f, Xt, yt: score(f[-1], f[:-1].transform(Xt), yt))).mean()
             for a in grid]
    assert search.best_params_ == {param: grid[int(np.argmax(means))]}
    np.testing.assert_allclose(search.best_score_, max(means), **TOL)
    # The strong shrinkage of alpha=3000 widens the intervals: it must lose.
    # Over data seeds 0-9 it lost by at least 1.08 (Winkler) and 0.086 (pinball).
    assert search.best_params_[param] != 3000.0


def test_scorers_use_predict_interval_on_a_bare_estimator_and_predict_in_a_pipeline():
    X, y = regression_data()
    est = IntervalOnlyRegressor().fit(X, y)
    np.testing.assert_allclose(winkler_scorer(0.8)(est, X, y),
                               -winkler_score(y, est.predict_interval(X, 0.8), 0.8), **TOL)
    pipe = Pipeline([("scale", StandardScaler()), ("model", IntervalOnlyRegressor())])
    pipe.fit(X, y)
    with pytest.raises(TypeError, match=re.escape(
            "Pipeline gives no interval forecasts: it has no predict_interval and its "
            "predict does not take coverage=.")):
        winkler_scorer(0.8)(pipe, X, y)
    with pytest.raises(TypeError, match=re.escape(
            "LinearRegression gives no interval forecasts")):
        coverage_scorer(LinearRegression().fit(X, y), X, y)
    pipe = Pipeline([("scale", StandardScaler()), ("model", ScalarPredictRegressor())])
    with pytest.raises(TypeError, match=re.escape(
            "Pipeline.predict(X, coverage=...) must return the pair (y_pred, y_interval), "
            "got ndarray.")):
        coverage_scorer(pipe.fit(X, y), X, y)


def test_quantile_scorers_need_predict_quantiles():
    X, y = regression_data()
    with pytest.raises(TypeError, match=re.escape(
            "LinearRegression gives no quantile forecasts: it has no "
            "predict_quantiles(X, quantiles=...)")):
        quantile_loss_scorer([0.5])(LinearRegression().fit(X, y), X, y)
    pipe = Pipeline([("scale", StandardScaler()), ("model", LinearRegression())]).fit(X, y)
    with pytest.raises(TypeError, match="LinearRegression gives no quantile forecasts"):
        quantile_loss_scorer([0.5])(pipe, X, y)
    # A one-step Pipeline has no transformers to run.
    alone = Pipeline([("model", ResidualQuantileRegressor())]).fit(X, y)
    np.testing.assert_allclose(
        quantile_loss_scorer([0.5])(alone, X, y),
        -quantile_loss(y, alone[-1].predict_quantiles(X, [0.5]), [0.5]), **TOL)


def test_make_scorer_arguments_are_checked():
    with pytest.raises(TypeError, match=re.escape(
            "make_interval_scorer: metric must be a callable such as winkler_score, "
            "got 'winkler'.")):
        make_interval_scorer("winkler")
    with pytest.raises(TypeError, match=re.escape(
            "make_quantile_scorer: greater_is_better must be True or False, got 'no'.")):
        make_quantile_scorer(quantile_loss, quantiles=[0.5], greater_is_better="no")
    with pytest.raises(ValueError, match=re.escape(
            "make_interval_scorer: invalid value coverage=90; expected a float in (0, 1).")):
        make_interval_scorer(interval_coverage, coverage=90)
    with pytest.raises(ValueError, match=re.escape(
            "winkler_scorer: invalid value coverage=1.0; expected a float in (0, 1).")):
        winkler_scorer(1.0)
    with pytest.raises(ValueError, match=re.escape(
            "width_scorer: invalid value coverage=0; expected a float in (0, 1).")):
        width_scorer(0)
    with pytest.raises(ValueError, match=re.escape(
            "crps_scorer: invalid value quantiles[0]=-0.5; expected a float in (0, 1).")):
        crps_scorer([-0.5])
    with pytest.raises(ValueError, match=re.escape(
            "quantile_loss_scorer: invalid value quantiles[1]=1.5; expected a float in "
            "(0, 1).")):
        quantile_loss_scorer([0.5, 1.5])


def test_scorers_pickle_and_show_what_they_compute():
    X, y = regression_data()
    est = ResidualQuantileRegressor().fit(X, y)
    for scorer in (coverage_scorer, width_scorer(), winkler_scorer(0.8),
                   quantile_loss_scorer([0.1, 0.9]), crps_scorer([0.25, 0.5, 0.75]),
                   make_interval_scorer(winkler_score, coverage=0.5, greater_is_better=False)):
        again = pickle.loads(pickle.dumps(scorer))
        assert again(est, X, y) == scorer(est, X, y)
        assert repr(again) == repr(scorer)
    assert repr(coverage_scorer) == (
        "make_interval_scorer(interval_coverage, coverage=0.9, greater_is_better=True)")
    assert repr(quantile_loss_scorer(np.array([0.1, 0.9]))) == (
        "make_quantile_scorer(quantile_loss, quantiles=(0.1, 0.9), greater_is_better=False)")


def test_a_scorer_passes_extra_keywords_to_its_metric():
    X, y = regression_data()
    est = ResidualQuantileRegressor().fit(X, y)

    def shifted_coverage(y_true, y_interval, shift):
        return interval_coverage(np.asarray(y_true) + shift, y_interval)

    scorer = make_interval_scorer(shifted_coverage, coverage=0.9, shift=1e6)
    assert scorer(est, X, y) == 0.0
    assert "shift=1000000.0" in repr(scorer)


def test_coverage_scorer_measures_calibration_of_residual_intervals():
    # Training-residual quantiles on independent test rows of the same
    # distribution: the 90% interval covers about 90% (binomial standard
    # error 1.3% on 500 test rows). Over data seeds 0-9 the coverage was
    # 0.88 to 0.92: worst 2.0 points from nominal, against 5 allowed.
    X, y = regression_data(n=2500, seed=3)
    est = ResidualQuantileRegressor().fit(X[:2000], y[:2000])
    got = coverage_scorer(est, X[2000:], y[2000:])
    assert math.isclose(got, 0.9, abs_tol=0.05)
