"""``loss=``: the registry's losses against independent computations, and on every regressor."""

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose
from sklearn.metrics import mean_absolute_error, mean_poisson_deviance, mean_squared_error

from sklstm import (
    GRURegressor,
    LSTMRegressor,
    PeepholeLSTMRegressor,
    QuantizedLSTMRegressor,
    Windower,
    forecast_xy,
)
from sklstm.datasets import load_sunspots
from sklstm.nn.losses import LOSSES, MaskedLoss, PointLoss, register_loss

RNG = np.random.RandomState(0)
PRED = RNG.uniform(0.2, 3.0, size=(40, 3))
TRUE = RNG.poisson(1.5, size=(40, 3)).astype(float)


def _huber(pred, true, delta=1.0):
    d = np.abs(pred - true)
    return np.where(d <= delta, 0.5 * d**2, delta * (d - 0.5 * delta))


def _independent(name, pred, true):
    """Each loss's plain mean, from scikit-learn or written out in NumPy."""
    if name == "squared_error":
        return mean_squared_error(true, pred)
    if name == "absolute_error":
        return mean_absolute_error(true, pred)
    if name == "huber":
        return _huber(pred * 2.0, true).mean()     # spread the errors past delta
    # half the Poisson deviance differs from mu - y log mu by y - y log y (free of mu)
    ylogy = np.where(true > 0, true * np.log(np.where(true > 0, true, 1.0)), 0.0)
    return mean_poisson_deviance(true.ravel(), pred.ravel()) / 2 + np.mean(true - ylogy)


@pytest.mark.parametrize("name", ["squared_error", "absolute_error", "huber", "poisson"])
def test_criterion_matches_its_definition(name):
    pred = PRED * 2.0 if name == "huber" else PRED
    criterion = LOSSES[name].criterion()
    got = criterion(torch.tensor(pred), torch.tensor(TRUE)).item()
    assert_allclose(got, _independent(name, PRED, TRUE), rtol=1e-10)


@pytest.mark.parametrize("name", ["squared_error", "absolute_error", "huber", "poisson"])
def test_masked_loss_is_the_weighted_mean_over_observed_targets(name):
    pred = PRED * 2.0 if name == "huber" else PRED
    true = TRUE.copy()
    true[3, 1] = true[7, 0] = np.nan
    weight = RNG.uniform(0, 2, size=len(true))
    weight[5] = 0.0
    packed = np.concatenate([true, weight[:, None]], axis=1)
    got = MaskedLoss(loss=name)(torch.tensor(pred), torch.tensor(packed)).item()
    # independent: the per-element loss of each observed cell, weighted by its row
    elementwise = np.array([[_independent(name, PRED[i:i + 1, j:j + 1], true[i:i + 1, j:j + 1])
                             if not np.isnan(true[i, j]) else 0.0
                             for j in range(true.shape[1])] for i in range(len(true))])
    cell_weight = weight[:, None] * ~np.isnan(true)
    assert_allclose(got, (elementwise * cell_weight).sum() / cell_weight.sum(), rtol=1e-9)


def test_register_loss_adds_a_name_every_regressor_accepts():
    def quartic(prediction, target):
        return (prediction - target) ** 4

    class Quartic(torch.nn.Module):
        def forward(self, prediction, target):
            return quartic(prediction, target).mean()

    register_loss(PointLoss("quartic", quartic, Quartic))
    try:
        X, y = _sunspot_windows()
        model = LSTMRegressor(loss="quartic", max_epochs=3, random_state=0).fit(X, y)
        assert np.isfinite(model.predict(X)).all()
    finally:
        del LOSSES["quartic"]
    with pytest.raises(TypeError, match="register_loss takes a PointLoss"):
        register_loss("quartic")


def _sunspot_windows(window=12):
    X, y = forecast_xy(load_sunspots(), horizon=1)
    return Windower(window).fit_transform(X)[window:], y.to_numpy()[window:]


@pytest.mark.parametrize("name", ["absolute_error", "huber", "poisson"])
def test_every_loss_trains(name):
    X, y = _sunspot_windows()
    model = LSTMRegressor(loss=name, max_epochs=15, n_iter_no_change=None,
                          random_state=0).fit(X[:-30], y[:-30])
    assert model.loss_curve_[-1] < 0.8 * model.loss_curve_[0]
    pred = model.predict(X[-30:])
    assert np.isfinite(pred).all()
    if name == "poisson":
        assert (pred > 0).all() and model.window_norm_ is None


def test_absolute_error_forecasts_the_median_of_skewed_noise():
    # y is a lagged level times heavy right-skewed noise: the median is well below the mean
    rng = np.random.RandomState(0)
    level = rng.uniform(1, 3, size=(600, 4, 1))
    noise = rng.lognormal(0.0, 1.0, size=600)
    y = level[:, -1, 0] * noise
    fits = {name: LSTMRegressor(loss=name, window_norm=None, max_epochs=40, random_state=0)
            .fit(level, y).predict(level) / level[:, -1, 0] for name in
            ("squared_error", "absolute_error")}
    # the fitted multiple of the level: about exp(0) = 1 for the median, exp(0.5) for the mean
    assert abs(np.median(fits["absolute_error"]) - 1.0) < 0.25
    assert np.median(fits["squared_error"]) > np.median(fits["absolute_error"]) + 0.3


@pytest.mark.parametrize("cls", [GRURegressor, PeepholeLSTMRegressor, QuantizedLSTMRegressor])
@pytest.mark.parametrize("name", ["absolute_error", "poisson"])
def test_losses_compose_with_weights_masks_stopping_and_conformal(cls, name):
    X, y = _sunspot_windows()
    X = X.copy()
    X[5, 2, 0] = np.nan
    weight = np.where(np.arange(len(y)) < 20, 0.0, 1.0)
    model = cls(loss=name, missing="mask", early_stopping=True, conformal=True,
                max_epochs=4, random_state=0, hidden_size=8)
    model.fit(X, y, sample_weight=weight)
    point, interval = model.predict(X[-5:], coverage=0.8)
    assert np.isfinite(point).all()
    assert (interval[..., 0] <= point).all() and (point <= interval[..., 1]).all()
    assert model.net_.criterion_.loss == name


@pytest.mark.parametrize("params, match", [
    ({"loss": "mape"}, r"loss.*'squared_error'.*sklstm.nn.losses.LOSSES"),
    ({"loss": "huber", "quantiles": (0.1, 0.5, 0.9)}, "pinball loss"),
    ({"loss": "poisson", "window_norm": "last"}, "window_norm=None"),
])
def test_bad_loss_settings_are_clear_errors(params, match):
    X, y = _sunspot_windows()
    with pytest.raises(ValueError, match=match):
        LSTMRegressor(max_epochs=1, **params).fit(X, y)


def test_poisson_refuses_negative_targets():
    X, y = _sunspot_windows()
    with pytest.raises(ValueError, match=r"non-negative targets.*down to -5"):
        LSTMRegressor(loss="poisson", max_epochs=1).fit(X, y - y.min() - 5)


@pytest.mark.parametrize("name", ["absolute_error", "huber", "poisson"])
def test_tree_lstm_trains_on_every_loss(name):
    pytest.importorskip("dgl")
    from sklstm import TreeLSTMRegressor
    from sklstm.datasets import make_hierarchical_sales

    sales, hierarchy = make_hierarchical_sales(2, 2, n_periods=120, random_state=0)
    values = sales.to_numpy()
    X, y = Windower(7).fit_transform(values[:-1])[7:], values[1:][7:]
    model = TreeLSTMRegressor(hierarchy=hierarchy, loss=name, max_epochs=8,
                              n_iter_no_change=None, random_state=0).fit(X, y)
    assert model.loss_curve_[-1] < model.loss_curve_[0]
    pred = model.predict(X)
    assert pred.shape == y.shape and np.isfinite(pred).all()
    if name == "poisson":
        assert (pred > 0).all()
