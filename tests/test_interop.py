"""sklstm inside the forecasting clients users already run: skforecast and sktime.

skforecast's forecasters hand the estimator lag columns named newest first
(``lag_1, lag_2, ...``); sklstm recognises the names in ``fit`` and reads the
sequence oldest first, at fit and at every predict step. sktime's
``make_reduction`` hands over windows oldest first, as they are. The client
tests need the ``interop`` extra and are skipped without it; the layout tests
at the top need nothing but sklstm.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from skorch.callbacks import Callback

import sklstm
from sklstm import LastValueRegressor, LSTMRegressor, SeasonalNaiveRegressor
from sklstm._validation import newest_first_lags, reads_newest_first
from sklstm.datasets import make_seasonal_series

SMALL = dict(hidden_size=8, max_epochs=5, random_state=0)


def lag_frame(values, lags):
    """skforecast's training layout: row t holds ``lag_1..lag_k`` = y[t-1], ..., y[t-k]."""
    rows = [values[t - lags:t][::-1] for t in range(lags, len(values))]
    return (pd.DataFrame(rows, columns=[f"lag_{k}" for k in range(1, lags + 1)]),
            values[lags:])


class FirstBatch(Callback):
    """Keeps the model inputs of the first training batch (``batch_inputs_``)."""

    def initialize(self):
        self.batch_inputs_ = None
        return self

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training and self.batch_inputs_ is None:
            self.batch_inputs_ = batch[0].detach().cpu().numpy().copy()


def training_inputs(estimator):
    """The first training batch an estimator's module read, from its FirstBatch callback."""
    (recorder,) = [cb for _, cb in estimator.net_.callbacks_ if isinstance(cb, FirstBatch)]
    return recorder.batch_inputs_


class PredictInputs:
    """Records what a fitted estimator's torch module reads at predict time.

    ``predict`` runs the module's bound ``forward`` (no call hooks), in passes
    of a fixed size padded with zero rows; the recorder wraps ``forward`` on
    the instance and drops the padding rows.
    """

    def __init__(self, estimator):
        self.module = estimator.net_.module_
        self.forward = self.module.forward
        self.inputs = []
        self.module.forward = self

    def __call__(self, X, *args, **kwargs):
        self.inputs.append(X.detach().cpu().numpy().copy())
        return self.forward(X, *args, **kwargs)

    def close(self):
        del self.module.forward                 # the class's method again
        inputs = np.concatenate(self.inputs)
        return inputs[(inputs != 0).any(axis=(1, 2))]


def assert_time_runs_forward(inputs):
    """On a rising series, each window the module reads rises along the time axis."""
    assert inputs.ndim == 3 and inputs.shape[1] > 1
    steps = np.diff(inputs[:, :, 0], axis=1)
    assert (steps > 0).all(), f"windows read backwards: first row {inputs[0, :, 0]}"


def rising(n=80):
    """A strictly rising positive series with a wobble, so the lags are not collinear."""
    t = np.arange(n, dtype=float)
    return 10.0 + t + 0.3 * np.sin(t)


# --------------------------------------------------------------------------
# the layout, without any client
# --------------------------------------------------------------------------


@pytest.mark.parametrize("names, expected", [
    (["lag_1", "lag_2", "lag_3"], True),
    (["lag_1", "lag_2", "lag_12"], True),         # skforecast's lags=[1, 2, 12]
    (["lag_3", "lag_2", "lag_1"], False),         # already oldest first
    (["lag_1", "lag_2", "temperature"], False),   # an exogenous column: not one series' past
    (["lag_1", "lag_1"], False),
    (["lag_0", "lag_1"], False),
    (["x0_lag1", "x0_lag0"], False),              # the Windower's flattened names
    (["lag_1"], False),
    (None, False),
])
def test_newest_first_lags(names, expected):
    assert newest_first_lags(names) is expected


def test_lag_frame_is_read_oldest_first_at_fit_and_predict():
    """The last value of a newest-first lag frame is its first column, at fit and
    predict, whether predict gets the frame or a bare array."""
    values = rising(30)
    X, y = lag_frame(values, 4)
    model = LastValueRegressor().fit(X, y)
    assert reads_newest_first(model)
    assert list(model.feature_names_in_) == list(X.columns)     # kept as given
    np.testing.assert_array_equal(model.predict(X), X["lag_1"].to_numpy())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)    # fitted with names, given none
        np.testing.assert_array_equal(model.predict(X.to_numpy()), X["lag_1"].to_numpy())
    # the seasonal naive forecast reads lag_m
    seasonal = SeasonalNaiveRegressor(season_length=3).fit(X, y)
    np.testing.assert_array_equal(seasonal.predict(X), X["lag_3"].to_numpy())


@pytest.mark.parametrize("X", [
    np.arange(12.0).reshape(4, 3),
    pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["lag_3", "lag_2", "lag_1"]),
    pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=["lag_1", "lag_2", "exog"]),
])
def test_other_layouts_are_read_as_given(X):
    model = LastValueRegressor().fit(X, np.zeros(4))
    assert not reads_newest_first(model)
    np.testing.assert_array_equal(model.predict(X), np.asarray(X)[:, -1])


def test_recognised_lags_train_as_the_reversed_array():
    """Fitting on the named lag frame is fitting on the same sequences oldest first."""
    values = make_seasonal_series(120, random_state=0)[:, 0]
    X, y = lag_frame(values, 6)
    oldest_first = X.to_numpy()[:, ::-1].copy()
    named = LSTMRegressor(**SMALL).fit(X, y)
    reversed_by_hand = LSTMRegressor(**SMALL).fit(oldest_first, y)
    np.testing.assert_allclose(named.loss_curve_, reversed_by_hand.loss_curve_, rtol=1e-6)
    np.testing.assert_allclose(named.predict(X), reversed_by_hand.predict(oldest_first),
                               rtol=1e-5, atol=1e-6)


def test_partial_fit_keeps_the_order_of_the_first_call():
    """Later partial_fit calls on bare arrays are reversed as the first call's frame was."""
    values = make_seasonal_series(120, random_state=0)[:, 0]
    X, y = lag_frame(values, 6)
    oldest_first = X.to_numpy()[:, ::-1].copy()
    named = LSTMRegressor(**SMALL).partial_fit(X, y)
    by_hand = LSTMRegressor(**SMALL).partial_fit(oldest_first, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)    # fitted with names, given none
        named.partial_fit(X.to_numpy(), y)
        np.testing.assert_allclose(named.predict(X.to_numpy()),
                                   by_hand.partial_fit(oldest_first, y).predict(oldest_first),
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(named.loss_curve_, by_hand.loss_curve_, rtol=1e-6)


def test_saved_model_keeps_the_order(tmp_path):
    X, y = lag_frame(rising(30), 4)
    model = LastValueRegressor().fit(X, y)
    sklstm.save(model, tmp_path / "model")
    loaded = sklstm.load(tmp_path / "model")
    assert reads_newest_first(loaded)
    np.testing.assert_array_equal(loaded.predict(X), X["lag_1"].to_numpy())


# --------------------------------------------------------------------------
# skforecast
# --------------------------------------------------------------------------


def test_skforecast_recursive_reads_time_forward_and_forecasts():
    pytest.importorskip("skforecast")
    from skforecast.recursive import ForecasterRecursive

    y = pd.Series(rising(), name="y")
    forecaster = ForecasterRecursive(
        estimator=LSTMRegressor(**SMALL, callbacks=[FirstBatch()]), lags=5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        forecaster.fit(y)
    model = forecaster.estimator
    assert reads_newest_first(model)
    assert_time_runs_forward(training_inputs(model))
    recorder = PredictInputs(model)
    forecast = forecaster.predict(steps=4)
    assert_time_runs_forward(recorder.close())
    assert len(forecast) == 4 and list(forecast.index) == list(range(len(y), len(y) + 4))
    assert np.isfinite(forecast).all()


def test_skforecast_naive_forecast_repeats_the_last_value():
    """Read newest first, the last-value baseline would repeat the value ``lags`` steps back."""
    pytest.importorskip("skforecast")
    from skforecast.recursive import ForecasterRecursive

    y = pd.Series(rising(40))
    forecaster = ForecasterRecursive(estimator=LastValueRegressor(), lags=6)
    forecaster.fit(y)
    np.testing.assert_array_equal(forecaster.predict(steps=3).to_numpy(), [y.iloc[-1]] * 3)


def test_skforecast_lstm_beats_the_naive_forecast():
    """In the same forecaster, on a seasonal series, the LSTM learns the season."""
    pytest.importorskip("skforecast")
    from skforecast.recursive import ForecasterRecursive

    y = pd.Series(make_seasonal_series(240, period=12, noise=0.1, random_state=0)[:, 0])
    train, test = y.iloc[:-24], y.iloc[-24:].to_numpy()

    def rmse(estimator):
        forecaster = ForecasterRecursive(estimator=estimator, lags=12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            forecaster.fit(train)
        return np.sqrt(np.mean((forecaster.predict(steps=24).to_numpy() - test) ** 2))

    lstm = rmse(LSTMRegressor(hidden_size=16, max_epochs=40, random_state=0))
    naive = rmse(LastValueRegressor())
    assert lstm < 0.6 * naive, (lstm, naive)     # 0.20-0.49 of it over seeds 0-5


def test_skforecast_grid_search():
    pytest.importorskip("skforecast")
    from skforecast.model_selection import TimeSeriesFold, grid_search_forecaster
    from skforecast.recursive import ForecasterRecursive

    y = pd.Series(make_seasonal_series(150, period=12, random_state=1)[:, 0])
    forecaster = ForecasterRecursive(estimator=LSTMRegressor(**SMALL), lags=4)
    cv = TimeSeriesFold(steps=6, initial_train_size=120, refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        results = grid_search_forecaster(
            forecaster, y, cv=cv, param_grid={"hidden_size": [4, 8]}, lags_grid=[4, 12],
            metric="mean_squared_error", return_best=True, n_jobs=1, show_progress=False)
    assert len(results) == 4
    assert np.isfinite(results["mean_squared_error"]).all()
    assert results["mean_squared_error"].is_monotonic_increasing      # best first
    best = results.iloc[0]
    # return_best refits the forecaster with the best lags and parameters
    assert list(forecaster.lags) == list(best["lags"])
    assert forecaster.estimator.hidden_size == best["params"]["hidden_size"]
    assert reads_newest_first(forecaster.estimator)
    forecast = forecaster.predict(steps=3)
    assert len(forecast) == 3 and np.isfinite(forecast).all()


# --------------------------------------------------------------------------
# sktime
# --------------------------------------------------------------------------


def test_sktime_make_reduction_reads_time_forward_and_forecasts():
    pytest.importorskip("sktime")
    from sktime.forecasting.compose import make_reduction

    y = pd.Series(rising(), name="y")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)     # sktime's notice of a new default
        forecaster = make_reduction(LSTMRegressor(**SMALL, callbacks=[FirstBatch()]),
                                    window_length=5, strategy="recursive")
        forecaster.fit(y)
    model = forecaster.estimator_
    assert not reads_newest_first(model)        # windows arrive oldest first
    assert_time_runs_forward(training_inputs(model))
    recorder = PredictInputs(model)
    forecast = forecaster.predict(fh=[1, 2, 3, 4])
    assert_time_runs_forward(recorder.close())
    assert len(forecast) == 4 and list(forecast.index) == list(range(len(y), len(y) + 4))
    assert np.isfinite(forecast).all()
