"""Bundled real series (no download) and synthetic generators.

The real series ship inside the package as CSV files under ``sklstm/data``;
each file opens with a comment that states its source.

=============  =========  ======  ==========================================
name           frequency  length  what
=============  =========  ======  ==========================================
``sunspots``   yearly     309     mean sunspot number, 1700-2008
``elec_equip`` monthly    257     euro-area electrical equipment turnover
``nile``       yearly     100     Nile flow at Aswan, 1871-1970
``macrodata``  quarterly  203     US real GDP, consumption, CPI, ... 1959-2009
=============  =========  ======  ==========================================
"""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

__all__ = [
    "DATASETS",
    "load_series",
    "load_sunspots",
    "load_elec_equip",
    "load_nile",
    "load_macrodata",
    "make_seasonal_series",
]

#: Bundled series: name -> (default target column, seasonal period).
DATASETS = {
    "sunspots": ("sunactivity", 11),
    "elec_equip": ("index", 12),
    "nile": ("volume", 1),
    "macrodata": ("realgdp", 4),
}


def load_series(name):
    """Load a bundled series as a DataFrame indexed by date.

    Parameters
    ----------
    name : {"sunspots", "elec_equip", "nile", "macrodata"}
        Which series.

    Returns
    -------
    frame : pandas.DataFrame
        One row per period, a ``DatetimeIndex`` named ``date``, float columns.

    Examples
    --------
    >>> from sklstm.datasets import load_series
    >>> load_series("sunspots").shape
    (309, 1)
    """
    if name not in DATASETS:
        raise ValueError(
            f"Unknown dataset {name!r}; bundled datasets are {sorted(DATASETS)}."
        )
    with resources.files("sklstm").joinpath("data", f"{name}.csv").open() as f:
        frame = pd.read_csv(f, comment="#", parse_dates=["date"], index_col="date")
    return frame.astype(np.float64)


def load_sunspots():
    """Yearly mean sunspot number, 1700-2008, as a Series (NOAA NGDC).

    Returns
    -------
    series : pandas.Series of shape (309,)
    """
    return load_series("sunspots")["sunactivity"]


def load_elec_equip():
    """Monthly euro-area electrical equipment turnover index (Eurostat).

    Returns
    -------
    series : pandas.Series of shape (257,)
    """
    return load_series("elec_equip")["index"]


def load_nile():
    """Yearly Nile flow at Aswan, 1871-1970 (Cobb 1978).

    Returns
    -------
    series : pandas.Series of shape (100,)
    """
    return load_series("nile")["volume"]


def load_macrodata():
    """US quarterly macroeconomic series, 1959-2009 (FRED, BLS).

    Returns
    -------
    frame : pandas.DataFrame of shape (203, 12)
    """
    return load_series("macrodata")


def make_seasonal_series(n_samples=500, *, period=12, trend=0.0, noise=0.1,
                         n_features=1, random_state=None):
    """Generate sinusoidal seasonal series with trend and noise.

    Feature ``j`` is ``sin(2 pi t / period + phase_j) + trend * t / n_samples``
    plus Gaussian noise of standard deviation ``noise``.

    Parameters
    ----------
    n_samples : int, default=500
        Length of the series.
    period : float, default=12
        Seasonal period in samples.
    trend : float, default=0.0
        Total linear rise over the series.
    noise : float, default=0.1
        Standard deviation of the noise.
    n_features : int, default=1
        Number of series, each with a random phase.
    random_state : int, RandomState instance or None, default=None
        Seed for phases and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> from sklstm.datasets import make_seasonal_series
    >>> make_seasonal_series(100, n_features=2, random_state=0).shape
    (100, 2)
    """
    for name, value in [("n_samples", n_samples), ("n_features", n_features)]:
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}.")
    if not period > 0:
        raise ValueError(f"period must be > 0, got {period!r}.")
    rng = check_random_state(random_state)
    t = np.arange(n_samples)[:, np.newaxis]
    phase = rng.uniform(0, 2 * np.pi, size=n_features)
    X = np.sin(2 * np.pi * t / period + phase) + trend * t / n_samples
    return X + noise * rng.normal(size=X.shape)
