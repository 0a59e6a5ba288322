import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline

from sklstm import LastValueRegressor, Windower, forecast_xy


def test_row_t_is_the_window_ending_at_t():
    X = np.arange(20.0).reshape(10, 2)
    Xw = Windower(window=4).fit_transform(X)
    assert Xw.shape == (10, 4, 2)
    for t in range(3, 10):
        np.testing.assert_array_equal(Xw[t], X[t - 3: t + 1])


@pytest.mark.parametrize("padding, fill", [("edge", None), ("zero", 0.0)])
def test_padding_fills_rows_before_the_start(padding, fill):
    X = np.arange(1.0, 7.0).reshape(3, 2)
    Xw = Windower(window=3, padding=padding).fit_transform(X)
    expected_pad = X[0] if fill is None else np.zeros(2)
    np.testing.assert_array_equal(Xw[0], [expected_pad, expected_pad, X[0]])
    np.testing.assert_array_equal(Xw[1], [expected_pad, X[0], X[1]])


def test_output_is_a_view_not_window_copies():
    X = np.random.RandomState(0).normal(size=(1000, 3))
    Xw = Windower(window=50).fit_transform(X)
    base = Xw.base
    while getattr(base, "base", None) is not None:
        base = base.base
    # the only buffer behind the output is the padded input
    assert base.nbytes <= (1000 + 49) * 3 * 8
    assert not Xw.flags.writeable


def test_flatten_orders_oldest_lag_first_and_names_columns():
    X = pd.DataFrame({"temp": [1.0, 2.0, 3.0, 4.0], "rain": [10.0, 20.0, 30.0, 40.0]})
    win = Windower(window=3, flatten=True).fit(X)
    Xf = win.transform(X)
    assert Xf.shape == (4, 6)
    np.testing.assert_array_equal(Xf[3], [2.0, 20.0, 3.0, 30.0, 4.0, 40.0])
    names = win.get_feature_names_out()
    assert list(names) == ["temp_lag2", "rain_lag2", "temp_lag1", "rain_lag1",
                           "temp_lag0", "rain_lag0"]
    with pytest.raises(ValueError, match="input_features should have length"):
        win.get_feature_names_out(["a"])


def test_feature_names_need_flatten():
    win = Windower(window=3).fit(np.ones((5, 2)))
    assert not hasattr(win, "get_feature_names_out")
    with pytest.raises(AttributeError) as exc:
        win.get_feature_names_out()
    assert "only available with flatten=True" in str(exc.value.__cause__)


def test_pandas_series_is_one_feature_and_dtype_is_kept():
    s = pd.Series(np.arange(6, dtype=np.float32), name="sales")
    Xw = Windower(window=2).fit_transform(s)
    assert Xw.shape == (6, 2, 1)
    assert Xw.dtype == np.float32


@pytest.mark.parametrize("params, match", [
    ({"window": 0}, r"window=0.*an int in \[1, inf\]"),
    ({"window": 2.5}, r"window=2.5.*an int"),
    ({"padding": "reflect"}, r"padding='reflect'.*one of 'edge', 'zero'"),
    ({"flatten": "yes"}, r"flatten='yes'.*one of True, False"),
])
def test_bad_parameters_are_named(params, match):
    with pytest.raises(ValueError, match=match):
        Windower(**params).fit(np.ones((5, 1)))


@pytest.mark.parametrize("X, error, match", [
    (np.arange(5.0), ValueError, "Expected 2D array, got 1D array"),
    (np.array([[1.0], [np.nan]]), ValueError, "Input X contains NaN"),
    (np.array([[1.0], [np.inf]]), ValueError, "Input X contains infinity"),
    (np.empty((0, 2)), ValueError, "0 sample"),
    (np.array([["a"], ["b"]]), ValueError, "could not convert string to float"),
])
def test_bad_input_is_worded(X, error, match):
    with pytest.raises(error, match=match):
        Windower(window=2).fit(X)


def test_feature_count_checked_at_transform():
    win = Windower(window=2).fit(np.ones((5, 3)))
    with pytest.raises(ValueError, match="X has 2 features, but Windower is expecting 3"):
        win.transform(np.ones((5, 2)))


def test_flattened_windows_feed_a_classical_model():
    t = np.arange(300.0)
    series = np.sin(2 * np.pi * t / 12)
    X, y = forecast_xy(series, horizon=1)
    pipe = make_pipeline(Windower(window=12, flatten=True), Ridge(alpha=1e-3))
    pipe.fit(X[:250], y[:250])
    assert pipe.score(X[250:], y[250:]) > 0.99


# ------------------------------------------------------------------ forecast_xy

def test_forecast_xy_numpy_horizon_and_exog():
    series = np.arange(10.0)
    exog = np.arange(100.0, 120.0).reshape(10, 2)
    X, y = forecast_xy(series, horizon=3, exog=exog)
    assert X.shape == (7, 3) and y.shape == (7, 3)
    np.testing.assert_array_equal(X[:, 0], series[:7])
    np.testing.assert_array_equal(X[:, 1:], exog[:7])
    for t in range(7):
        np.testing.assert_array_equal(y[t], series[t + 1: t + 4])


def test_forecast_xy_pandas_keeps_index_and_names():
    idx = pd.date_range("2020-01-01", periods=6, freq="MS")
    s = pd.Series(np.arange(6.0), index=idx, name="sales")
    exog = pd.DataFrame({"promo": [0, 1, 0, 1, 0, 1]}, index=idx)
    X, y = forecast_xy(s, horizon=2, exog=exog)
    assert list(X.columns) == ["sales", "promo"]
    assert list(y.columns) == ["sales_t+1", "sales_t+2"]
    assert X.index.equals(idx[:4]) and y.index.equals(idx[:4])
    assert y.loc[idx[1], "sales_t+2"] == 3.0


@pytest.mark.parametrize("kwargs, match", [
    ({"series": np.arange(3.0), "horizon": 3}, "too short to forecast horizon=3"),
    ({"series": np.arange(5.0), "horizon": 0},
     r"forecast_xy: invalid value horizon=0; expected an int in \[1, inf\]"),
    ({"series": np.ones((5, 2))}, "series must be one column"),
    ({"series": np.array([1.0, np.nan, 2.0])}, "NaN or infinity"),
    ({"series": np.arange(5.0), "exog": np.ones((4, 1))}, "exog has 4 rows but series has 5"),
])
def test_forecast_xy_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        forecast_xy(**kwargs)


def test_forecast_xy_keeps_float32():
    X, y = forecast_xy(np.arange(10, dtype=np.float32), horizon=2,
                       exog=np.ones((10, 1), dtype=np.float32))
    assert X.dtype == y.dtype == np.float32
    frame_X, frame_y = forecast_xy(pd.Series(np.arange(10, dtype=np.float32), name="s"))
    assert list(frame_X.dtypes) == list(frame_y.dtypes) == [np.float32]
    # a float64 column anywhere keeps float64, so no precision is lost
    X64, y64 = forecast_xy(np.arange(10, dtype=np.float32), exog=np.ones((10, 1)))
    assert X64.dtype == y64.dtype == np.float64


# ----------------------------------------------------------------- panels


def _panel():
    """Two shops interleaved row by row, as a long table sorted by date."""
    rng = np.random.RandomState(0)
    return pd.DataFrame({
        "shop": np.tile(["north", "south"], 6),
        "sales": rng.uniform(size=12),
        "promo": rng.randint(0, 2, size=12).astype(float),
    })


@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_windows_never_cross_series(padding):
    df = _panel()
    windows = Windower(window=3, padding=padding, series_id="shop").fit_transform(df)
    assert windows.shape == (12, 3, 2)                  # rows kept; the id is no feature
    for shop in ["north", "south"]:
        rows = np.flatnonzero(df["shop"] == shop)
        alone = Windower(window=3, padding=padding).fit_transform(
            df.loc[rows, ["sales", "promo"]])          # this series windowed on its own
        np.testing.assert_array_equal(windows[rows], alone)


def test_series_id_by_index_for_arrays_and_flat_names():
    X = np.column_stack([np.repeat([7, 3], 4), np.arange(8.0)])   # id column first
    windows = Windower(window=2, series_id=0).fit_transform(X)
    np.testing.assert_array_equal(windows[:, :, 0],
                                  [[0, 0], [0, 1], [1, 2], [2, 3],
                                   [4, 4], [4, 5], [5, 6], [6, 7]])
    flat = Windower(window=2, flatten=True, series_id="shop").fit(_panel())
    assert list(flat.get_feature_names_out()) == [
        "sales_lag1", "promo_lag1", "sales_lag0", "promo_lag0"]
    assert flat.transform(_panel()).shape == (12, 4)


def test_series_windows_feed_a_regressor():
    df = _panel()
    pipe = make_pipeline(Windower(window=3, series_id="shop"),
                         LastValueRegressor()).fit(df, df["sales"])
    np.testing.assert_array_equal(pipe.predict(df), df["sales"])   # the window's last value


@pytest.mark.parametrize("series_id, frame, match", [
    ("store", True, r"series_id='store' is not a column of X; its columns are "
                    r"\['shop', 'sales', 'promo'\]"),
    (3, True, r"series_id=3 but X has 3 column\(s\), numbered from 0"),
    ("shop", False, r"series_id='shop' is not a column of X"),
    (-1, True, r"invalid value series_id=-1; expected one of None or a column name"),
])
def test_series_id_errors(series_id, frame, match):
    df = _panel()
    X = df if frame else df[["sales", "promo"]].to_numpy()
    with pytest.raises(ValueError, match=match):
        Windower(series_id=series_id).fit(X)


def test_series_id_must_be_complete_and_features_finite():
    df = _panel()
    df.loc[4, "shop"] = None
    with pytest.raises(ValueError, match=r"series_id column 'shop' has 1 missing value"):
        Windower(series_id="shop").fit(df)
    df = _panel()
    df.loc[2, "sales"] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        Windower(series_id="shop").fit(df)
