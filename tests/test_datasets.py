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
