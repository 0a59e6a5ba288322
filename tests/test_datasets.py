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
