"""pandas in and out: column names through Windower, set_output, column order checks."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

from sklstm import LSTMRegressor, Windower


@pytest.fixture
def frame_y():
    rng = np.random.RandomState(0)
    index = pd.date_range("2024-01-01", periods=40, freq="h")
    frame = pd.DataFrame({"load": 10 + np.cumsum(rng.normal(size=40)),
                          "temp": rng.normal(size=40)}, index=index)
    y = frame["load"].shift(-1).ffill().to_numpy()
    return frame, y


def small_lstm():
    return LSTMRegressor(hidden_size=2, max_epochs=2, random_state=0)


# ---------------------------------------------------------- feature names


def test_windower_records_dataframe_columns(frame_y):
    frame, _ = frame_y
    windower = Windower(window=3).fit(frame)
    assert list(windower.feature_names_in_) == ["load", "temp"]
    assert windower.n_features_in_ == 2


def test_windower_records_series_name(frame_y):
    frame, _ = frame_y
    windower = Windower(window=3, flatten=True).fit(frame["load"])
    assert list(windower.feature_names_in_) == ["load"]
    assert list(windower.get_feature_names_out()) == ["load_lag2", "load_lag1", "load_lag0"]


def test_pipeline_keeps_feature_names_of_its_first_step(frame_y):
    frame, y = frame_y
    pipe = Pipeline([("win", Windower(window=3)), ("m", small_lstm())]).fit(frame, y)
    assert list(pipe.feature_names_in_) == ["load", "temp"]
    assert list(pipe["win"].feature_names_in_) == ["load", "temp"]
    # the regressor sees a 3-D array, which has no column names
    assert not hasattr(pipe["m"], "feature_names_in_")


# ------------------------------------------------------------- set_output


def test_flat_windower_outputs_a_named_dataframe(frame_y):
    frame, _ = frame_y
    out = Windower(window=2, flatten=True).set_output(transform="pandas").fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["load_lag1", "temp_lag1", "load_lag0", "temp_lag0"]
    assert out.index.equals(frame.index)
    np.testing.assert_array_equal(out.to_numpy(),
                                  Windower(window=2, flatten=True).fit_transform(frame))


def test_pipeline_set_output_with_flat_windower(frame_y):
    frame, y = frame_y
    pipe = Pipeline([("win", Windower(window=3, flatten=True)), ("ridge", Ridge())])
    pipe.set_output(transform="pandas").fit(frame, y)
    features = pipe[:-1].transform(frame)
    assert isinstance(features, pd.DataFrame)
    expected = ["load_lag2", "temp_lag2", "load_lag1", "temp_lag1", "load_lag0", "temp_lag0"]
    assert list(features.columns) == expected
    assert list(pipe["ridge"].feature_names_in_) == expected
    assert list(pipe[:-1].get_feature_names_out()) == expected
    assert pipe.predict(frame).shape == (40,)


def test_set_output_is_unavailable_for_3d_windows():
    # a 3-D output has no columns to name: set_output is not offered, as
    # get_feature_names_out is not (documented in Windower's Notes)
    windower = Windower(window=2)
    assert not hasattr(windower, "set_output")
    with pytest.raises(AttributeError, match="has no attribute 'set_output'"):
        windower.set_output(transform="pandas")
    pipe = Pipeline([("win", Windower(window=2)), ("m", small_lstm())])
    with pytest.raises(ValueError, match=r"Unable to configure output for Windower\(window=2\)"):
        pipe.set_output(transform="pandas")


def test_global_pandas_output_leaves_3d_windows_as_arrays(frame_y):
    frame, y = frame_y
    with config_context(transform_output="pandas"), warnings.catch_warnings():
        warnings.simplefilter("error")
        windows = Windower(window=3).fit_transform(frame)
        pipe = Pipeline([("win", Windower(window=3)), ("m", small_lstm())]).fit(frame, y)
        y_pred = pipe.predict(frame)
    assert isinstance(windows, np.ndarray) and windows.shape == (40, 3, 2)
    assert y_pred.shape == (40,)


# ------------------------------------------------------------ column order


def test_regressor_rejects_reordered_columns(frame_y):
    # a 2-D DataFrame is read as (n_samples, n_timesteps): its columns are time steps
    frame, y = frame_y
    reg = small_lstm().fit(frame, y)
    assert list(reg.feature_names_in_) == ["load", "temp"]
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        reg.predict(frame[["temp", "load"]])
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        reg.predict(frame.to_numpy())


def test_pipeline_rejects_reordered_or_renamed_columns(frame_y):
    frame, y = frame_y
    pipe = Pipeline([("win", Windower(window=3)), ("m", small_lstm())]).fit(frame, y)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        pipe.predict(frame[["temp", "load"]])
    with pytest.raises(ValueError, match="Feature names unseen at fit time:\n- t\n"):
        pipe.predict(frame.rename(columns={"temp": "t"}))
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        pipe.predict(frame.to_numpy())
    np.testing.assert_array_equal(pipe.predict(frame), pipe.predict(frame.copy()))
