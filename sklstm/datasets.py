"""Bundled real series (no download) and synthetic generators.

The real series ship inside the package as CSV files under ``sklstm/data``;
each file opens with a comment that states its source.

=================  =========  ======  ==========================================
name               frequency  length  what
=================  =========  ======  ==========================================
``sunspots``       yearly     309     mean sunspot number, 1700-2008
``elec_equip``     monthly    257     euro-area electrical equipment turnover
``nile``           yearly     100     Nile flow at Aswan, 1871-1970
``macrodata``      quarterly  203     US real GDP, consumption, CPI, ... 1959-2009
``us_employment``  monthly    120     US jobs by supersector, 2006-2015 (a tree)
=================  =========  ======  ==========================================

:func:`make_hierarchical_sales` and :func:`load_us_employment` return the same
kind of pair: a DataFrame with one column per node, in the order of
:attr:`Hierarchy.nodes <sklstm.hierarchy.Hierarchy>`, and the
:class:`~sklstm.hierarchy.Hierarchy` that links the columns, ready for
:class:`~sklstm.TreeLSTMRegressor`.

The generators check their arguments with the rules and wording of the
estimators' parameters (:func:`sklstm._validation.check_args`).
"""

from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ._validation import Interval, Options, check_args
from .hierarchy import Hierarchy

__all__ = [
    "DATASETS",
    "load_series",
    "load_sunspots",
    "load_elec_equip",
    "load_nile",
    "load_macrodata",
    "make_seasonal_series",
    "make_moving_blobs",
    "make_hierarchical_sales",
    "load_us_employment",
]

#: Bundled series: name -> (default target column, seasonal period).
DATASETS = {
    "sunspots": ("sunactivity", 11),
    "elec_equip": ("index", 12),
    "nile": ("volume", 1),
    "macrodata": ("realgdp", 4),
    "us_employment": ("nonfarm", 12),
}


def load_series(name):
    """Load a bundled series as a DataFrame indexed by date.

    Parameters
    ----------
    name : {"sunspots", "elec_equip", "nile", "macrodata", "us_employment"}
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
    check_args("make_seasonal_series",
               n_samples=(n_samples, Interval(int, 1)),
               period=(period, Interval(float, 0, closed="neither",
                                        reason="the seasonal period in samples")),
               trend=(trend, Interval(float)),
               noise=(noise, Interval(float, 0)),
               n_features=(n_features, Interval(int, 1)))
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
    check_args("make_moving_blobs",
               n_samples=(n_samples, Interval(int, 1)),
               n_timesteps=(n_timesteps, Interval(int, 1)),
               grid=(grid, Interval(int, 1)),
               sigma=(sigma, Interval(float, 0, closed="neither")),
               speed=(speed, Interval(float, 0)),
               noise=(noise, Interval(float, 0)))
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


# --------------------------------------------------------------------------
# hierarchical series
# --------------------------------------------------------------------------


def make_hierarchical_sales(n_categories=3, n_products_per_category=4, n_periods=730, *,
                            trend=0.2, weekly=0.3, yearly=0.2, shock_rate=0.02,
                            promo_rate=0.01, noise=0.1, nonnegative=False,
                            start="2020-01-01", random_state=None):
    """Generate daily sales of a total -> category -> product hierarchy.

    Product ``p`` of category ``c`` sells, on day ``t``, on average

    .. code-block:: text

        mean[t, p] = level_p * (1 + growth_p * t / 365)          trend
                   * (1 + weekly * week_c[t mod 7])              weekly profile of c
                   * (1 + yearly * sin(2 pi t / 365.25 + phi_c)) yearly season of c
                   * exp(shock_c[t])                             category shocks
                   * (1 + lift_p * promo_p[t])                   promotions

    ``shock_c`` is an AR(1) (coefficient 0.95) driven by jumps of standard
    deviation 0.3 that occur with probability ``shock_rate`` per day, plus a
    small daily innovation, and is shared by the products of a category.
    Promotions start with probability ``promo_rate`` per product and day,
    last 3 to 7 days and lift sales by 30-80 %. Sales are ``mean`` times
    ``1 + noise * N(0, 1)``, or with ``nonnegative=True`` Poisson counts of
    ``mean``. Categories are the sums of their products and the total the sum
    of everything, exactly.

    Parameters
    ----------
    n_categories : int, default=3
    n_products_per_category : int, default=4
    n_periods : int, default=730
        Days.
    trend : float, default=0.2
        Mean yearly growth rate of the products (each draws its own around it).
    weekly : float, default=0.3
        Amplitude of the weekly profiles.
    yearly : float, default=0.2
        Amplitude of the yearly seasons.
    shock_rate : float, default=0.02
        Daily probability of a category shock.
    promo_rate : float, default=0.01
        Daily probability that a product starts a promotion.
    noise : float, default=0.1
        Relative noise of the product sales (when ``nonnegative=False``).
    nonnegative : bool, default=False
        Draw non-negative integer counts (Poisson) instead.
    start : str, default="2020-01-01"
        First day of the index.
    random_state : int, RandomState instance or None, default=None

    Returns
    -------
    sales : pandas.DataFrame of shape (n_periods, n_nodes)
        Daily ``DatetimeIndex``; the columns are the nodes in the order of
        ``hierarchy.nodes``: ``"total"``, the categories ``"c0", "c1", ...``,
        then the products ``"c0_p0", "c0_p1", ...`` category by category.
        ``n_nodes = 1 + n_categories * (1 + n_products_per_category)``.
    hierarchy : sklstm.hierarchy.Hierarchy
        The tree, with levels ``("total", "category", "product")``; pass it
        as ``TreeLSTMRegressor(hierarchy=hierarchy)``.

    Examples
    --------
    >>> from sklstm.datasets import make_hierarchical_sales
    >>> sales, hierarchy = make_hierarchical_sales(2, 3, n_periods=100, random_state=0)
    >>> sales.shape
    (100, 9)
    >>> list(sales.columns[:4])
    ['total', 'c0', 'c1', 'c0_p0']
    >>> hierarchy.levels
    ('total', 'category', 'product')
    >>> hierarchy.level_of("c0_p0")
    'product'
    >>> bool(abs(sales["total"] - sales[["c0", "c1"]].sum(axis=1)).max() < 1e-9)
    True
    """
    probability = "a daily probability"
    check_args("make_hierarchical_sales",
               n_categories=(n_categories, Interval(int, 1)),
               n_products_per_category=(n_products_per_category, Interval(int, 1)),
               n_periods=(n_periods, Interval(int, 1)),
               trend=(trend, Interval(float)),
               weekly=(weekly, Interval(float, 0)),
               yearly=(yearly, Interval(float, 0)),
               shock_rate=(shock_rate, Interval(float, 0, 1, reason=probability)),
               promo_rate=(promo_rate, Interval(float, 0, 1, reason=probability)),
               noise=(noise, Interval(float, 0)),
               nonnegative=(nonnegative, Options([True, False])))
    rng = check_random_state(random_state)
    C, P, T = n_categories, n_products_per_category, n_periods
    t = np.arange(T)
    # category-level components, shape (T, C)
    week = rng.uniform(-1.0, 1.0, size=(7, C))
    week -= week.mean(axis=0)
    phase = rng.uniform(0.0, 2 * np.pi, size=C)
    season = ((1 + weekly * week[t % 7])
              * (1 + yearly * np.sin(2 * np.pi * t[:, None] / 365.25 + phase)))
    jumps = rng.normal(0.0, 0.3, size=(T, C)) * (rng.uniform(size=(T, C)) < shock_rate)
    innovations = jumps + rng.normal(0.0, 0.02, size=(T, C))
    shock = np.zeros((T, C))
    for i in range(1, T):
        shock[i] = 0.95 * shock[i - 1] + innovations[i]
    # product-level components, shape (T, C * P); product k belongs to category k // P
    cat = np.repeat(np.arange(C), P)
    level = rng.uniform(20.0, 100.0, size=C * P)
    growth = trend + 0.1 * rng.normal(size=C * P)
    promo = np.zeros((T, C * P))
    for k in range(C * P):
        for s in np.flatnonzero(rng.uniform(size=T) < promo_rate):
            promo[s:s + rng.randint(3, 8), k] = rng.uniform(0.3, 0.8)
    mean = (level * (1 + growth * t[:, None] / 365) * season[:, cat]
            * np.exp(shock[:, cat]) * (1 + promo))
    mean = np.maximum(mean, 0.0)
    if nonnegative:
        products = rng.poisson(mean).astype(np.float64)
    else:
        products = mean * (1 + noise * rng.normal(size=mean.shape))
    categories = products.reshape(T, C, P).sum(axis=2)
    total = categories.sum(axis=1, keepdims=True)
    cat_names = [f"c{c}" for c in range(C)]
    prod_names = [f"c{c}_p{p}" for c in range(C) for p in range(P)]
    index = pd.date_range(start, periods=T, freq="D", name="date")
    sales = pd.DataFrame(np.hstack([total, categories, products]), index=index,
                         columns=["total"] + cat_names + prod_names)
    hierarchy = Hierarchy.from_levels(
        pd.DataFrame({"category": [cat_names[c] for c in cat], "product": prod_names}))
    return sales, hierarchy


#: The level names of :func:`load_us_employment`'s tree, by depth.
US_EMPLOYMENT_LEVELS = ("total", "domain", "supersector", "sector")

#: The tree of :func:`load_us_employment`: (node, parent), parents listed first.
US_EMPLOYMENT_TREE = [
    ("nonfarm", None),
    ("goods_producing", "nonfarm"),
    ("private_service_providing", "nonfarm"),
    ("government", "nonfarm"),
    ("mining_and_logging", "goods_producing"),
    ("construction", "goods_producing"),
    ("manufacturing", "goods_producing"),
    ("trade_transportation_utilties", "private_service_providing"),
    ("information", "private_service_providing"),
    ("financial_activities", "private_service_providing"),
    ("professional_and_business_services", "private_service_providing"),
    ("education_and_health_services", "private_service_providing"),
    ("leisure_and_hospitality", "private_service_providing"),
    ("other_services", "private_service_providing"),
    ("durable_goods", "manufacturing"),
    ("nondurable_goods", "manufacturing"),
    ("wholesale_trade", "trade_transportation_utilties"),
    ("retail_trade", "trade_transportation_utilties"),
    ("transportation_and_warehousing", "trade_transportation_utilties"),
    ("utilities", "trade_transportation_utilties"),
]


def load_us_employment():
    """US employment by supersector, a real hierarchy of monthly series (BLS).

    Seasonally adjusted thousands of jobs, January 2006 - December 2015
    (120 months), from the Current Employment Statistics program. The 20
    series used form this tree (each parent the sum of its children):

    .. code-block:: text

        nonfarm
        |-- goods_producing
        |   |-- mining_and_logging
        |   |-- construction
        |   `-- manufacturing
        |       |-- durable_goods
        |       `-- nondurable_goods
        |-- private_service_providing
        |   |-- trade_transportation_utilties
        |   |   |-- wholesale_trade, retail_trade,
        |   |   `-- transportation_and_warehousing, utilities
        |   `-- information, financial_activities,
        |       professional_and_business_services,
        |       education_and_health_services,
        |       leisure_and_hospitality, other_services
        `-- government

    The leaves sit at depths 1 to 3. The levels, by depth, are named
    ``"total"``, ``"domain"``, ``"supersector"`` and ``"sector"``. The
    published file also has ``private`` (goods + private services) and
    ``service_providing`` (private services + government): they regroup the
    same children in a second way, which a tree cannot hold, so they are
    left out (as is ``nonfarm_change``); :func:`load_series` ``("us_employment")`` returns
    every column. The sums are exact except for
    ``trade_transportation_utilties``, whose four parts are published with
    one decimal and add up to it within 0.5 (2e-5 relative).

    Returns
    -------
    employment : pandas.DataFrame of shape (120, 20)
        Monthly ``DatetimeIndex``; columns are the nodes in the order of
        ``hierarchy.nodes`` (parents before their children).
    hierarchy : sklstm.hierarchy.Hierarchy
        The tree; pass it as ``TreeLSTMRegressor(hierarchy=hierarchy)``. The
        same pair as :func:`make_hierarchical_sales` returns.

    Examples
    --------
    >>> from sklstm.datasets import load_us_employment
    >>> employment, hierarchy = load_us_employment()
    >>> employment.shape, hierarchy.n_leaves
    ((120, 20), 15)
    >>> list(employment.columns[:4])
    ['nonfarm', 'goods_producing', 'private_service_providing', 'government']
    >>> hierarchy.level_of("retail_trade")
    'sector'
    >>> bool(abs(employment.to_numpy()[:, hierarchy.leaves] @ hierarchy.S.T
    ...          - employment.to_numpy()).max() < 0.51)
    True
    """
    names = [name for name, _ in US_EMPLOYMENT_TREE]
    parents = [-1 if parent is None else names.index(parent)
               for _, parent in US_EMPLOYMENT_TREE]
    hierarchy = Hierarchy(parents, names=names, levels=US_EMPLOYMENT_LEVELS)
    return load_series("us_employment")[names], hierarchy
