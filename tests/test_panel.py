"""Acceptance of issue 14 on a small retail panel: one global model over many series.

Every test builds ``(X, y)`` with ``forecast_xy`` on the long table of
``make_retail_panel`` and windows it with ``Windower(series_id=...)``; the last
``N_TEST`` forecast origins of every series are held out, and their windows
are cut from the whole table, so they carry their real history. The last
``N_UNSEEN`` series are never fitted on. The margins were measured over seeds
0-9 (of the panel and of the model) once; the worst case is written next to
each threshold. ``benchmarks/panel.py`` runs the same comparisons at full
scale (40 to 1,000 series of 730 days).
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline

from sklstm import LSTMRegressor, SeasonalNaiveRegressor, Windower, forecast_xy
from sklstm.datasets import make_retail_panel
from sklstm.metrics import mase
from sklstm.registry import VARIANTS

N_SERIES, N_UNSEEN, N_DAYS, N_TEST, WINDOW, SEASON = 12, 3, 200, 30, 14, 7
#: Less noise and a narrower spread of levels than make_retail_panel's defaults, so
#: that 30 test days of 12 series measure the promotions (see the tests' docstrings).
PANEL = {"noise": 0.05, "level_spread": 10.0, "promo_rate": 0.06}
#: The panel setting of docs/panels.rst (window_norm="standard" on the target channel
#: only), with a batch size and epochs for 2,000 training windows, and the step the
#: margins were measured with (lr="auto" now takes 0.001 with weight decay on panels).
MODEL = {"window_norm": "standard", "window_norm_channels": "target", "batch_size": 32,
         "max_epochs": 50, "n_iter_no_change": None, "lr": 0.01, "weight_decay": 0.0}


def make_panel(seed):
    return make_retail_panel(N_SERIES + N_UNSEEN, N_DAYS, **PANEL, random_state=seed)


def panel_xy(panel, future=("promo",)):
    columns = ["series_id", "date", "sales", *future]
    return forecast_xy(panel[columns], 1, target="sales", series_id="series_id",
                       time="date", future_covariates=list(future) or None)


class Split:
    """Windows of the whole table, with row masks: training, test, fitted series."""

    def __init__(self, panel, X=None, y=None, future=("promo",)):
        if X is None:
            X, y = panel_xy(panel, future)
        self.X = X
        self.windows = Windower(window=WINDOW, series_id="series_id").fit_transform(X)
        self.y = y.to_numpy()[:, 0]
        self.ids = X["series_id"].to_numpy()
        origin = panel.loc[X.index, "date"]
        self.test = (origin > origin.max() - pd.Timedelta(days=N_TEST)).to_numpy()
        self.seen = np.isin(self.ids, pd.unique(self.ids)[:N_SERIES])
        # each series' first WINDOW - 1 windows are padded: not trained on
        padded = X.groupby("series_id", sort=False).cumcount().to_numpy() < WINDOW - 1
        self.train = ~self.test & self.seen & ~padded
        next_promo = panel.groupby("series_id", sort=False)["promo"].shift(-1)
        self.promo_day = (next_promo.loc[X.index] == 1).to_numpy()

    def fit(self, model, **fit_params):
        return model.fit(self.windows[self.train], self.y[self.train], **fit_params)

    def mean_mase(self, y_pred, rows):
        """Mean over the series of ``rows`` of the MASE (season 7) of ``y_pred[rows]``."""
        values = []
        for series in pd.unique(self.ids[rows]):
            own = self.ids == series
            values.append(mase(self.y[rows & own], y_pred[rows & own],
                               self.y[own & ~self.test], season_length=SEASON))
        return np.mean(values)


def seasonal_naive(split):
    return SeasonalNaiveRegressor(SEASON).fit(split.windows[:1], split.y[:1]).predict(
        split.windows)


def panel_model(seed, **params):
    return LSTMRegressor(**{**MODEL, "random_state": seed, **params})


@pytest.fixture(scope="module")
def fitted():
    """The panel of seed 0 and the global model with the promotion's lead."""
    panel = make_panel(0)
    split = Split(panel)
    model = split.fit(panel_model(0))
    return panel, split, model, model.predict(split.windows)


# ----------------------------------------------------------------- measured


def future_covariate_rmse(seed, panel=None, with_promo=None):
    """Promotion-day test RMSE: with the promo lead, without it, shifted the wrong way."""
    panel = make_panel(seed) if panel is None else panel
    wrong = panel.assign(promo=panel.groupby("series_id", sort=False)["promo"]
                         .shift(1).fillna(0))          # lead1 holds day t, not t + 1
    right = Split(panel)
    rows = right.test & right.seen & right.promo_day
    rmse = {}
    for name, split in [("with", right), ("without", Split(panel, future=())),
                        ("wrong", Split(wrong))]:
        if name == "with" and with_promo is not None:
            y_pred = with_promo
        else:
            y_pred = split.fit(panel_model(seed)).predict(split.windows)
        rmse[name] = root_mean_squared_error(right.y[rows], y_pred[rows])
    return rmse


def global_mase(seed, split=None, y_pred=None):
    """Mean MASE of the global model and of the seasonal naive, seen and unseen series."""
    if split is None:
        split = Split(make_panel(seed))
        y_pred = split.fit(panel_model(seed)).predict(split.windows)
    naive = seasonal_naive(split)
    scores = {}
    for name, rows in [("seen", split.test & split.seen), ("unseen", split.test & ~split.seen)]:
        scores[name] = split.mean_mase(y_pred, rows)
        scores[name + " naive"] = split.mean_mase(naive, rows)
    return scores


def with_gaps(panel, fraction, seed, leads=True):
    """``fraction`` of the sales (target and input channel 0), and of the promo leads, NaN."""
    rng = np.random.RandomState(seed)
    gappy = panel.assign(sales=panel["sales"].mask(rng.uniform(size=len(panel)) < fraction))
    X, y = panel_xy(gappy)
    if leads:
        X["promo_lead1"] = X["promo_lead1"].astype(float).mask(rng.uniform(size=len(X))
                                                               < fraction)
    return X, y


def missing_ratio(seed, panel=None, complete=None, leads=True):
    """Test RMSE (true values) of missing="mask" on gappy data over the complete fit's."""
    panel = make_panel(seed) if panel is None else panel
    split = Split(panel)
    if complete is None:
        complete = split.fit(panel_model(seed)).predict(split.windows)
    gappy = Split(panel, *with_gaps(panel, 0.1, seed + 100, leads=leads))
    rows = split.test & split.seen
    y_pred = gappy.fit(panel_model(seed, missing="mask")).predict(gappy.windows[rows])
    return (root_mean_squared_error(split.y[rows], y_pred)
            / root_mean_squared_error(split.y[rows], complete[rows])), y_pred


def weighted_rmse(seed):
    """A block of corrupted targets (5 times too high): weight 0, dropped, kept.

    The Pipeline windows the training rows itself, so it gets every row of
    the fitted series up to the test period; its padded first windows get
    weight 0 too, as the other fits leave them out.
    """
    panel = make_panel(seed)
    split = Split(panel)
    day = (panel.loc[split.X.index, "date"] - panel["date"].min()).dt.days.to_numpy()
    block = split.train & (day >= 60) & (day < 110)
    y_bad = np.where(block, 5 * split.y, split.y)
    rows = split.test & split.seen
    history = ~split.test & split.seen                   # split.train and the padded rows
    weight = np.where(block | ~split.train, 0.0, 1.0)
    pipe = Pipeline([("win", Windower(window=WINDOW, series_id="series_id")),
                     ("model", panel_model(seed))])
    pipe.fit(split.X[history], y_bad[history], model__sample_weight=weight[history])
    rmse = {"weight 0": root_mean_squared_error(
        split.y[rows], pipe[-1].predict(split.windows[rows]))}
    for name, keep, target in [("dropped", split.train & ~block, split.y),
                               ("kept", split.train, y_bad)]:
        model = panel_model(seed).fit(split.windows[keep], target[keep])
        rmse[name] = root_mean_squared_error(split.y[rows], model.predict(split.windows[rows]))
    return rmse


# -------------------------------------------------------------------- tests


def variant_params(name):
    params = {"max_epochs": 1, "random_state": 0}
    defaults = VARIANTS[name]().get_params()
    if "hidden_size" in defaults:
        params["hidden_size"] = 4
    if "hidden_channels" in defaults:
        params["hidden_channels"] = 2
    return params


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_variant_fits_panel_windows_and_predicts_unseen_series(name):
    panel = make_retail_panel(4, 40, random_state=0)
    if name == "tree":
        pytest.importorskip("dgl", reason="needs the tree extra: "
                                          "pip install -c constraints.txt -e '.[tree]'")
        # A Tree-LSTM reads channel j as node j of a hierarchy: on a panel
        # window it takes the target alone (the root of a one-node tree), no
        # covariate channel, and it has no missing="mask".
        X, y = panel_xy(panel, future=())
    else:
        # every role: past and future price, the promotion's lead, the category code
        panel = panel.assign(category=panel["category"].str[1:].astype(float))
        X, y = forecast_xy(panel, 1, target="sales", series_id="series_id", time="date",
                           past_covariates="price", future_covariates=["promo", "price"],
                           static_covariates="category")
    # ConvLSTM reads channels as a grid: the promotion's and price's leads stay
    # plain channels; every other variant decodes them over one future step
    leads = "keep" if name == "convlstm" else "fold"
    windows = Windower(window=7, series_id="series_id", leads=leads).fit_transform(X)
    # sales, price, category, then promo and price at each step and the marker
    expected = {"tree": (7, 1), "convlstm": (7, 5)}.get(name, (7 + 1, 6))
    assert windows.shape == (len(X), *expected)
    fitted_rows = X["series_id"].isin(["p0", "p1", "p2"]).to_numpy()
    model = VARIANTS[name](**variant_params(name))
    model.fit(windows[fitted_rows], y[fitted_rows])
    y_pred = model.predict(windows)             # series p3 was never fitted on
    assert y_pred.shape == y.shape and np.isfinite(y_pred).all()


def test_future_covariates_are_aligned_and_used(fitted):
    """The promotion's lead column is used, on the day it is for.

    Measured over seeds 0-9: promotion-day RMSE with the lead over without
    it, 0.31-0.54 (seed 0: 0.45; the issue's target is 0.5, and
    benchmarks/panel.py measures it on 40 series); shifted one day the wrong
    way (lead1 then holds the day the window ends) over aligned, 1.59-2.57.
    """
    panel, _, _, y_pred = fitted
    rmse = future_covariate_rmse(0, panel, with_promo=y_pred)
    assert rmse["with"] <= 0.6 * rmse["without"], rmse        # worst seed 0.54
    assert rmse["wrong"] >= 1.4 * rmse["with"], rmse          # worst seed 1.59


def test_global_model_beats_seasonal_naive_on_seen_and_unseen_series(fitted):
    """One model over 12 series; 3 more series only at predict time.

    Measured over seeds 0-9, mean MASE over that of the weekly seasonal
    naive forecast of each series: 0.24-0.37 on the fitted series, 0.19-0.56
    on the unseen ones.
    """
    _, split, _, y_pred = fitted
    scores = global_mase(0, split, y_pred)
    assert scores["seen"] < 0.5 * scores["seen naive"], scores        # worst seed 0.37
    assert scores["unseen"] < 0.7 * scores["unseen naive"], scores    # worst seed 0.56


def test_missing_mask_through_gaps_on_the_panel(fitted):
    """10 % of the sales and of the promo leads NaN at random, in training and test.

    Scored on the true values. Measured over seeds 0-9: test RMSE over that
    of the same model fitted on the complete data, 1.35-2.33 (seed 0: 1.41);
    with gaps in the sales only, 0.96-1.54. A missing promotion lead is
    information lost on the day it is for; the issue's 1.15 is not reached
    at this scale (benchmarks/panel.py measures it on 40 series).
    """
    panel, _, _, y_pred = fitted
    ratio, y_gap = missing_ratio(0, panel, y_pred)
    assert np.isfinite(y_gap).all()
    assert ratio <= 2.5, ratio                                     # worst seed 2.33


def test_missing_values_in_panel_windows_need_mask(fitted):
    panel, _, model, _ = fitted
    X, _ = with_gaps(panel, 0.1, 0)
    windows = Windower(window=WINDOW, series_id="series_id").fit_transform(X)
    with pytest.raises(ValueError, match="missing='mask'"):
        model.predict(windows)


def test_sample_weights_through_a_pipeline_remove_corrupted_rows():
    """Weight 0 on a block of targets recorded 5 times too high.

    Measured over seeds 0-9, test RMSE over that of the fit without the
    block's rows: 0.91-1.30 with weight 0 through the Pipeline, 10.0-20.2
    with the block kept at weight 1.
    """
    rmse = weighted_rmse(0)
    assert rmse["weight 0"] <= 1.5 * rmse["dropped"], rmse     # worst seed 1.30
    assert rmse["kept"] >= 5.0 * rmse["dropped"], rmse         # worst seed 10.0
