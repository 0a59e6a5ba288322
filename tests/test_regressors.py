"""Each regressor learns a real series: it beats the naive forecasts on a hold-out."""

import numpy as np
import pytest
import torch
from sklearn.metrics import mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import (BiLSTMRegressor, CIFGLSTMRegressor, GRURegressor, HighwayLSTMRegressor,
                    LSTMRegressor, NestedLSTMRegressor, PeepholeLSTMRegressor,
                    StackedLSTMRegressor, Windower, forecast_xy)
from sklstm.datasets import load_sunspots
from sklstm.nn import FusedRecurrentNet

REGRESSORS = [LSTMRegressor, GRURegressor, BiLSTMRegressor, StackedLSTMRegressor,
              PeepholeLSTMRegressor, CIFGLSTMRegressor, NestedLSTMRegressor,
              HighwayLSTMRegressor]


def rmse(a, b):
    return mean_squared_error(np.ravel(a), np.ravel(b)) ** 0.5


@pytest.fixture(scope="module")
def sunspots_split():
    """Yearly sunspots, 1-step ahead; the last 60 years are held out (time order)."""
    series = load_sunspots()
    X, y = forecast_xy(series, horizon=1)
    n_test = 60
    naive = X.iloc[-n_test:, 0].to_numpy()             # last value
    seasonal = series.shift(10).to_numpy()[-n_test - 1:-1]  # value 11 years before target
    return X[:-n_test], X[-n_test:], y[:-n_test], y[-n_test:], naive, seasonal


@pytest.mark.parametrize("cls", REGRESSORS)
def test_beats_naive_forecasts_on_sunspots(cls, sunspots_split):
    X_train, X_test, y_train, y_test, naive, seasonal = sunspots_split
    pipe = Pipeline([("win", Windower(window=20)),
                     ("m", cls(max_epochs=100, random_state=0))])
    pipe.fit(X_train, y_train)
    pred = pipe.predict(X_test)
    assert pred.shape == y_test.shape
    baseline = min(rmse(naive, y_test), rmse(seasonal, y_test))
    assert rmse(pred, y_test) < 0.85 * baseline


@pytest.mark.parametrize("cls, bidirectional", [(LSTMRegressor, False), (BiLSTMRegressor, True)])
def test_head_reads_the_final_states_of_each_direction(cls, bidirectional):
    net = FusedRecurrentNet(3, 5, 2, bidirectional=bidirectional)
    x = torch.randn(4, 7, 3)
    out, _ = net.rnn(x)
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
