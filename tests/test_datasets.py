import numpy as np
import pandas as pd
import pytest

from sklstm import datasets
from sklstm.hierarchy import Hierarchy


@pytest.mark.parametrize("name, length, column", [
    ("sunspots", 309, "sunactivity"),
    ("elec_equip", 257, "index"),
    ("nile", 100, "volume"),
    ("macrodata", 203, "realgdp"),
])
def test_bundled_series_load_without_download(name, length, column):
    frame = datasets.load_series(name)
    assert len(frame) == length
    assert column in frame.columns and datasets.DATASETS[name][0] == column
    assert isinstance(frame.index, pd.DatetimeIndex) and frame.index.is_monotonic_increasing
    assert np.isfinite(frame.to_numpy()).all()


def test_known_values():
    # spot checks against the published series
    assert datasets.load_sunspots().loc["1700-01-01"] == 5.0
    assert datasets.load_nile().iloc[0] == 1120.0
    assert datasets.load_elec_equip().iloc[0] == pytest.approx(66.19)
    assert datasets.load_macrodata()["realgdp"].iloc[0] == pytest.approx(2710.349)


def test_unknown_dataset_lists_the_choices():
    with pytest.raises(ValueError, match="Unknown dataset 'co2'; bundled datasets are"):
        datasets.load_series("co2")


def test_seasonal_generator_is_seeded_and_periodic():
    a = datasets.make_seasonal_series(240, period=12, noise=0.0, random_state=0)
    b = datasets.make_seasonal_series(240, period=12, noise=0.0, random_state=0)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a[12:], a[:-12], atol=1e-9)
    trended = datasets.make_seasonal_series(240, trend=5.0, noise=0.0, random_state=0)
    assert trended[-12:].mean() - trended[:12].mean() == pytest.approx(5.0 * 228 / 240)
    assert datasets.make_seasonal_series(50, n_features=3, random_state=0).shape == (50, 3)


@pytest.mark.parametrize("kwargs, message", [
    ({"n_samples": 0}, r"make_seasonal_series: invalid value n_samples=0; expected an int "
                       r"in \[1, inf\]\.$"),
    ({"period": 0}, r"make_seasonal_series: invalid value period=0; expected a float in "
                    r"\(0, inf\) \(the seasonal period in samples\)\.$"),
    ({"period": "12"}, r"invalid value period='12'; expected a float"),
    ({"noise": -0.1}, r"invalid value noise=-0\.1; expected a float in \[0, inf\]"),
    ({"n_features": 1.5}, r"invalid value n_features=1\.5; expected an int in \[1, inf\]"),
])
def test_seasonal_generator_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.make_seasonal_series(**kwargs)


def test_moving_blobs_move_in_a_straight_line():
    X, y = datasets.make_moving_blobs(50, n_timesteps=5, grid=24, sigma=1.0, speed=1.0,
                                      random_state=0)
    assert X.shape == (50, 5, 24, 24) and y.shape == (50, 24, 24)
    again, _ = datasets.make_moving_blobs(50, n_timesteps=5, grid=24, sigma=1.0,
                                          random_state=0)
    np.testing.assert_array_equal(X, again)
    frames = np.concatenate([X, y[:, np.newaxis]], axis=1)              # (50, 6, 24, 24)
    grid = np.arange(24.0)
    mass = frames.sum(axis=(2, 3))
    rows = (frames.sum(axis=3) * grid).sum(axis=2) / mass                 # blob centres
    cols = (frames.sum(axis=2) * grid).sum(axis=2) / mass
    # the centre of mass is the blob's centre where the grid holds its tails
    inside = ((np.minimum(rows, cols) > 4) & (np.maximum(rows, cols) < 19)).all(axis=1)
    assert inside.sum() > 10
    rows, cols = rows[inside], cols[inside]
    step = np.hypot(np.diff(rows, axis=1), np.diff(cols, axis=1))         # cells per step
    np.testing.assert_allclose(step, 1.0, atol=1e-3)
    heading = np.arctan2(np.diff(rows, axis=1), np.diff(cols, axis=1))
    np.testing.assert_allclose(np.angle(np.exp(1j * (heading - heading[:, :1]))), 0.0,
                               atol=1e-3)                                 # a straight line
    noisy, clean = datasets.make_moving_blobs(50, n_timesteps=5, grid=24, sigma=1.0,
                                              noise=0.5, random_state=0)
    assert 0.45 < np.std(noisy - X) < 0.55                                # noise on inputs
    np.testing.assert_array_equal(clean, y)                               # not on targets


@pytest.mark.parametrize("kwargs, message", [
    ({"n_samples": 0}, r"make_moving_blobs: invalid value n_samples=0; expected an int "
                       r"in \[1, inf\]\.$"),
    ({"sigma": 0.0}, r"invalid value sigma=0\.0; expected a float in \(0, inf\)"),
    ({"speed": -1.0}, r"invalid value speed=-1\.0; expected a float in \[0, inf\]"),
    ({"grid": 8.0}, r"invalid value grid=8\.0; expected an int in \[1, inf\]"),
])
def test_moving_blobs_check_their_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.make_moving_blobs(**kwargs)


def test_hierarchical_sales_sum_up_and_are_seeded():
    sales, h = datasets.make_hierarchical_sales(3, 4, n_periods=400, random_state=0)
    again, _ = datasets.make_hierarchical_sales(3, 4, n_periods=400, random_state=0)
    pd.testing.assert_frame_equal(sales, again)
    assert isinstance(h, Hierarchy)
    assert list(sales.columns) == list(h.nodes) and sales.shape == (400, 16)
    assert h.levels == ("total", "category", "product") and h.n_leaves == 12
    assert [h.level_of(name) for name in ["total", "c2", "c2_p3"]] == \
        ["total", "category", "product"]
    assert isinstance(sales.index, pd.DatetimeIndex) and sales.index.freq == "D"
    values = sales.to_numpy()
    np.testing.assert_allclose(values, h.aggregate(values[:, h.leaves]), rtol=1e-12)
    # weekly seasonality: the total's day-of-week means differ beyond noise
    weekday = sales["total"].groupby(sales.index.day_of_week).mean()
    assert weekday.max() / weekday.min() > 1.1
    counts, _ = datasets.make_hierarchical_sales(2, 2, n_periods=50, nonnegative=True,
                                                 random_state=1)
    assert (counts.to_numpy() >= 0).all()
    np.testing.assert_array_equal(counts.to_numpy(), np.round(counts.to_numpy()))


def test_hierarchical_sales_shocks_and_promotions_follow_their_rates():
    # no shocks, promotions or noise: each product is its smooth mean, so its log
    # change from the same weekday a week before is small; with many shocks it jumps
    calm, h = datasets.make_hierarchical_sales(2, 2, n_periods=400, shock_rate=0.0,
                                               promo_rate=0.0, noise=0.0, random_state=0)
    shaky, _ = datasets.make_hierarchical_sales(2, 2, n_periods=400, shock_rate=0.5,
                                                promo_rate=0.0, noise=0.0, random_state=0)
    weekly = [np.abs(np.log(frame.iloc[7:, h.leaves].to_numpy())
                     - np.log(frame.iloc[:-7, h.leaves].to_numpy())).max()
              for frame in (calm, shaky)]
    # seeds 0-4: calm 0.14-0.18, shaky 1.58-2.06
    assert weekly[0] < 0.25 and weekly[1] > 1.0, weekly
    promoted, _ = datasets.make_hierarchical_sales(2, 2, n_periods=400, shock_rate=0.0,
                                                   promo_rate=0.2, noise=0.0, random_state=0)
    assert (promoted.to_numpy() > calm.to_numpy() * 1.2).any()


@pytest.mark.parametrize("kwargs, message", [
    ({"n_categories": 0}, r"make_hierarchical_sales: invalid value n_categories=0; "
                          r"expected an int in \[1, inf\]\.$"),
    ({"n_periods": 10.0}, r"invalid value n_periods=10\.0; expected an int in \[1, inf\]"),
    ({"shock_rate": 1.5}, r"make_hierarchical_sales: invalid value shock_rate=1\.5; "
                          r"expected a float in \[0, 1\] \(a daily probability\)\.$"),
    ({"promo_rate": 2}, r"invalid value promo_rate=2; expected a float in \[0, 1\] "
                        r"\(a daily probability\)"),
    ({"weekly": -0.3}, r"invalid value weekly=-0\.3; expected a float in \[0, inf\]"),
    ({"noise": float("nan")}, r"invalid value noise=nan; expected a float in \[0, inf\]"),
    ({"nonnegative": "yes"}, r"invalid value nonnegative='yes'; expected one of True, "
                             r"False\.$"),
])
def test_hierarchical_sales_check_their_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.make_hierarchical_sales(**kwargs)


def test_us_employment_is_a_real_hierarchy():
    employment, hierarchy = datasets.load_us_employment()
    assert isinstance(hierarchy, Hierarchy)             # the same pair as the sales
    assert employment.shape == (120, 20) and list(employment.columns) == list(hierarchy.nodes)
    assert employment.loc["2006-01-01", "nonfarm"] == 135450.0
    assert hierarchy.n_leaves == 15 and hierarchy.depths.max() == 3
    assert hierarchy.levels == ("total", "domain", "supersector", "sector")
    values = employment.to_numpy()
    gap = np.abs(hierarchy.aggregate(values[:, hierarchy.leaves]) - values)
    assert gap.max() < 0.51                       # one-decimal parts of a rounded total
    goods = list(hierarchy.nodes).index("goods_producing")
    assert gap[:, goods].max() <= 1e-12 * values[:, goods].max()   # an exact sum
    full = datasets.load_series("us_employment")
    assert full.shape == (120, 23) and datasets.DATASETS["us_employment"] == ("nonfarm", 12)


# ------------------------------------------------------------------ retail panel


def test_retail_panel_layout_is_a_seeded_long_table():
    panel = datasets.make_retail_panel(5, 30, n_categories=2, random_state=0)
    pd.testing.assert_frame_equal(panel,
                                  datasets.make_retail_panel(5, 30, n_categories=2,
                                                             random_state=0))
    other = datasets.make_retail_panel(5, 30, n_categories=2, random_state=1)
    assert not np.allclose(panel["sales"], other["sales"])
    assert list(panel.columns) == ["series_id", "date", "sales", "price", "promo", "category"]
    assert panel.shape == (150, 6) and panel.index.equals(pd.RangeIndex(150))
    assert list(pd.unique(panel["series_id"])) == ["p0", "p1", "p2", "p3", "p4"]
    assert pd.api.types.is_datetime64_any_dtype(panel["date"])
    assert panel["sales"].dtype == panel["price"].dtype == np.float64
    assert panel["promo"].dtype == np.int64 and set(panel["promo"]) <= {0, 1}
    for _, rows in panel.groupby("series_id"):     # rows: product, then day by day
        assert (rows["date"].diff().iloc[1:] == pd.Timedelta(days=1)).all()
        assert rows["date"].iloc[0] == pd.Timestamp("2022-01-01")
        assert rows["category"].nunique() == 1       # a static
    assert sorted(panel.groupby("series_id")["category"].first()) == ["c0", "c0", "c0",
                                                                     "c1", "c1"]
    assert (panel["sales"] > 0).all() and (panel["price"] >= 0.01).all()
    assert list(datasets.make_retail_panel(12, 2, random_state=0)["series_id"][:2]) == \
        ["p00", "p00"]
    assert datasets.make_retail_panel(1, 3, start="2024-02-28")["date"].iloc[-1] == \
        pd.Timestamp("2024-03-01")


def test_retail_panel_follows_its_formula():
    plain = dict(weekly=0.0, yearly=0.0, noise=0.0, random_state=0)
    # levels alone: constant per product, log-spaced from level to level * level_spread
    flat = datasets.make_retail_panel(6, 40, promo_rate=0.0, price_elasticity=0.0,
                                      level=10.0, level_spread=100.0, **plain)
    by_product = flat.groupby("series_id")["sales"]
    np.testing.assert_allclose(by_product.std(), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.sort(by_product.mean()), 10.0 * 100.0 ** np.linspace(0, 1, 6),
                               rtol=1e-12)
    # promotions multiply by promo_lift exactly
    promoted = datasets.make_retail_panel(6, 40, promo_rate=0.1, price_elasticity=0.0,
                                          promo_lift=1.8, **plain)
    assert 0.1 < promoted["promo"].mean() < 0.6
    np.testing.assert_allclose(promoted["sales"] / flat["sales"],
                               np.where(promoted["promo"] == 1, 1.8, 1.0), rtol=1e-12)
    # price: sales * price ** elasticity is constant per product
    priced = datasets.make_retail_panel(6, 400, promo_rate=0.0, price_elasticity=2.0, **plain)
    assert (priced.groupby("series_id")["price"].nunique() > 1).any()   # prices changed
    kept = (priced["sales"] * priced["price"] ** 2).groupby(priced["series_id"])
    np.testing.assert_allclose(kept.std() / kept.mean(), 0.0, atol=1e-12)


def test_retail_panel_defaults_show_spread_lift_and_seasons():
    panel = datasets.make_retail_panel(random_state=0)
    assert panel.shape == (40 * 730, 6)
    mean = panel.groupby("series_id")["sales"].mean()
    # seeds 0-9: 83-152 (the level spread of 100 times price and season effects)
    assert 50 < mean.max() / mean.min() < 300
    lift = panel.groupby(["series_id", "promo"])["sales"].mean().unstack()
    # seeds 0-9: median lift 1.78-1.85
    assert 1.7 < (lift[1] / lift[0]).median() < 1.9
    weekday = panel.groupby(["series_id", panel["date"].dt.day_of_week])["sales"].mean()
    month = panel.groupby(["series_id", panel["date"].dt.month])["sales"].mean()
    # seeds 0-9: every product's weekday means spread >= 1.45, monthly means >= 1.24
    assert (weekday.groupby(level=0).max() / weekday.groupby(level=0).min()).min() > 1.3
    assert (month.groupby(level=0).max() / month.groupby(level=0).min()).min() > 1.15


def test_retail_panel_closed_days_and_zero_sales():
    base = datasets.make_retail_panel(10, 400, random_state=3)
    assert not base["sales"].isna().any() and not (base["sales"] == 0).any()
    gaps = datasets.make_retail_panel(10, 400, closed_rate=0.1, zero_rate=0.05, random_state=3)
    closed = gaps["sales"].isna()
    by_day = closed.groupby(gaps["date"]).mean()
    assert set(by_day) == {0.0, 1.0}                   # a closed day closes every product
    assert 0.05 < by_day.mean() < 0.15
    zero = gaps["sales"] == 0
    assert 0.03 < zero.mean() < 0.07
    other = ~closed & ~zero                            # everything else is unchanged
    pd.testing.assert_series_equal(gaps["sales"][other], base["sales"][other])
    pd.testing.assert_frame_equal(gaps.drop(columns="sales"), base.drop(columns="sales"))


@pytest.mark.parametrize("kwargs, message", [
    ({"n_series": 0}, r"make_retail_panel: invalid value n_series=0; expected an int in "
                      r"\[1, inf\]\.$"),
    ({"n_days": 10.0}, r"invalid value n_days=10\.0; expected an int in \[1, inf\]"),
    ({"level": 0.0}, r"invalid value level=0\.0; expected a float in \(0, inf\) \(the "
                     r"smallest product's mean daily sales\)"),
    ({"level_spread": 0.5}, r"invalid value level_spread=0\.5; expected a float in \[1, inf\] "
                            r"\(the largest product's level over the smallest's\)"),
    ({"weekly": 1.0}, r"invalid value weekly=1\.0; expected a float in \[0, 1\) \(keeps the "
                      r"factor 1 \+ amplitude \* profile positive\)"),
    ({"promo_rate": 1.5}, r"invalid value promo_rate=1\.5; expected a float in \[0, 1\] "
                          r"\(a daily probability\)"),
    ({"promo_lift": -1}, r"invalid value promo_lift=-1; expected a float in \(0, inf\) "
                         r"\(1 is no effect\)"),
    ({"closed_rate": 1.0}, r"invalid value closed_rate=1\.0; expected a float in \[0, 1\) "
                           r"\(a daily probability; 1 closes every day\)"),
    ({"noise": float("nan")}, r"invalid value noise=nan; expected a float in \[0, inf\]"),
    ({"start": "someday"}, r"make_retail_panel: invalid value start='someday'; expected a "
                           r"date such as '2022-01-01'\.$"),
])
def test_retail_panel_checks_its_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.make_retail_panel(**kwargs)
