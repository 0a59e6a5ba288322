import numpy as np
import pandas as pd
import pytest

from sklstm import datasets


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
    with pytest.raises(ValueError, match="n_samples must be an int >= 1"):
        datasets.make_seasonal_series(0)


def test_hierarchical_sales_sum_up_and_are_seeded():
    from sklstm.tree import Hierarchy

    sales, levels = datasets.make_hierarchical_sales(3, 4, n_periods=400, random_state=0)
    again, _ = datasets.make_hierarchical_sales(3, 4, n_periods=400, random_state=0)
    pd.testing.assert_frame_equal(sales, again)
    h = Hierarchy.from_levels(levels)
    assert list(sales.columns) == list(h.nodes) and sales.shape == (400, 16)
    assert list(levels.columns) == ["category", "product"] and len(levels) == 12
    assert isinstance(sales.index, pd.DatetimeIndex) and sales.index.freq == "D"
    values = sales.to_numpy()
    np.testing.assert_allclose(values, values[:, h.leaves] @ h.S.T, rtol=1e-12)
    # weekly seasonality: the total's day-of-week means differ beyond noise
    weekday = sales["total"].groupby(sales.index.day_of_week).mean()
    assert weekday.max() / weekday.min() > 1.1
    counts, _ = datasets.make_hierarchical_sales(2, 2, n_periods=50, nonnegative=True,
                                                 random_state=1)
    assert (counts.to_numpy() >= 0).all()
    np.testing.assert_array_equal(counts.to_numpy(), np.round(counts.to_numpy()))
    with pytest.raises(ValueError, match="n_categories must be an int >= 1, got 0"):
        datasets.make_hierarchical_sales(0)
    with pytest.raises(ValueError, match=r"promo_rate is a daily probability and must be in "
                                         r"\[0, 1\], got 2"):
        datasets.make_hierarchical_sales(promo_rate=2)


def test_us_employment_is_a_real_hierarchy():
    employment, hierarchy = datasets.load_us_employment()
    assert employment.shape == (120, 20) and list(employment.columns) == list(hierarchy.nodes)
    assert employment.loc["2006-01-01", "nonfarm"] == 135450.0
    assert hierarchy.n_leaves == 15 and hierarchy.levels.max() == 3
    values = employment.to_numpy()
    gap = np.abs(values[:, hierarchy.leaves] @ hierarchy.S.T - values)
    assert gap.max() < 0.51                       # one-decimal parts of a rounded total
    assert gap[:, list(hierarchy.nodes).index("goods_producing")].max() == 0.0
    full = datasets.load_series("us_employment")
    assert full.shape == (120, 23) and datasets.DATASETS["us_employment"] == ("nonfarm", 12)
