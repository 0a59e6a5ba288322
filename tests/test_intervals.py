"""Quantile heads, split-conformal intervals and their API on every regressor."""

import math
import pickle
import warnings

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline

import sklstm
from sklstm import (
    LastValueRegressor,
    LSTMRegressor,
    QuantizedLSTMRegressor,
    RidgeLagsRegressor,
    Windower,
)
from sklstm.compare import forecast_data, load_data, make_pipeline
from sklstm.metrics import (
    interval_coverage,
    make_interval_scorer,
    quantile_loss,
    quantile_loss_scorer,
    winkler_scorer,
)
from sklstm.nn.quantile import PinballLoss, QuantileHead
from sklstm.registry import VARIANTS

LEVELS = (0.05, 0.25, 0.75, 0.95)


def noisy_task(n=120, T=8, outputs=None, seed=0):
    """Windows whose next value depends on two lags, plus noise."""
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n, T, 2)).astype(np.float32)
    y = X[:, -1, 0] + 0.5 * X[:, -3, 1] + 0.3 * rng.normal(size=n)
    if outputs is not None:
        y = np.stack([y + 0.1 * k * X[:, -2, 0] for k in range(outputs)], axis=1)
    return X, y


def tiny(cls, **params):
    """A few epochs of a small model of ``cls``."""
    params = {"max_epochs": 3, "random_state": 0, **params}
    if "hidden_size" in cls().get_params():
        params.setdefault("hidden_size", 8)
    if "hidden_channels" in cls().get_params():
        params.setdefault("hidden_channels", 4)
    return cls(**params)


# ----------------------------------------------------------------- modules


def test_quantile_head_follows_its_equations(float_tol):
    torch.manual_seed(0)
    raw = torch.randn(6, 2 * 5) * 3
    q = QuantileHead(torch.nn.Identity(), n_quantiles=5, median_index=2)(raw).numpy()
    r = raw.numpy().astype(np.float64).reshape(6, 2, 5)
    softplus = np.log1p(np.exp(r))
    expected = np.empty_like(r)
    expected[..., 2] = r[..., 2]
    expected[..., 3] = r[..., 2] + softplus[..., 3]
    expected[..., 4] = r[..., 2] + softplus[..., 3] + softplus[..., 4]
    expected[..., 1] = r[..., 2] - softplus[..., 1]
    expected[..., 0] = r[..., 2] - softplus[..., 1] - softplus[..., 0]
    assert_allclose(q, expected, **float_tol(np.float32, scale=np.abs(expected).max()))


@pytest.mark.parametrize("median_index", [0, 2, 4])
def test_quantile_head_never_crosses_even_at_extreme_raw_values(median_index):
    torch.manual_seed(0)
    raw = torch.randn(10_000, 3 * 5) * torch.logspace(-8, 8, 15)   # tiny to huge offsets
    q = QuantileHead(torch.nn.Identity(), 5, median_index)(raw)
    assert (q.diff(dim=-1) >= 0).all()


def test_pinball_loss_is_the_quantile_loss_metric(float_tol):
    rng = np.random.RandomState(0)
    q = np.sort(rng.normal(size=(40, 3, 4)), axis=-1)
    y = rng.normal(size=(40, 3))
    got = PinballLoss(LEVELS)(torch.tensor(q, dtype=torch.float32),
                              torch.tensor(y, dtype=torch.float32)).item()
    assert_allclose(got, quantile_loss(y, q, LEVELS), **float_tol(np.float32))


# ---------------------------------------------------------- every variant


def _variant_data(name, n=64):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, 6, 3)).astype(np.float32)
    if name == "tree":            # root = sum of two leaves; every node's next value
        y = np.c_[X[:, -1, 1] + X[:, -1, 2], X[:, -1, 1], X[:, -1, 2]]
    else:
        y = np.c_[X[:, -1, 0] + 0.3 * rng.normal(size=n), X[:, -2, 1]]
    return X, y


def _variant(name, **params):
    extra = {"hierarchy": [-1, 0, 0]} if name == "tree" else {}
    return tiny(VARIANTS[name], **extra, **params)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_quantiles_never_cross_on_1e5_random_inputs(name):
    X, y = _variant_data(name)
    model = _variant(name, quantiles=LEVELS, window_norm="standard").fit(X, y)
    assert model.quantiles_ == (0.05, 0.25, 0.5, 0.75, 0.95)   # the median is added
    rng = np.random.RandomState(1)
    X_new = (rng.standard_cauchy(size=(100_000,) + X.shape[1:]) * 10).astype(np.float32)
    q = model.predict_quantiles(X_new)
    assert q.shape == (100_000, y.shape[1], 5)
    assert np.isfinite(q).all()
    assert (np.diff(q, axis=-1) >= 0).all()
    # predict returns the trained median
    assert_array_equal(model.predict(X_new[:300]), q[:300, :, 2])


@pytest.mark.parametrize("name", list(VARIANTS))
def test_conformal_intervals_on_every_variant(name):
    X, y = _variant_data(name)
    model = _variant(name, conformal=True).fit(X, y)
    assert model.n_calibration_samples_ == math.floor(0.2 * len(X))
    y_pred, y_interval = model.predict(X, coverage=0.8)
    assert y_interval.shape == y.shape + (2,)
    assert (y_interval[..., 0] <= y_pred).all() and (y_pred <= y_interval[..., 1]).all()


# ------------------------------------------------------ conformal, by hand


def _calibration_rows(model, X, y):
    cut = len(X) - model.n_calibration_samples_
    return X[cut:], y[cut:]


def test_conformal_model_never_trains_on_the_calibration_rows():
    X, y = noisy_task()
    conformal = LSTMRegressor(conformal=True, max_epochs=5, random_state=0).fit(X, y)
    cut = len(X) - conformal.n_calibration_samples_
    plain = LSTMRegressor(max_epochs=5, random_state=0).fit(X[:cut], y[:cut])
    assert_array_equal(conformal.predict(X), plain.predict(X))


def _kth_smallest(scores, coverage):
    k = math.ceil((len(scores) + 1) * coverage)
    return np.sort(scores, axis=0)[k - 1]


@pytest.mark.parametrize("window_norm", [None, "last", "standard"])
def test_absolute_scores_give_the_split_conformal_quantile(window_norm):
    X, y = noisy_task(n=150)
    model = LSTMRegressor(conformal="absolute", window_norm=window_norm, max_epochs=5,
                          random_state=0).fit(X, y)
    X_cal, y_cal = _calibration_rows(model, X, y)
    y_pred, y_interval = model.predict(X, coverage=0.9)
    half = (y_interval[:, 1] - y_interval[:, 0]) / 2
    assert_allclose(y_interval.mean(axis=1), y_pred, rtol=1e-5, atol=1e-5)
    if window_norm == "standard":     # residuals in window units: wider where X varies
        assert half.std() > 0
        return
    expected = _kth_smallest(np.abs(y_cal - model.predict(X_cal)), 0.9)
    assert_allclose(half, expected, rtol=1e-5)


def test_scaled_scores_divide_by_the_window_spread():
    X, y = noisy_task(n=150)
    X = X * np.linspace(0.5, 3.0, len(X), dtype=np.float32)[:, None, None]
    y = y * np.linspace(0.5, 3.0, len(X))
    model = LSTMRegressor(conformal=True, window_norm=None, max_epochs=5,
                          random_state=0).fit(X, y)
    X_cal, y_cal = _calibration_rows(model, X, y)
    spread_cal = X_cal[:, :, 0].astype(np.float64).std(axis=1)
    margin = _kth_smallest(np.abs(y_cal - model.predict(X_cal)) / spread_cal, 0.8)
    y_interval = model.predict_interval(X, coverage=0.8)
    spread = X[:, :, 0].astype(np.float64).std(axis=1)
    assert_allclose(y_interval[:, 1] - y_interval[:, 0], 2 * margin * spread, rtol=1e-5)


def test_cqr_widens_the_trained_quantiles_by_the_conformal_margin():
    X, y = noisy_task(n=150)
    model = LSTMRegressor(quantiles=(0.1, 0.9), conformal="absolute", window_norm=None,
                          max_epochs=5, random_state=0).fit(X, y)
    X_cal, y_cal = _calibration_rows(model, X, y)
    # conformal predict_quantiles gives calibrated levels: ask the head itself
    raw = LSTMRegressor(quantiles=(0.1, 0.9), window_norm=None, max_epochs=5,
                        random_state=0).fit(X[:len(X) - len(X_cal)], y[:len(X) - len(X_cal)])
    q_cal = raw.predict_quantiles(X_cal)
    margin = _kth_smallest(np.maximum(q_cal[:, 0] - y_cal, y_cal - q_cal[:, 2]), 0.8)
    q = raw.predict_quantiles(X)
    expected = np.stack([q[:, 0] - margin, q[:, 2] + margin], axis=1)
    got = model.predict_interval(X, coverage=0.8)
    assert_allclose(got, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
    # calibrated quantiles are the interval's bounds
    assert_allclose(model.predict_quantiles(X, [0.1, 0.9]), got)


def test_scaled_cqr_divides_the_scores_by_the_window_spread():
    X, y = noisy_task(n=150)
    model = LSTMRegressor(quantiles=(0.1, 0.9), conformal=True, window_norm=None,
                          max_epochs=5, random_state=0).fit(X, y)
    X_cal, y_cal = _calibration_rows(model, X, y)
    cut = len(X) - len(X_cal)
    raw = LSTMRegressor(quantiles=(0.1, 0.9), window_norm=None, max_epochs=5,
                        random_state=0).fit(X[:cut], y[:cut])
    q_cal = raw.predict_quantiles(X_cal)
    spread_cal = X_cal[:, :, 0].astype(np.float64).std(axis=1)
    scores = np.maximum(q_cal[:, 0] - y_cal, y_cal - q_cal[:, 2]) / spread_cal
    margin = _kth_smallest(scores, 0.8) * X[:, :, 0].astype(np.float64).std(axis=1)
    q = raw.predict_quantiles(X)
    lower, upper = q[:, 0] - margin, q[:, 2] + margin
    middle = (q[:, 0] + q[:, 2]) / 2          # a negative margin stops at the midpoint
    expected = np.stack([np.minimum(lower, middle), np.maximum(upper, middle)], axis=1)
    assert_allclose(model.predict_interval(X, coverage=0.8), expected, rtol=1e-5,
                    atol=1e-5 * np.abs(expected).max())


def test_too_few_calibration_rows_give_an_infinite_interval_and_a_warning():
    X, y = noisy_task(n=30)          # 6 calibration rows: 90% needs 9
    model = LSTMRegressor(conformal=True, max_epochs=2, random_state=0).fit(X, y)
    with pytest.warns(UserWarning, match="calibration rows"):
        y_interval = model.predict_interval(X, coverage=0.9)
    assert np.isinf(y_interval).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(model.predict_interval(X, coverage=0.7)).all()


def test_partial_fit_recalibrates_on_each_calls_tail():
    X, y = noisy_task(n=100)
    model = LSTMRegressor(conformal=True, random_state=0)
    model.partial_fit(X, y)
    assert model.n_calibration_samples_ == 20
    model.partial_fit(X[:50], y[:50])
    assert model.n_calibration_samples_ == 10
    assert np.isfinite(model.predict_interval(X, coverage=0.8)).all()


# ------------------------------------------------------------- quantiles


def test_interval_of_a_quantile_model_is_its_trained_pair():
    X, y = noisy_task()
    model = LSTMRegressor(quantiles=(0.1, 0.9), max_epochs=5, random_state=0).fit(X, y)
    assert_array_equal(model.predict_interval(X, coverage=0.8),
                       model.predict_quantiles(X, [0.1, 0.9]))
    assert_array_equal(model.predict_quantiles(X), model.predict_quantiles(X, [0.1, 0.5, 0.9]))


def test_quantile_training_lowers_the_pinball_loss():
    X, y = noisy_task(n=200)
    model = LSTMRegressor(quantiles=(0.1, 0.9), max_epochs=30, n_iter_no_change=None,
                          random_state=0).fit(X, y)
    assert model.loss_curve_[-1] < 0.6 * model.loss_curve_[0]


@pytest.mark.parametrize("window_norm", ["last", "standard"])
def test_window_norm_maps_quantiles_and_bounds_back_like_the_point(window_norm, float_tol):
    """Shift (and, for "standard", scale) every window: the forecasts follow."""
    X, y = noisy_task()
    X = X + 5
    quantile = LSTMRegressor(quantiles=(0.1, 0.9), window_norm=window_norm, max_epochs=3,
                             random_state=0).fit(X, y + 5)
    conformal = LSTMRegressor(conformal=True, window_norm=window_norm, max_epochs=3,
                              random_state=0).fit(X, y + 5)
    a = 3.0 if window_norm == "standard" else 1.0
    moved = (a * X + 7).astype(np.float32)
    q, q_moved = quantile.predict_quantiles(X), quantile.predict_quantiles(moved)
    assert_allclose(q_moved, a * q + 7, **float_tol(np.float32, scale=np.abs(q_moved).max()))
    for coverage in (0.5, 0.9):
        i, i_moved = (conformal.predict_interval(X, coverage),
                      conformal.predict_interval(moved, coverage))
        assert_allclose(i_moved, a * i + 7,
                        **float_tol(np.float32, scale=10 * np.abs(i_moved).max()))


def test_multi_output_intervals_where_mapie_has_none():
    X, y = noisy_task(outputs=3)
    model = LSTMRegressor(conformal=True, quantiles=(0.05, 0.95), max_epochs=3,
                          random_state=0).fit(X, y)
    y_pred, y_interval = model.predict(X, coverage=0.9)
    assert y_pred.shape == (len(X), 3) and y_interval.shape == (len(X), 3, 2)
    assert model.predict_quantiles(X).shape == (len(X), 3, 3)
    assert model.predict_quantiles(X, [0.05, 0.5, 0.95]).shape == (len(X), 3, 3)


def test_quantized_model_quantizes_the_quantile_head():
    X, y = noisy_task()
    model = QuantizedLSTMRegressor(quantiles=(0.1, 0.9), bits=4, max_epochs=3,
                                   random_state=0).fit(X, y)
    head = model.quantized_module_
    assert isinstance(head, QuantileHead)
    assert type(head.body).__name__ == "IntegerLSTMNet"
    assert model.quantized_state_dict()["head.weight_packed"].dtype == torch.uint8
    assert (np.diff(model.predict_quantiles(X), axis=-1) >= 0).all()


def test_tree_quantiles_per_node_and_a_coherent_median():
    X, y = _variant_data("tree")
    model = _variant("tree", quantiles=(0.1, 0.9), coherent=True).fit(X, y)
    q = model.predict_quantiles(X)
    assert q.shape == (len(X), 3, 3)
    y_pred = model.predict(X)
    assert_allclose(y_pred[:, 0], y_pred[:, 1] + y_pred[:, 2], rtol=1e-12)
    assert_array_equal(y_pred, q[..., 1])


# ---------------------------------------------------- pipelines, scorers


def test_pipeline_predict_forwards_coverage():
    series = sklstm.datasets.load_sunspots().to_numpy()[:, np.newaxis]
    X, y = series[:-1], series[1:, 0]
    pipe = Pipeline([("win", Windower(window=11)),
                     ("m", LSTMRegressor(conformal=True, max_epochs=5, random_state=0))])
    pipe.fit(X, y)
    y_pred, y_interval = pipe.predict(X, coverage=0.8)
    windows = pipe[:-1].transform(X)
    assert_array_equal(y_pred, pipe[-1].predict(windows))
    assert_array_equal(y_interval, pipe[-1].predict_interval(windows, coverage=0.8))


def test_scorers_in_cross_validate_and_grid_search():
    X, y = noisy_task(n=120)
    pipe = Pipeline([("m", LSTMRegressor(conformal=True, quantiles=(0.1, 0.9),
                                         max_epochs=3, random_state=0))])
    scores = cross_validate(pipe, X, y, cv=TimeSeriesSplit(2), scoring={
        "coverage": make_interval_scorer(interval_coverage, coverage=0.8),
        "winkler": winkler_scorer(0.8),
        "pinball": quantile_loss_scorer(quantiles=(0.1, 0.5, 0.9))})
    assert np.isfinite(scores["test_winkler"]).all()
    assert ((scores["test_coverage"] >= 0) & (scores["test_coverage"] <= 1)).all()
    search = GridSearchCV(LSTMRegressor(quantiles=(0.1, 0.9), max_epochs=2, random_state=0),
                          {"hidden_size": [4, 8]}, cv=TimeSeriesSplit(2),
                          scoring=quantile_loss_scorer(quantiles=(0.1, 0.5, 0.9))).fit(X, y)
    assert search.best_params_["hidden_size"] in (4, 8)


# ------------------------------------------------------------- baselines


@pytest.mark.parametrize("baseline", [LastValueRegressor(), RidgeLagsRegressor()])
def test_baseline_intervals_are_in_sample_residual_quantiles(baseline):
    X, y = noisy_task(outputs=2)
    baseline.fit(X, y)
    residuals = y - baseline.predict(X)
    X_new = X[:10] + 1
    y_pred, y_interval = baseline.predict(X_new, coverage=0.8)
    low, high = np.quantile(residuals, [0.1, 0.9], axis=0)
    assert_allclose(y_interval, np.stack([y_pred + low, y_pred + high], axis=-1), rtol=1e-12)
    assert_allclose(baseline.predict_quantiles(X_new, [0.1, 0.9]), y_interval, rtol=1e-12)


# ---------------------------------------------------------------- errors


def test_a_model_without_intervals_says_which_parameter_to_set():
    X, y = noisy_task()
    model = LSTMRegressor(max_epochs=1).fit(X, y)
    for call in (lambda: model.predict_interval(X), lambda: model.predict(X, coverage=0.9),
                 lambda: model.predict_quantiles(X, [0.9])):
        with pytest.raises(ValueError, match=r"conformal=True.*quantiles=\("):
            call()
    with pytest.raises(ValueError, match=r"pass quantiles=\[\.\.\.\]"):
        LastValueRegressor().fit(X, y).predict_quantiles(X)


def test_levels_outside_the_trained_ones_are_a_clear_error():
    X, y = noisy_task()
    model = LSTMRegressor(quantiles=(0.1, 0.9), max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"needs the levels 0.05 and 0.95"):
        model.predict_interval(X, coverage=0.9)
    with pytest.raises(ValueError, match=r"cannot give \(0.95,\)"):
        model.predict_quantiles(X, [0.5, 0.95])


@pytest.mark.parametrize("quantiles", [(), (0.0, 0.5), (0.5, 1.0), (1.5,), "0.5", (True,), 0.5])
def test_bad_quantiles_parameter(quantiles):
    X, y = noisy_task(n=20)
    with pytest.raises(ValueError, match=r"quantiles.*tuple of floats in \(0, 1\)"):
        LSTMRegressor(quantiles=quantiles, max_epochs=1).fit(X, y)


@pytest.mark.parametrize("params, match", [
    ({"conformal": "yes"}, r"conformal"),
    ({"calibration_fraction": 0.0}, r"calibration_fraction"),
    ({"calibration_fraction": 1.0}, r"calibration_fraction"),
])
def test_bad_conformal_parameters(params, match):
    X, y = noisy_task(n=20)
    with pytest.raises(ValueError, match=match):
        LSTMRegressor(max_epochs=1, **params).fit(X, y)


def test_too_few_rows_to_hold_out_calibration():
    X, y = noisy_task(n=4)
    with pytest.raises(ValueError, match=r"leaves 0 calibration row"):
        LSTMRegressor(conformal=True, max_epochs=1).fit(X, y)


@pytest.mark.parametrize("coverage", [0.0, 1.0, -0.5, 1.5, "0.9", float("nan")])
def test_bad_coverage(coverage):
    X, y = noisy_task(n=40)
    model = LSTMRegressor(conformal=True, max_epochs=1).fit(X, y)
    with pytest.raises((ValueError, TypeError), match="coverage"):
        model.predict_interval(X, coverage=coverage)
    with pytest.raises((ValueError, TypeError), match="coverage"):
        model.predict(X, coverage=coverage)


@pytest.mark.parametrize("quantiles", [[], [0.0], [1.2], "0.5"])
def test_bad_requested_levels(quantiles):
    X, y = noisy_task(n=40)
    model = LSTMRegressor(conformal=True, max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="quantiles"):
        model.predict_quantiles(X, quantiles)


# ------------------------------------------------------------ persistence


@pytest.mark.parametrize("params", [{"quantiles": (0.1, 0.9)}, {"conformal": True},
                                    {"quantiles": (0.05, 0.95), "conformal": True}])
def test_pickle_and_save_keep_quantiles_and_intervals_exact(params, tmp_path):
    X, y = noisy_task(outputs=2)
    model = LSTMRegressor(max_epochs=3, random_state=0, **params).fit(X, y)
    coverage = 0.8 if params.get("quantiles") == (0.1, 0.9) else 0.9
    sklstm.save(model, tmp_path / "model")
    for other in (pickle.loads(pickle.dumps(model)), sklstm.load(tmp_path / "model")):
        assert_array_equal(other.predict_interval(X, coverage),
                           model.predict_interval(X, coverage))
        assert_array_equal(other.predict_quantiles(X, [0.5]), model.predict_quantiles(X, [0.5]))


# ------------------------------------------------------------ MAPIE


def _sunspot_windows(window=12):
    s = sklstm.datasets.load_sunspots().to_numpy(np.float64)
    windows = Windower(window=window).fit_transform(s[:-1, np.newaxis])[window - 1:, :, 0]
    return windows, s[window:]


def test_same_interval_as_mapie_split_conformal_on_the_same_rows():
    mapie = pytest.importorskip("mapie.regression", reason="needs the test extra (mapie)")
    X, y = _sunspot_windows()
    # MAPIE's scores are absolute residuals in data units: that is conformal="absolute"
    # under a window_norm that only shifts ("last"). A mode that also scales ("relative",
    # "standard", which "auto" may choose) makes the model-unit scores scaled ones.
    model = LSTMRegressor(conformal="absolute", window_norm="last", max_epochs=10,
                          random_state=0).fit(X, y)
    X_cal, y_cal = _calibration_rows(model, X, y)
    reference = mapie.SplitConformalRegressor(model, confidence_level=[0.8, 0.9],
                                              prefit=True).conformalize(X_cal, y_cal)
    _, bounds = reference.predict_interval(X)          # (n, 2, n_levels)
    for i, coverage in enumerate([0.8, 0.9]):
        assert_allclose(model.predict_interval(X, coverage), bounds[:, :, i],
                        rtol=1e-6, atol=1e-6 * np.abs(y).max())


# ---------------------------------------------------------- learning tests


def _sunspot_folds(horizon):
    frame, target, _ = load_data("sunspots")
    _, X, y = forecast_data(frame, target, horizon=horizon, cv=4)
    return X.to_numpy(np.float64), y.to_numpy(np.float64), TimeSeriesSplit(4).split(X)


def test_conformal_coverage_on_sunspots_is_within_5_points_of_nominal():
    """80% and 90% intervals of an LSTM, 4 time-series folds, 1 step ahead.

    Test windows carry their real history. Measured over seeds 0-9 (mean of
    the fold coverages): 80%: 0.770-0.832, 90%: 0.898-0.922
    (``benchmarks/intervals.py`` has the 5-step and other-variant figures).
    """
    X, y, folds = _sunspot_folds(horizon=1)
    coverage = {0.8: [], 0.9: []}
    for train, test in folds:
        pipe = make_pipeline("lstm", window=22, random_state=0, max_epochs=100,
                             conformal=True).fit(X[train], y[train])
        windows = pipe[:-1].transform(X)[test]
        for c in coverage:
            interval = pipe[-1].predict_interval(windows, c)
            coverage[c].append(interval_coverage(y[test], interval.reshape(len(test), 1, 2)))
    for c, values in coverage.items():
        assert abs(np.mean(values) - c) <= 0.05, (c, values)


def test_quantile_head_is_sharper_than_the_best_baselines_quantiles_on_sunspots():
    """Mean pinball loss at (0.1, 0.5, 0.9), 4 time-series folds, 1 step ahead.

    The baselines add their in-sample residual quantiles to the point
    forecast; ridge on lags is the best of them here. Measured over seeds
    0-9, the LSTM's loss is 0.846-0.881 times ridge's (the target is 0.9;
    the threshold leaves room for other CPUs' rounding). Five steps ahead it
    is not sharper (1.01-1.18 times ridge's, benchmarks/intervals.py).
    """
    levels = (0.1, 0.5, 0.9)
    X, y, folds = _sunspot_folds(horizon=1)
    model_loss, ridge_loss = [], []
    for train, test in folds:
        pipe = make_pipeline("lstm", window=22, random_state=0, max_epochs=300).set_params(
            m__quantiles=levels, m__early_stopping=True, m__n_iter_no_change=20)
        ridge = Pipeline([("win", Windower(window=22)), ("m", RidgeLagsRegressor())])
        for model, losses in ((pipe, model_loss), (ridge, ridge_loss)):
            model.fit(X[train], y[train])
            windows = model[:-1].transform(X)[test]
            q = model[-1].predict_quantiles(windows, levels).reshape(len(test), 1, 3)
            losses.append(quantile_loss(y[test], q, levels))
    assert np.mean(model_loss) <= 0.92 * np.mean(ridge_loss), (model_loss, ridge_loss)
