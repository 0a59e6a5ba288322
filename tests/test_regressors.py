"""Each regressor learns a real series: on a hold-out it beats every naive forecast
and comes close to ridge regression on lags."""

import numpy as np
import pytest
import torch
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import (
    BiLSTMRegressor,
    CIFGLSTMRegressor,
    GRURegressor,
    HighwayLSTMRegressor,
    LastValueRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    SeasonalNaiveRegressor,
    StackedLSTMRegressor,
    Windower,
    WindowMeanRegressor,
    forecast_xy,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.datasets import load_sunspots
from sklstm.nn import FusedRecurrentNet

REGRESSORS = [LSTMRegressor, GRURegressor, BiLSTMRegressor, StackedLSTMRegressor,
              PeepholeLSTMRegressor, CIFGLSTMRegressor, NestedLSTMRegressor,
              HighwayLSTMRegressor]


def rmse(a, b):
    return mean_squared_error(np.ravel(a), np.ravel(b)) ** 0.5


@pytest.fixture(scope="module")
def sunspots_holdout():
    """Yearly sunspots, one step ahead; the last 60 years are held out (time order).

    Returns ``score(model)``: the hold-out RMSE of ``Windower(20)`` + ``model``
    fitted on the rest, predicting from windows of the whole series (real
    history, no padding), and the baselines' scores on the same windows.
    """
    X, y = forecast_xy(load_sunspots(), horizon=1)
    n_test = 60

    def score(model):
        pipe = Pipeline([("win", Windower(window=20)), ("m", model)])
        pipe.fit(X[:-n_test], y[:-n_test])
        windows = pipe[:-1].transform(X)[-n_test:]
        pred = pipe[-1].predict(windows)
        assert pred.shape == y[-n_test:].shape
        return rmse(pred, y[-n_test:])

    baselines = {
        "last": score(LastValueRegressor()),                         # 32.9
        "seasonal": score(SeasonalNaiveRegressor(season_length=11)),  # 37.2
        "mean": score(WindowMeanRegressor()),                         # 54.9
        "ridge": score(RidgeLagsRegressor()),                         # 18.8
    }
    return score, baselines


@pytest.mark.parametrize("cls", REGRESSORS)
def test_beats_naive_forecasts_on_sunspots(cls, sunspots_holdout):
    score, baselines = sunspots_holdout
    model_rmse = score(cls(max_epochs=100, random_state=0))
    best_naive = min(baselines["last"], baselines["seasonal"], baselines["mean"])
    # Ridge on lags scores 0.57 of the best naive forecast (the last value).
    # Seeds 0-9 per variant, relative to the best naive / to ridge on lags:
    #   LSTM 0.459-0.529 / 0.804-0.927, GRU 0.461-0.560 / 0.808-0.981,
    #   BiLSTM 0.464-0.535 / 0.813-0.937, Stacked 0.451-0.552 / 0.790-0.968,
    #   Peephole 0.483-0.542 / 0.846-0.950, CIFG 0.457-0.519 / 0.800-0.909,
    #   Nested 0.488-0.549 / 0.855-0.962, Highway 0.458-0.523 / 0.803-0.916.
    # Every variant beats every naive forecast by a wide margin; against ridge
    # on lags the margin is a few percent at best, so only "no worse than
    # ridge by more than 10%" is asserted.
    assert model_rmse < 0.65 * best_naive
    assert model_rmse < 1.1 * baselines["ridge"]


@pytest.mark.parametrize("cls, bidirectional", [(LSTMRegressor, False), (BiLSTMRegressor, True)])
def test_head_reads_the_final_states_of_each_direction(cls, bidirectional):
    X = np.random.RandomState(0).normal(size=(20, 7, 3))
    net = cls(hidden_size=5, max_epochs=1, random_state=0).fit(X, X[:, -1, 0]).net_.module_
    assert isinstance(net, FusedRecurrentNet)
    assert net.rnn.bidirectional is bidirectional
    x = torch.randn(4, 7, 3)
    out, _ = net.rnn(x)                                  # (4, 7, 5 * num_directions)
    if bidirectional:
        # forward direction ends at t = T-1, backward direction at t = 0
        features = torch.cat([out[:, -1, :5], out[:, 0, 5:]], dim=1)
    else:
        features = out[:, -1]
    torch.testing.assert_close(net.eval()(x), net.head(features))


def test_stacked_and_gru_build_the_module_they_name():
    X = np.random.RandomState(0).normal(size=(20, 6, 2))
    y = X[:, -1, 0]
    stacked = StackedLSTMRegressor(max_epochs=1).fit(X, y).net_.module_
    assert isinstance(stacked.rnn, torch.nn.LSTM) and stacked.rnn.num_layers == 2
    gru = GRURegressor(max_epochs=1, hidden_size=7).fit(X, y).net_.module_
    assert isinstance(gru.rnn, torch.nn.GRU) and gru.rnn.hidden_size == 7
    bi = BiLSTMRegressor(max_epochs=1).fit(X, y).net_.module_
    assert bi.rnn.bidirectional and bi.head.in_features == 64


@pytest.mark.parametrize("kwargs, match", [
    ({"cell": "rnn"}, "cell must be one of"),
    ({"hidden_size": 0}, "hidden_size must be an int >= 1"),
    ({"dropout": 1.5}, r"dropout must be in \[0, 1\)"),
])
def test_module_checks_its_arguments(kwargs, match):
    args = {"input_size": 2, "hidden_size": 4, "output_size": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        FusedRecurrentNet(**args)
