"""Panel windows read on demand (sklstm._lazy_windows): values, selections, estimators.

``Windower(series_id=...)`` (and folded leads) return a ``LazyWindows``: the
validated rows and two integers per row, from which a window is computed
when it is read. These tests check its values against windows built here by
a plain loop over each series, its selections against NumPy's on the dense
array, and that every estimator gives the same model from it as from its
dense copy (``np.asarray(windows)``), within ``float_tol``.
"""

import pickle
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

import sklstm.base as sklstm_base
from sklstm import (
    AttentionLSTMRegressor,
    BiLSTMRegressor,
    CIFGLSTMRegressor,
    ConvLSTMRegressor,
    GRURegressor,
    HighwayLSTMRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PanelSplit,
    PeepholeLSTMRegressor,
    QuantizedLSTMRegressor,
    RidgeLagsRegressor,
    SeasonalNaiveRegressor,
    StackedLSTMRegressor,
    Windower,
    forecast_xy,
)
from sklstm._lazy_windows import LazyWindows
from sklstm._training import PANEL_STEP, TailSplit, tail_split

WINDOW = 6


def _table(n_series=5, seed=0):
    """A long table: series of different lengths and levels, one known-ahead covariate."""
    rng = np.random.default_rng(seed)
    frames = []
    for k, length in enumerate(rng.integers(20, 45, n_series)):
        t = np.arange(length)
        level = 10.0 * (k + 1)
        plan = rng.integers(0, 2, length).astype(float)
        units = level + 3 * np.sin(t / 3 + k) + 2 * plan + rng.normal(0, 0.3, length)
        frames.append(pd.DataFrame({"shop": f"s{k}", "day": t, "units": units,
                                    "price": rng.uniform(1, 2, length), "plan": plan}))
    return pd.concat(frames, ignore_index=True)


def _xy(horizon=1, interleave=False):
    """``forecast_xy``'s panel (rows grouped by series), its targets and time stamps;
    ``interleave``: the rows reordered by time, the series interleaved."""
    X, y = forecast_xy(_table(), horizon, target="units", series_id="shop", time="day",
                       past_covariates="price", future_covariates="plan")
    X, y = X.reset_index(drop=True), y.to_numpy()
    stamps = X.groupby("shop", sort=False).cumcount().to_numpy()    # the day of each row
    if interleave:
        order = np.argsort(stamps, kind="stable")
        X, y, stamps = X.iloc[order].reset_index(drop=True), y[order], stamps[order]
    return X, y, stamps


def _dense_reference(X, window, padding, leads):
    """The windows by a loop over each series' rows (the definition, not the code)."""
    ids = X["shop"].to_numpy()
    names = [c for c in X.columns if c != "shop"]
    lead_cols = [c for c in names if "_lead" in c] if leads == "fold" else []
    base = [c for c in names if c not in lead_cols]
    h = len(lead_cols)
    n_channels = len(base) + (2 if h else 0)              # + plan + marker
    out = np.full((len(X), window + h, n_channels), np.nan)
    for shop in pd.unique(ids):
        rows = np.flatnonzero(ids == shop)
        values = X.loc[rows, base].to_numpy(float)
        if h:
            lead1 = X.loc[rows, "plan_lead1"].to_numpy(float)
            current = np.concatenate([lead1[:1], lead1[:-1]])     # value known at each row
            values = np.column_stack([values, current, np.zeros(len(rows))])
        for j, row in enumerate(rows):
            for t in range(window):
                src = j - (window - 1) + t
                if src < 0:
                    out[row, t] = 0.0 if padding == "zero" else values[0]
                else:
                    out[row, t] = values[src]
            if h:
                out[row, window:, len(base)] = X.loc[row, lead_cols].to_numpy(float)
                out[row, window:, -1] = 1.0
    return out


@pytest.mark.parametrize("interleave", [False, True])
@pytest.mark.parametrize("padding", ["edge", "zero"])
@pytest.mark.parametrize("leads", ["keep", "fold"])
def test_windows_equal_their_definition(leads, padding, interleave):
    X, _, _ = _xy(horizon=3, interleave=interleave)
    windows = Windower(WINDOW, series_id="shop", padding=padding,
                       leads=leads).fit_transform(X)
    expected = _dense_reference(X, WINDOW, padding, leads)
    assert isinstance(windows, LazyWindows)
    assert windows.shape == expected.shape and len(windows) == len(X)
    assert windows.dtype == np.float64
    assert_array_equal(np.asarray(windows), expected)


def test_selections_match_numpy_on_the_dense_windows():
    X, _, _ = _xy(horizon=2)
    windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    dense = np.asarray(windows)
    rng = np.random.default_rng(1)
    mask = rng.random(len(X)) < 0.4
    picks = rng.integers(0, len(X), 15)
    keys = [np.s_[3:40:2], mask, picks, list(picks[:4]), np.s_[:, ::-1],
            np.s_[:, :WINDOW, :-1], np.s_[5:9, 1:, [2, 0]], np.s_[..., -1:],
            np.s_[mask, -3:]]
    for key in keys:
        lazy = windows[key]
        assert isinstance(lazy, LazyWindows)                # cut without a copy
        assert_array_equal(np.asarray(lazy), dense[key])
    # an integer on any axis materialises just that selection
    for key in [7, np.s_[:, -1], np.s_[:, :, 0], np.s_[4, 2, 1], np.s_[mask, 0, :]]:
        assert_array_equal(windows[key], dense[key])
    assert_array_equal(windows[mask][picks[:3] % int(mask.sum())],
                       dense[mask][picks[:3] % int(mask.sum())])
    assert_array_equal(windows / 10, dense / 10)            # arithmetic on the dense values
    assert_array_equal(np.isnan(windows), np.isnan(dense))
    assert_array_equal(windows.copy(), dense)
    assert_array_equal(pickle.loads(pickle.dumps(windows[mask])), dense[mask])


@pytest.mark.parametrize("interleave", [False, True])
def test_the_held_out_tail_of_a_panel_is_each_series_latest_rows(interleave, monkeypatch):
    X, y, stamps = _xy(interleave=interleave)
    windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    held = windows.series_tail(0.2)
    for shop in X["shop"].unique():                  # the definition, series by series
        rows = np.flatnonzero(X["shop"].to_numpy() == shop)
        latest = rows[np.argsort(stamps[rows])][len(rows) - round(0.2 * len(rows)):]
        assert_array_equal(np.flatnonzero(held[rows]), np.searchsorted(rows, np.sort(latest)))
    # early stopping validates on those rows, conformal calibration holds them out
    seen = {}

    def watch(dataset, y=None, **kwargs):
        train, valid = TailSplit(0.2)(dataset)
        seen["valid"] = np.asarray(valid.X)
        return train, valid

    model = LSTMRegressor(early_stopping=True, validation_fraction=0.2, **FAST)
    monkeypatch.setattr(sklstm_base, "TailSplit", lambda fraction: watch)
    model.fit(windows, y)
    assert_array_equal(seen["valid"], np.asarray(windows[held]))
    model = LSTMRegressor(conformal=True, calibration_fraction=0.2, **FAST).fit(windows, y)
    assert model.n_calibration_samples_ == held.sum()
    _, stats, _ = model._outputs_in_chunks(windows[held])
    assert_allclose(model._calibration_targets, model._encode_target(y[held], stats),
                    rtol=1e-6)


def test_the_windows_of_one_series_hold_out_the_callers_count_as_dense_ones_do():
    one = _table(n_series=1).drop(columns="shop")
    X, _ = forecast_xy(one, 2, target="units", time="day", past_covariates="price",
                       future_covariates="plan")
    windows = Windower(WINDOW).fit_transform(X)             # folded leads: lazy
    assert isinstance(windows, LazyWindows)
    keep, held, n_held = tail_split(windows, 0.01, 1)       # round(0.01 n) would be 0
    assert n_held == 1 and (keep, held) == (slice(0, len(X) - 1), slice(len(X) - 1, len(X)))


def test_a_row_mask_of_the_wrong_length_is_refused():
    X, _, _ = _xy()
    windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    for error in (IndexError, ValueError):
        with pytest.raises(error, match="one value per window"):
            windows[np.ones(len(X) - 1, dtype=bool)]
    with pytest.raises(IndexError, match="does not add axes"):
        windows[:, None]


def test_an_id_with_nan_in_a_float_table_is_refused():
    table = np.column_stack([[0.0, 0.0, np.nan, 1.0], [1.0, 2.0, 3.0, 4.0]])
    with pytest.raises(ValueError, match="1 missing value.*Fill or drop those rows"):
        Windower(2, series_id=0).fit_transform(table)
    table[2, 0] = 1.0
    table[3, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        Windower(2, series_id=0).fit_transform(table)


def test_the_windows_cost_the_rows_not_the_rows_times_the_window():
    rng = np.random.default_rng(0)
    n, window = 20_000, 64
    table = np.column_stack([np.repeat(np.arange(40), n // 40), rng.normal(size=(n, 2))])
    tracemalloc.start()
    windows = Windower(window, series_id=0).fit_transform(table)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    dense_bytes = n * window * 2 * 8
    assert windows.shape == (n, window, 2)
    # the rows (2 x 8 bytes), two indices (2 x 4) and the factorized ids: ~50 bytes per
    # row, against 1,024 for the dense windows
    assert peak < dense_bytes / 8, (peak, dense_bytes)


# ------------------------------------------------------------------- estimators

FAST = dict(hidden_size=8, max_epochs=3, batch_size=32, random_state=0)


def _same_model(model, windows, y, float_tol, **fit_params):
    """Fit on the lazy windows and on their dense copy; the same forecasts.

    A model that holds out a tail (early stopping, conformal calibration)
    holds out each series' last rows of lazy windows and the last rows of a
    dense array: the dense copy is fitted with the lazy held-out rows moved
    to its end, and the fraction that holds out exactly those rows. A dense
    array does not know its series, so the panel's ``"auto"`` step
    (``lr_``, ``weight_decay_``) is given to the dense copy's model.
    """
    dense = np.asarray(windows)
    from_lazy = model.fit(windows, y, **fit_params).predict(windows)
    step = {key: getattr(model, key + "_") for key in ("lr", "weight_decay")
            if hasattr(model, key + "_")}
    model = clone(model).set_params(**step)
    name = ("calibration_fraction" if getattr(model, "conformal", False) else
            "validation_fraction" if getattr(model, "early_stopping", False) else None)
    if name is None:
        from_dense = model.fit(dense, y, **fit_params).predict(dense)
    else:
        held = windows.series_tail(getattr(model, name))
        order = np.r_[np.flatnonzero(~held), np.flatnonzero(held)]
        # conformal floors fraction * n, early stopping rounds it
        share = (held.sum() + (0.5 if name == "calibration_fraction" else 0)) / len(held)
        params = {key: value[order] for key, value in fit_params.items()}
        dense_model = clone(model).set_params(**{name: share})
        from_dense = dense_model.fit(dense[order], y[order], **params).predict(dense)
    assert_allclose(from_lazy, from_dense, **float_tol(np.float32, np.abs(from_dense).max()))
    return model


@pytest.mark.parametrize("window_norm", [None, "last", "mean", "standard", "relative",
                                         "level", "auto"])
def test_lazy_and_dense_windows_train_the_same_model_in_every_window_norm(
        window_norm, float_tol):
    X, y, _ = _xy()
    windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    _same_model(LSTMRegressor(window_norm=window_norm, **FAST), windows, y, float_tol)


@pytest.mark.parametrize("model", [
    GRURegressor(conformal=True, **FAST),
    CIFGLSTMRegressor(early_stopping=True, n_iter_no_change=1, **FAST),
    StackedLSTMRegressor(missing="mask", **FAST),
    ConvLSTMRegressor(**FAST),
    LSTMRegressor(quantiles=(0.1, 0.5, 0.9), loss="absolute_error", **FAST),
    LSTMRegressor(loss="poisson", **FAST),
    BiLSTMRegressor(**FAST),
    PeepholeLSTMRegressor(**FAST),
    NestedLSTMRegressor(**FAST),
    HighwayLSTMRegressor(**FAST),
    AttentionLSTMRegressor(**FAST),
    QuantizedLSTMRegressor(**FAST),
    SeasonalNaiveRegressor(season_length=5),
    RidgeLagsRegressor(),
], ids=lambda m: type(m).__name__)
def test_lazy_and_dense_windows_train_the_same_model_for_each_family(model, float_tol):
    X, y, _ = _xy(horizon=2)
    if isinstance(model, ConvLSTMRegressor):        # no known-future steps: plain windows
        windows = Windower(WINDOW, series_id="shop", leads="keep").fit_transform(X)
    else:
        windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    fit_params = {}
    if getattr(model, "missing", None) == "mask":
        X = X.copy()
        X.loc[X.index[::9], "price"] = np.nan
        windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    else:
        fit_params["sample_weight"] = np.linspace(0.5, 1.5, len(X))
    if isinstance(model, (SeasonalNaiveRegressor, RidgeLagsRegressor)):
        fit_params = {}
    _same_model(model, windows, y, float_tol, **fit_params)
    if getattr(model, "conformal", False) or getattr(model, "quantiles", None) \
            or isinstance(model, (SeasonalNaiveRegressor, RidgeLagsRegressor)):
        dense = np.asarray(windows)
        lazy_iv = model.predict_interval(windows, coverage=0.8)
        dense_iv = model.predict_interval(dense, coverage=0.8)
        assert_allclose(lazy_iv, dense_iv, **float_tol(np.float32, np.abs(dense_iv).max()))


def test_partial_fit_on_lazy_windows_equals_partial_fit_on_their_copy(float_tol):
    X, y, _ = _xy()
    windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    half = len(X) // 2
    lr, weight_decay = PANEL_STEP                       # what "auto" gives panel windows
    lazy = LSTMRegressor(**FAST)
    dense = LSTMRegressor(lr=lr, weight_decay=weight_decay, **FAST)
    for rows in (slice(0, half), slice(half, None)):
        lazy.partial_fit(windows[rows], y[rows])
        dense.partial_fit(np.asarray(windows[rows]), y[rows])
    expected = dense.predict(np.asarray(windows))
    assert_allclose(lazy.predict(windows), expected,
                    **float_tol(np.float32, np.abs(expected).max()))


def test_pipeline_search_and_cross_validation_with_panel_split():
    X, y, stamps = _xy(interleave=True)
    pipe = Pipeline([("win", Windower(WINDOW, series_id="shop")),
                     ("m", LSTMRegressor(**FAST))])
    scores = cross_validate(pipe, X, y, groups=stamps, cv=PanelSplit(3, test_size=4))
    assert np.isfinite(scores["test_score"]).all()
    # windowed first, then split: the folds cut the lazy windows without a copy
    windows = Windower(WINDOW, series_id="shop").fit_transform(X)
    search = GridSearchCV(LSTMRegressor(**FAST), {"hidden_size": [4, 8]},
                          cv=PanelSplit(2, test_size=4)).fit(windows, y, groups=stamps)
    assert search.best_params_["hidden_size"] in (4, 8)
    assert np.isfinite(search.predict(windows)).all()
