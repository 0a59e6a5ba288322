import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from sklstm import LastValueRegressor, Windower, forecast_xy
from sklstm.datasets import make_retail_panel


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
    ({"data": np.arange(3.0), "horizon": 3}, "too short to forecast horizon=3"),
    ({"data": np.arange(5.0), "horizon": 0},
     r"forecast_xy: invalid value horizon=0; expected an int in \[1, inf\]"),
    ({"data": np.ones((5, 2))}, "series must be one column"),
    ({"data": np.array([1.0, np.nan, 2.0])}, "NaN or infinity"),
    ({"data": np.arange(5.0), "exog": np.ones((4, 1))}, "exog has 4 rows but series has 5"),
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


def test_nan_passes_through_the_windower():
    X = np.array([[np.nan, 1.0], [2.0, np.nan], [3.0, 4.0]])
    np.testing.assert_array_equal(Windower(window=2).fit_transform(X)[:, -1], X)
    frame = pd.DataFrame({"shop": ["a", "b", "a"], "x": [np.nan, 1.0, 2.0]})
    windows = Windower(window=2, series_id="shop").fit_transform(frame)
    np.testing.assert_array_equal(windows[:, :, 0], [[np.nan, np.nan], [1.0, 1.0],
                                                     [np.nan, 2.0]])


# ------------------------------------------------------- forecast_xy on long tables

ROLES = (r"target=, series_id=, time=, past_covariates= \(or exog=\), future_covariates=, "
         r"static_covariates=")


def _shuffled_panel(seed=0, n_series=5, n_days=60):
    """A small retail panel with its rows in random order."""
    panel = make_retail_panel(n_series, n_days, promo_rate=0.1, closed_rate=0.05,
                              random_state=seed)
    return panel.sample(frac=1.0, random_state=seed)


def _lookup(panel, column):
    return panel.set_index(["series_id", "date"])[column]


def _at(lookup, ids, dates):
    """``lookup`` at each (id, date) pair, NaN where the pair is not in the table."""
    return lookup.reindex(pd.MultiIndex.from_arrays([ids, dates])).to_numpy()


PANEL_ROLES = dict(target="sales", series_id="series_id", time="date",
                   past_covariates=["price"], future_covariates=["promo", "price"],
                   static_covariates=["category"])


def test_long_table_columns_and_every_lead_aligned():
    panel = _shuffled_panel()
    X, y = forecast_xy(panel, 3, **PANEL_ROLES)
    assert list(X.columns) == ["sales", "price", "promo_lead1", "promo_lead2", "promo_lead3",
                               "price_lead1", "price_lead2", "price_lead3", "category",
                               "series_id"]
    assert list(y.columns) == ["sales_t+1", "sales_t+2", "sales_t+3"]
    assert X.index.equals(y.index) and X.index.isin(panel.index).all()
    ids = X["series_id"].to_numpy()
    dates = pd.DatetimeIndex(panel.loc[X.index, "date"])          # the index finds the time
    np.testing.assert_array_equal(ids, panel.loc[X.index, "series_id"])
    for column in ["sales", "price", "category"]:                 # row t: values at t
        np.testing.assert_array_equal(X[column], panel.loc[X.index, column])
    for lead in (1, 2, 3):                                         # every row checked
        ahead = dates + pd.Timedelta(days=lead)
        for name in ["promo", "price"]:
            np.testing.assert_array_equal(X[f"{name}_lead{lead}"],
                                          _at(_lookup(panel, name), ids, ahead))
        np.testing.assert_array_equal(y[f"sales_t+{lead}"],      # NaN where closed
                                      _at(_lookup(panel, "sales"), ids, ahead))
    assert X["promo_lead1"].dtype == np.int64                    # dtypes kept
    # rows: series in order of first appearance, by date within each series
    first_seen = list(pd.unique(panel["series_id"]))
    assert list(pd.unique(ids)) == first_seen
    order = pd.DataFrame({"code": [first_seen.index(i) for i in ids], "date": dates})
    assert order.equals(order.sort_values(["code", "date"]).reset_index(drop=True))


def test_long_table_drops_rows_per_series():
    data = pd.DataFrame({"id": ["a"] * 5 + ["b"] * 3 + ["c"] * 2,
                         "v": np.arange(10.0)}, index=np.arange(100, 110))
    X, y = forecast_xy(data, 2, target="v", series_id="id")
    # a keeps 5 - 2 rows, b keeps 1, c (2 rows, no full future) none
    assert list(X.index) == [100, 101, 102, 105] and X.index.equals(y.index)
    assert list(X["id"]) == ["a", "a", "a", "b"]
    np.testing.assert_array_equal(y, [[1, 2], [2, 3], [3, 4], [6, 7]])
    with pytest.raises(ValueError, match=r"no series has more than horizon=5 rows \(the "
                                         r"longest has 5\)"):
        forecast_xy(data, 5, target="v", series_id="id")


@pytest.mark.parametrize("leads", ["keep", "fold"])
@pytest.mark.parametrize("padding", ["edge", "zero"])
def test_no_window_crosses_series(padding, leads):
    # series k lives in [1000 k, 1000 k + 999]; rows interleaved, lengths differ
    rng = np.random.RandomState(0)
    rows = []
    for k, length in enumerate([40, 25, 60, 9]):
        rows += [(f"s{k}", day, 1000 * k + rng.uniform(0, 999), 1000 * k + rng.uniform(0, 999))
                 for day in range(length)]
    data = pd.DataFrame(rows, columns=["store", "day", "units", "plan"])
    data = data.sample(frac=1.0, random_state=0).reset_index(drop=True)
    X, y = forecast_xy(data, 2, target="units", series_id="store", time="day",
                       future_covariates="plan")
    windows = Windower(window=8, padding=padding, series_id="store",
                       leads=leads).fit_transform(X)
    if leads == "keep":
        assert windows.shape == (len(X), 8, 3)                  # units, plan_lead1, 2
    else:                                                       # units, plan; marker
        assert windows.shape == (len(X), 8 + 2, 3)
        windows = windows[:, :, :2]
    series = X["store"].str[1:].astype(int).to_numpy()
    band = np.floor(windows / 1000)                             # which series a value is from
    real = windows != 0 if padding == "zero" else np.ones(windows.shape, dtype=bool)
    real &= ~np.isnan(windows)                                  # not known ahead
    for row in range(len(X)):                                   # every row checked
        assert (band[row][real[row]] == series[row]).all(), row
    assert (np.floor(y.to_numpy() / 1000) == series[:, None]).all()


def test_long_table_one_series_matches_the_series_form():
    s = pd.Series(np.arange(12.0) ** 2, name="v")
    expected_X, expected_y = forecast_xy(s, horizon=3)
    X, y = forecast_xy(s.to_frame(), 3, target="v")
    pd.testing.assert_frame_equal(X, expected_X)
    pd.testing.assert_frame_equal(y, expected_y)


def test_long_table_passes_nan_through():
    data = pd.DataFrame({"id": ["a"] * 4 + ["b"] * 4, "v": [1.0, np.nan, 3.0, 4.0] * 2,
                         "temp": [np.nan, 1.0, 2.0, 3.0] * 2})
    X, y = forecast_xy(data, 1, target="v", series_id="id", future_covariates="temp")
    np.testing.assert_array_equal(X["v"], [1.0, np.nan, 3.0] * 2)
    np.testing.assert_array_equal(X["temp_lead1"], [1.0, 2.0, 3.0] * 2)
    np.testing.assert_array_equal(y["v_t+1"], [np.nan, 3.0, 4.0] * 2)
    windows = Windower(window=2, series_id="id").fit_transform(X)
    np.testing.assert_array_equal(windows[:, :2, 0], [[1, 1], [1, np.nan], [np.nan, 3]] * 2)
    np.testing.assert_array_equal(windows[:, 2, 0], np.nan)          # not known ahead


def test_long_table_exog_and_past_and_future_roles():
    data = pd.DataFrame({"v": np.arange(6.0), "price": np.arange(10.0, 16.0)})
    X, y = forecast_xy(data, 1, target="v", past_covariates="price", future_covariates="price",
                       exog=np.arange(20.0, 26.0)[:, None])
    assert list(X.columns) == ["v", "price", "exog0", "price_lead1"]
    np.testing.assert_array_equal(X.to_numpy()[:, 1:], np.column_stack(
        [np.arange(10.0, 15.0), np.arange(20.0, 25.0), np.arange(11.0, 16.0)]))
    frame = pd.DataFrame({"temp": np.ones(6)}, index=data.index)
    assert list(forecast_xy(data[["v"]], 1, target="v", exog=frame)[0].columns) == ["v", "temp"]


def test_static_categorical_goes_through_a_column_transformer():
    panel = make_retail_panel(6, 50, random_state=1)
    X, y = forecast_xy(panel, 1, target="sales", series_id="series_id", time="date",
                       future_covariates=["promo", "price"], static_covariates="category")
    encode = ColumnTransformer(
        [("keep", "passthrough", ["sales", "promo_lead1", "price_lead1"]),
         ("category", OneHotEncoder(sparse_output=False, handle_unknown="ignore"),
          ["category"]),
         ("id", "passthrough", ["series_id"])],
        verbose_feature_names_out=False).set_output(transform="pandas")
    pipe = make_pipeline(encode, Windower(window=7, series_id="series_id"),
                         LastValueRegressor()).fit(X, y)
    np.testing.assert_array_equal(pipe.predict(X).ravel(), X["sales"])  # sales: channel 0
    windows = pipe[:-1].transform(X)
    # sales, the categories, then promo and price at each step, the marker; one
    # future step
    assert windows.shape == (len(X), 7 + 1, 4 + panel["category"].nunique())


def _small_table():
    return pd.DataFrame({"shop": ["a", "a", "b", "b"], "day": [1, 2, 1, 2],
                         "units": [1.0, 2.0, 3.0, 4.0], "promo": [0, 1, 0, 1],
                         "region": ["n", "n", "s", "s"]})


@pytest.mark.parametrize("change, kwargs, error, match", [
    (None, {"target": "units", "series_id": "shop", "time": "day"}, ValueError,
     r"forecast_xy: column\(s\) \['promo', 'region'\] of data have no role; nothing is "
     r"used or dropped silently. Give each column a role \(" + ROLES + r"\), or drop it"),
    (None, {"series_id": "shop", "time": "day", "past_covariates": ["units", "promo"],
            "static_covariates": "region"}, ValueError, r"forecast_xy: target= is missing"),
    (None, {"target": "units", "series_id": "shop", "time": "day", "past_covariates": "promo",
            "static_covariates": ["region", "store"]}, ValueError,
     r"static_covariates='store' is not a column of data; its columns are \['shop', 'day', "),
    (None, {"target": "units", "series_id": "shop", "time": "day", "past_covariates": "promo",
            "static_covariates": ["region", "shop"]}, ValueError,
     r"column 'shop' is given two roles, series_id and static_covariates"),
    (None, {"target": "units", "series_id": "shop", "time": "day",
            "past_covariates": ["promo", "promo"], "static_covariates": "region"},
     ValueError, r"past_covariates names \['promo'\] more than once"),
    ({"day": [1, 2, 2, 2]}, {"target": "units", "series_id": "shop", "time": "day",
                             "past_covariates": "promo", "static_covariates": "region"},
     ValueError, r"forecast_xy: series 'b' of 'shop' has more than one row at time 2 \(column "
                 r"'day'; 1 repeated row\(s\) in all\); each series needs one row per time "
                 r"step. Aggregate the repeated rows"),
    ({"region": ["n", "n", "s", "x"]}, {"target": "units", "series_id": "shop", "time": "day",
                                        "past_covariates": "promo",
                                        "static_covariates": "region"},
     ValueError, r"forecast_xy: static covariate 'region' is not constant within series 'b' "
                 r"\(values 's', 'x'; 1 series vary in all\); a static covariate has one "
                 r"value per series"),
    ({"units": [1.0, np.inf, 3.0, 4.0]}, {"target": "units", "series_id": "shop",
                                          "past_covariates": ["day", "promo", "region"]},
     ValueError, r"the target column 'units' contains infinity in 1 row\(s\)"),
    ({"units": ["1", "2", "3", "4"]}, {"target": "units", "series_id": "shop",
                                       "past_covariates": ["day", "promo", "region"]},
     TypeError, r"the target column 'units' must be numeric, got dtype"),
    ({"shop": ["a", None, "b", "b"]}, {"target": "units", "series_id": "shop",
                                       "past_covariates": ["day", "promo", "region"]},
     ValueError, r"the series_id column 'shop' has 1 missing value\(s\)"),
    ({"day": [1, None, 1, 2]}, {"target": "units", "series_id": "shop", "time": "day",
                                "past_covariates": "promo", "static_covariates": "region"},
     ValueError, r"the time column 'day' has 1 missing value\(s\)"),
    (None, {"target": ["units"], "series_id": "shop", "time": "day",
            "past_covariates": ["promo", "region"]},
     TypeError, r"forecast_xy: target takes one column name, got \['units'\]"),
    (None, {"target": "units", "series_id": "shop", "time": "day",
            "static_covariates": "region", "exog": ["promo"]},
     TypeError, r"exog takes values aligned row for row with data, got the name\(s\) "
                r"\['promo'\]; to use columns of data, pass past_covariates=\['promo'\]"),
    (None, {"target": "units", "series_id": "shop", "time": "day", "past_covariates": "promo",
            "static_covariates": "region", "exog": np.ones((3, 1))},
     ValueError, r"forecast_xy: exog has 3 rows but data has 4"),
])
def test_long_table_errors(change, kwargs, error, match):
    data = _small_table()
    for column, values in (change or {}).items():
        data[column] = values
    with pytest.raises(error, match=match):
        forecast_xy(data, 1, **kwargs)


def test_long_table_needs_a_dataframe():
    with pytest.raises(TypeError, match=r"name columns of a pandas DataFrame, but data is a "
                                        r"ndarray"):
        forecast_xy(np.ones((5, 2)), target=0, past_covariates=1)
