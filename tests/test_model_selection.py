"""Windower + regressor inside GridSearchCV and cross_validate, numpy and pandas."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate
from sklearn.pipeline import Pipeline

from sklstm import GRURegressor, LastValueRegressor, LSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_nile


@pytest.fixture(params=["numpy", "pandas"])
def nile_xy(request):
    series = load_nile()
    X, y = forecast_xy(series, horizon=2)
    if request.param == "numpy":
        return X.to_numpy(), y.to_numpy()
    return X, y


def test_grid_search_over_window_and_hidden_size(nile_xy):
    X, y = nile_xy
    pipe = Pipeline([("win", Windower()), ("m", LSTMRegressor(max_epochs=5, random_state=0))])
    search = GridSearchCV(pipe, {"win__window": [4, 8], "m__hidden_size": [4, 8]},
                          cv=TimeSeriesSplit(3), scoring="neg_root_mean_squared_error",
                          error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_estimator_.predict(X[:5]).shape == (5, 2)
    if isinstance(X, pd.DataFrame):
        assert list(search.best_estimator_[0].feature_names_in_) == ["volume"]


def test_cross_validate_with_time_series_split(nile_xy):
    X, y = nile_xy

    def fold_rmse(model):
        pipe = Pipeline([("win", Windower(window=6)), ("m", model)])
        scores = cross_validate(pipe, X, y, cv=TimeSeriesSplit(2), error_score="raise",
                                scoring="neg_root_mean_squared_error")["test_score"]
        assert scores.shape == (2,) and np.isfinite(scores).all()
        return -scores

    gru = fold_rmse(GRURegressor(max_epochs=30, random_state=0))
    naive = fold_rmse(LastValueRegressor())                          # [182.7, 155.3]
    # Seeds 0-9: mean RMSE over the folds 0.838-0.922 of the last value's. The
    # Nile is noise around a level: the window mean ([161.6, 129.9]) and ridge
    # on lags ([169.9, 130.2]) are as good as the GRU (0.97-1.07 of its
    # RMSE), so only the naive forecast is claimed.
    assert gru.mean() < 0.95 * naive.mean()


# ---------------------------------------------------------------- PanelSplit


@pytest.fixture(scope="module")
def panel_xy():
    """A long table of 4 series x 40 days, as forecast_xy gives it, and each row's date."""
    from sklstm.datasets import make_retail_panel

    table = make_retail_panel(n_series=4, n_days=40, random_state=0)
    X, y = forecast_xy(table[["series_id", "date", "sales", "promo"]], 1, target="sales",
                       series_id="series_id", time="date", future_covariates="promo")
    return X, y, table.loc[X.index, "date"]


def _check_folds(folds, dates, series, *, n_splits, test_size, gap):
    """Every fold is cut by time across all series, as PanelSplit promises."""
    days = np.sort(np.unique(dates))
    assert len(folds) == n_splits
    for k, (train, test) in enumerate(folds):
        block = days[len(days) - (n_splits - k) * test_size:][:test_size]
        # the same dates for every series: the k-th block of test_size dates
        for s in np.unique(series):
            assert_array_equal(np.sort(dates[test][series[test] == s]), block)
        assert len(test) == test_size * len(np.unique(series))
        # training rows: every row strictly before the block, less `gap` dates
        assert dates[train].max() < dates[test].min()
        skipped = days[(days > dates[train].max()) & (days < dates[test].min())]
        assert len(skipped) == gap
        assert_array_equal(train, np.flatnonzero(dates < days[np.searchsorted(days, block[0])
                                                              - gap]))
        assert (np.diff(train) > 0).all() and (np.diff(test) > 0).all()    # row order


@pytest.mark.parametrize("n_splits, test_size, gap", [(3, 5, 0), (2, 7, 3), (4, None, 1),
                                                      (1, 10, 0)])
def test_panel_split_cuts_by_time_across_series(panel_xy, n_splits, test_size, gap):
    from sklstm import PanelSplit

    X, _, dates = panel_xy
    cv = PanelSplit(n_splits, test_size=test_size, gap=gap)
    folds = list(cv.split(X, groups=dates))
    n_days = dates.nunique()                                     # 39: the last has no target
    size = n_days // (n_splits + 1) if test_size is None else test_size
    _check_folds(folds, dates.to_numpy(), X["series_id"].to_numpy(), n_splits=n_splits,
                 test_size=size, gap=gap)
    assert cv.get_n_splits(X, groups=dates) == n_splits
    assert folds[-1][1].size and dates.iloc[folds[-1][1]].max() == dates.max()


def test_panel_split_does_not_depend_on_row_order(panel_xy):
    from sklstm import PanelSplit

    X, _, dates = panel_xy
    cv = PanelSplit(3, test_size=4, gap=1)
    by_series = [(set(X.index[tr]), set(X.index[te])) for tr, te in cv.split(X, groups=dates)]
    for order in (np.argsort(dates.to_numpy(), kind="stable"),       # sorted by time
                  np.random.default_rng(0).permutation(len(X))):     # shuffled
        shuffled, shuffled_dates = X.iloc[order], dates.iloc[order]
        folds = list(cv.split(shuffled, groups=shuffled_dates))
        assert [(set(shuffled.index[tr]), set(shuffled.index[te]))
                for tr, te in folds] == by_series
        _check_folds(folds, shuffled_dates.to_numpy(), shuffled["series_id"].to_numpy(),
                     n_splits=3, test_size=4, gap=1)


@pytest.mark.parametrize("n_samples, n_splits, test_size, gap", [
    (20, 3, None, 0), (20, 4, 3, 2), (17, 5, None, 1), (9, 2, 4, 0), (12, 1, 3, 1)])
def test_panel_split_on_one_series_is_time_series_split(n_samples, n_splits, test_size, gap):
    from sklstm import PanelSplit

    X = np.zeros((n_samples, 2))
    expected = (TimeSeriesSplit(n_splits, test_size=test_size, gap=gap).split(X)
                if n_splits > 1 else [(np.arange(n_samples - test_size - gap),
                                       np.arange(n_samples - test_size, n_samples))])
    folds = PanelSplit(n_splits, test_size=test_size, gap=gap).split(
        X, groups=np.arange(100, 100 + n_samples))
    for (train, test), (train_tss, test_tss) in zip(folds, expected, strict=True):
        assert_array_equal(train, train_tss)
        assert_array_equal(test, test_tss)


@pytest.mark.parametrize("kind", ["datetime", "tz-aware", "int", "str", "list"])
def test_panel_split_reads_any_sortable_time_stamp(panel_xy, kind):
    from sklstm import PanelSplit

    X, _, dates = panel_xy
    stamps = {"datetime": dates,
              "tz-aware": dates.dt.tz_localize("Europe/Paris"),
              "int": (dates - dates.min()).dt.days.to_numpy() * 10 + 7,
              "str": dates.dt.strftime("%Y-%m-%d").to_numpy(dtype=object),
              "list": list(dates.dt.to_pydatetime())}[kind]
    cv = PanelSplit(3, test_size=5, gap=2)
    expected = list(cv.split(X, groups=dates))
    for (train, test), (train_0, test_0) in zip(cv.split(X, groups=stamps), expected,
                                                strict=True):
        assert_array_equal(train, train_0)
        assert_array_equal(test, test_0)


@pytest.mark.parametrize("horizon", [2, 4])
def test_panel_split_gap_of_horizon_minus_one_keeps_targets_apart(horizon):
    """With targets h steps ahead, gap=h - 1 (as documented) and no less keeps
    every training target before the first date a test row forecasts."""
    from sklstm import PanelSplit
    from sklstm.datasets import make_retail_panel

    table = make_retail_panel(n_series=3, n_days=40, random_state=0)
    X, _ = forecast_xy(table[["series_id", "date", "sales"]], horizon, target="sales",
                       series_id="series_id", time="date")
    dates = table.loc[X.index, "date"]
    ahead = pd.Timedelta(days=horizon)
    for gap, apart in [(horizon - 1, True), (horizon - 2, False)]:
        for train, test in PanelSplit(3, test_size=5, gap=gap).split(X, groups=dates):
            last_train_target = dates.iloc[train].max() + ahead
            first_test_target = dates.iloc[test].min() + pd.Timedelta(days=1)
            assert (last_train_target < first_test_target) == apart


def test_time_series_split_on_a_long_table_splits_by_series(panel_xy):
    """What the docs say: TimeSeriesSplit cuts rows, so a table sorted by series
    is cut by series, and its test dates overlap its training dates."""
    from sklstm import PanelSplit

    X, _, dates = panel_xy
    ids = X["series_id"].to_numpy()
    train, test = list(TimeSeriesSplit(3).split(X))[0]
    assert set(ids[test]) < set(ids)                       # not every series is tested
    assert dates.iloc[test].min() <= dates.iloc[train].max()   # test dates were trained on
    train, test = list(PanelSplit(3).split(X, groups=dates))[0]
    assert set(ids[test]) == set(ids)
    assert dates.iloc[test].min() > dates.iloc[train].max()


def _lstm_pipeline():
    return Pipeline([("win", Windower(7, series_id="series_id")),
                     ("m", LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0))])


def test_panel_split_in_cross_validate(panel_xy):
    from sklstm import PanelSplit

    X, y, dates = panel_xy
    cv = PanelSplit(3, test_size=5, gap=1)
    result = cross_validate(_lstm_pipeline(), X, y, cv=cv, groups=dates, error_score="raise",
                            scoring="neg_mean_absolute_error", return_indices=True)
    assert result["test_score"].shape == (3,) and np.isfinite(result["test_score"]).all()
    folds = list(zip(result["indices"]["train"], result["indices"]["test"], strict=True))
    _check_folds(folds, dates.to_numpy(), X["series_id"].to_numpy(), n_splits=3,
                 test_size=5, gap=1)


def test_panel_split_in_grid_search(panel_xy):
    from sklstm import PanelSplit

    X, y, dates = panel_xy
    search = GridSearchCV(_lstm_pipeline(), {"win__window": [4, 7]},
                          cv=PanelSplit(2, test_size=6), scoring="neg_mean_absolute_error",
                          error_score="raise")
    search.fit(X, y, groups=dates)
    assert search.n_splits_ == 2
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["win__window"] in (4, 7)
    assert search.predict(X.iloc[:3]).shape == (3, 1)


def test_panel_split_takes_groups_through_metadata_routing(panel_xy):
    from sklearn import config_context

    from sklstm import PanelSplit

    X, y, dates = panel_xy
    pipe = Pipeline([("win", Windower(7, series_id="series_id")),
                     ("m", LastValueRegressor())])
    with config_context(enable_metadata_routing=True):
        result = cross_validate(pipe, X, y, cv=PanelSplit(2, test_size=5),
                                params={"groups": dates}, return_indices=True,
                                error_score="raise")
    test = result["indices"]["test"][1]
    assert set(dates.iloc[test]) == set(np.sort(dates.unique())[-5:])


# ---------------------------------------------------------------- PanelSplit errors


def test_panel_split_without_groups_says_how_to_pass_them(panel_xy):
    from sklstm import PanelSplit

    X, y, _ = panel_xy
    message = (r"PanelSplit needs each row's time stamp as `groups`; got groups=None\. "
               r".*cross_validate\(model, X, y, cv=PanelSplit\(\), groups=table\['date'\]\)"
               r".*params=\{'groups': table\['date'\]\}")
    with pytest.raises(ValueError, match=message):
        next(PanelSplit().split(X))
    pipe = Pipeline([("win", Windower(7, series_id="series_id")),
                     ("m", LastValueRegressor())])
    with pytest.raises(ValueError, match=message):
        cross_validate(pipe, X, y, cv=PanelSplit(2))


@pytest.mark.parametrize("params, n_days, message", [
    ({"n_splits": 5}, 5, r"PanelSplit\(n_splits=5\) needs at least n_splits \+ 1 = 6 "
                         r"distinct time stamps, but groups holds 5; lower n_splits"),
    ({"n_splits": 3, "test_size": 4, "gap": 2}, 14,
     r"PanelSplit\(n_splits=3, test_size=4, gap=2\) needs n_splits \* test_size \+ gap \+ 1 "
     r"= 3 \* 4 \+ 2 \+ 1 = 15 distinct time stamps \(test_size=4; at least one to train "
     r"on\), but groups holds 14; lower n_splits, test_size or gap, or pass a longer panel"),
    ({"n_splits": 2, "gap": 2}, 6,
     r"PanelSplit\(n_splits=2, test_size=None, gap=2\) needs .* = 2 \* 2 \+ 2 \+ 1 = 7 "
     r"distinct time stamps \(test_size=None: n_times // \(n_splits \+ 1\) = 2; "
     r"at least one to train on\), but groups holds 6"),
])
def test_panel_split_with_too_few_time_stamps(params, n_days, message):
    from sklstm import PanelSplit

    dates = np.tile(np.arange(n_days), 3)                   # 3 series of n_days each
    with pytest.raises(ValueError, match=message):
        list(PanelSplit(**params).split(np.zeros((len(dates), 1)), groups=dates))
    # one more time stamp is enough
    dates = np.tile(np.arange(n_days + 1), 3)
    assert len(list(PanelSplit(**params).split(np.zeros((len(dates), 1)), groups=dates))) \
        == params["n_splits"]


@pytest.mark.parametrize("groups, error, message", [
    (np.arange(11), ValueError,
     r"groups holds 11 time stamps but X has 12 rows; pass one time stamp per row of X "
     r"\(for X of forecast_xy\(table, \.\.\.\), groups=table\.loc\[X\.index, 'date'\]\)"),
    (np.arange(24).reshape(12, 2), ValueError,
     r"groups must be 1-D, one time stamp per row; got an array of shape \(12, 2\)"),
    (np.r_[np.arange(10.0), np.nan, 3.0], ValueError,
     r"1 time stamp\(s\) in groups are missing \(NaN/NaT\), at rows \[10\]; drop those rows"),
    (pd.Series(pd.date_range("2024-01-01", periods=12)).where(lambda s: s.dt.day % 5 > 0),
     ValueError, r"2 time stamp\(s\) in groups are missing \(NaN/NaT\), at rows \[4, 9\]"),
    ([f"2024-01-{d:02d}" for d in range(1, 12)] + [None], ValueError,
     r"1 time stamp\(s\) in groups are missing \(NaN/NaT\), at rows \[11\]"),
    ([1, 2, 3, "4", 5, 6, 7, 8, 9, 10, 11, 12], TypeError,
     r"the time stamps in groups do not sort \(they mix kinds \(mixed-integer\)\); "
     r"pass one kind of time stamp: datetimes, numbers or strings"),
])
def test_panel_split_rejects_bad_groups(groups, error, message):
    from sklstm import PanelSplit

    with pytest.raises(error, match=message):
        list(PanelSplit(2).split(np.zeros((12, 1)), groups=groups))


@pytest.mark.parametrize("params, error, message", [
    ({"n_splits": 0}, ValueError, r"PanelSplit: n_splits must be >= 1; got n_splits=0"),
    ({"n_splits": 2.0}, TypeError,
     r"PanelSplit: n_splits must be an int >= 1, a number of distinct time stamps; "
     r"got 2\.0 of type float"),
    ({"n_splits": True}, TypeError, r"n_splits must be an int >= 1.*got True of type bool"),
    ({"test_size": 0}, ValueError, r"PanelSplit: test_size must be >= 1; got test_size=0"),
    ({"test_size": "7"}, TypeError,
     r"PanelSplit: test_size must be None or an int >= 1, .*got '7' of type str"),
    ({"gap": -1}, ValueError, r"PanelSplit: gap must be >= 0; got gap=-1"),
    ({"gap": 1.5}, TypeError, r"PanelSplit: gap must be an int >= 0, .*got 1\.5"),
])
def test_panel_split_rejects_bad_parameters(params, error, message):
    from sklstm import PanelSplit

    cv = PanelSplit(**params)                              # __init__ only assigns
    with pytest.raises(error, match=message):
        list(cv.split(np.zeros((30, 1)), groups=np.arange(30)))
    with pytest.raises(error, match=message):
        cv.get_n_splits()


def test_panel_split_is_exported_from_both_modules():
    import sklstm
    import sklstm.model_selection

    assert sklstm.PanelSplit is sklstm.model_selection.PanelSplit
    assert "PanelSplit" in sklstm.__all__
    assert repr(sklstm.PanelSplit(3, gap=1)) == "PanelSplit(gap=1, n_splits=3, test_size=None)"
    assert np.int64(3) == sklstm.PanelSplit(np.int64(3)).get_n_splits()
