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
    "make_moving_blobs",
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


def make_moving_blobs(n_samples=500, *, n_timesteps=6, grid=16, sigma=1.5, speed=1.0,
                      noise=0.0, random_state=None):
    """Frames of a Gaussian blob moving in a straight line (synthetic "radar").

    Each sample starts the blob at a random position with a random direction;
    it moves ``speed`` cells per step and stays inside the grid.

    Parameters
    ----------
    n_samples : int, default=500
    n_timesteps : int, default=6
        Frames per input sequence.
    grid : int, default=16
        Frames are ``grid x grid``.
    sigma : float, default=1.5
        Width of the blob, in cells.
    speed : float, default=1.0
        Cells moved per step.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to the input frames.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, grid, grid)
        The input frames.
    y : ndarray of shape (n_samples, grid, grid)
        The next frame (noise-free).

    Examples
    --------
    >>> from sklstm.datasets import make_moving_blobs
    >>> X, y = make_moving_blobs(4, n_timesteps=5, grid=8, random_state=0)
    >>> X.shape, y.shape
    ((4, 5, 8, 8), (4, 8, 8))
    """
    rng = check_random_state(random_state)
    angle = rng.uniform(0, 2 * np.pi, size=n_samples)
    velocity = speed * np.stack([np.cos(angle), np.sin(angle)], axis=1)      # (n, 2)
    travel = velocity * n_timesteps
    low = 1.0 - np.minimum(travel, 0.0)
    high = grid - 2.0 - np.maximum(travel, 0.0)
    start = low + rng.uniform(size=(n_samples, 2)) * np.maximum(high - low, 0.0)
    steps = np.arange(n_timesteps + 1)
    centers = start[:, None, :] + steps[None, :, None] * velocity[:, None, :]  # (n, T+1, 2)
    rows = np.arange(grid)
    dr = rows[None, None, :, None] - centers[:, :, 0, None, None]
    dc = rows[None, None, None, :] - centers[:, :, 1, None, None]
    frames = np.exp(-(dr ** 2 + dc ** 2) / (2 * sigma ** 2))                  # (n, T+1, g, g)
    X = frames[:, :-1] + noise * rng.normal(size=frames[:, :-1].shape)
    return X, frames[:, -1]
