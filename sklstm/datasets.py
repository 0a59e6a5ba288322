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

:func:`make_retail_panel` returns a long table with one row per (product, day),
the shape :func:`sklstm.forecast_xy` takes with ``series_id=`` and covariate
roles.

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
    "make_retail_panel",
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


# --------------------------------------------------------------------------
# panels: many series in one long table
# --------------------------------------------------------------------------


def _is_date(value):
    if isinstance(value, bool) or value is None:
        return False
    try:
        return pd.Timestamp(value) is not pd.NaT
    except (TypeError, ValueError):
        return False


def make_retail_panel(n_series=40, n_days=730, *, n_categories=4, level=10.0,
                      level_spread=100.0, weekly=0.3, yearly=0.2, promo_rate=0.02,
                      promo_lift=1.8, price_elasticity=1.0, noise=0.1, closed_rate=0.0,
                      zero_rate=0.0, start="2022-01-01", random_state=None):
    """Generate daily sales of many products as a long table, one row per (product, day).

    Product ``i`` of category ``c`` sells, on day ``t``, on average

    .. code-block:: text

        mean[i, t] = level_i                                    product level
                   * (1 + weekly * week_c[weekday(t)])          weekly profile of c
                   * (1 + yearly * sin(2 pi t / 365.25 + phi_c))  yearly season of c
                   * (price[i, t] / base_price_i) ** -price_elasticity
                   * promo_lift ** promo[i, t]                  planned promotions

        sales[i, t] = mean[i, t] * exp(noise * z[i, t]),   z ~ N(0, 1)

    The levels are spaced evenly on a log scale from ``level`` to
    ``level * level_spread`` and dealt to the products in random order, so
    the largest product sells ``level_spread`` times the smallest.
    ``week_c`` is a random weekday profile of the category, centred and
    scaled to a largest deviation of 1; ``phi_c`` a random phase. A product's
    price starts at a random ``base_price_i`` between 1 and 20 and changes,
    on 1 day in 90 on average, by a factor ``exp(N(0, 0.1))``; it is rounded
    to cents. Promotions start with probability ``promo_rate`` per product
    and day and last 3 to 7 days; ``promo`` is 1 on those days. Then each
    (product, day) has zero sales with probability ``zero_rate`` (a stock-out),
    and each day is closed, with NaN sales for every product, with
    probability ``closed_rate``. Every random draw is made whatever the
    rates, so with the same seed changing a rate changes nothing else.

    Parameters
    ----------
    n_series : int, default=40
        Products (series).
    n_days : int, default=730
        Days per product.
    n_categories : int, default=4
        Categories, named ``"c0", "c1", ...``, dealt to the products in turn
        (in random order), so their sizes differ by at most one.
    level : float, default=10.0
        Mean daily sales of the smallest product.
    level_spread : float, default=100.0
        The largest product's level over the smallest's.
    weekly : float, default=0.3
        Amplitude of the weekly profiles, below 1.
    yearly : float, default=0.2
        Amplitude of the yearly seasons, below 1.
    promo_rate : float, default=0.02
        Daily probability that a product starts a promotion.
    promo_lift : float, default=1.8
        Factor on the mean sales of promotion days (1 is no effect).
    price_elasticity : float, default=1.0
        How strongly sales fall when the price rises above the base price.
    noise : float, default=0.1
        Standard deviation of the multiplicative log-normal noise.
    closed_rate : float, default=0.0
        Daily probability that the shop is closed (NaN sales, all products).
    zero_rate : float, default=0.0
        Probability of zero sales, per product and day.
    start : str or Timestamp, default="2022-01-01"
        First day.
    random_state : int, RandomState instance or None, default=None
        Seed of every random draw.

    Returns
    -------
    panel : pandas.DataFrame of shape (n_series * n_days, 6)
        Rows ordered by product, then day, with a ``RangeIndex``. Columns:

        - ``series_id`` (str): the product, ``"p00", "p01", ...``;
        - ``date`` (datetime64): the day;
        - ``sales`` (float): the target, NaN on closed days;
        - ``price`` (float): known ahead, a future covariate;
        - ``promo`` (int, 0 or 1): planned ahead, a future covariate;
        - ``category`` (str): constant per product, a static covariate.

    See Also
    --------
    sklstm.forecast_xy : builds ``(X, y)`` from the table, given each column's role.
    make_hierarchical_sales : sales of a product hierarchy, one column per series.

    Examples
    --------
    >>> from sklstm import forecast_xy
    >>> from sklstm.datasets import make_retail_panel
    >>> panel = make_retail_panel(n_series=3, n_days=100, random_state=0)
    >>> panel.shape
    (300, 6)
    >>> list(panel.columns)
    ['series_id', 'date', 'sales', 'price', 'promo', 'category']
    >>> X, y = forecast_xy(panel, horizon=7, target="sales", series_id="series_id",
    ...                    time="date", future_covariates=["price", "promo"],
    ...                    static_covariates="category")
    >>> X.shape, y.shape                 # 7 rows dropped at the end of each series
    ((279, 17), (279, 7))
    >>> list(X.columns[[0, 1, 8, 15, 16]])
    ['sales', 'price_lead1', 'promo_lead1', 'category', 'series_id']
    """
    probability = "a daily probability"
    positive = "keeps the factor 1 + amplitude * profile positive"
    check_args("make_retail_panel",
               n_series=(n_series, Interval(int, 1)),
               n_days=(n_days, Interval(int, 1)),
               n_categories=(n_categories, Interval(int, 1)),
               level=(level, Interval(float, 0, closed="neither",
                                      reason="the smallest product's mean daily sales")),
               level_spread=(level_spread, Interval(
                   float, 1, reason="the largest product's level over the smallest's")),
               weekly=(weekly, Interval(float, 0, 1, closed="left", reason=positive)),
               yearly=(yearly, Interval(float, 0, 1, closed="left", reason=positive)),
               promo_rate=(promo_rate, Interval(float, 0, 1, reason=probability)),
               promo_lift=(promo_lift, Interval(float, 0, closed="neither",
                                                reason="1 is no effect")),
               price_elasticity=(price_elasticity, Interval(float, 0)),
               noise=(noise, Interval(float, 0)),
               closed_rate=(closed_rate, Interval(
                   float, 0, 1, closed="left", reason="a daily probability; 1 closes every day")),
               zero_rate=(zero_rate, Interval(float, 0, 1, reason=probability)),
               start=(start, Options([], extra=_is_date,
                                     extra_text="a date such as '2022-01-01'")))
    rng = check_random_state(random_state)
    N, T, K = n_series, n_days, n_categories
    t = np.arange(T)
    dates = pd.date_range(pd.Timestamp(start), periods=T, freq="D", name="date")
    # products: category, level, base price; shape (N,)
    category = rng.permutation(np.arange(N) % K)
    level_i = level * level_spread ** (rng.permutation(N) / max(N - 1, 1))
    base_price = np.round(np.exp(rng.uniform(0.0, np.log(20.0), size=N)), 2)
    # categories: weekday profile (7, K) and yearly phase (K,)
    week = rng.uniform(-1.0, 1.0, size=(7, K))
    week -= week.mean(axis=0)
    week /= np.abs(week).max(axis=0)
    phase = rng.uniform(0.0, 2 * np.pi, size=K)
    season = ((1 + weekly * week[dates.day_of_week.to_numpy()])                    # (T, K)
              * (1 + yearly * np.sin(2 * np.pi * t[:, None] / 365.25 + phase)))
    # prices: rare multiplicative steps, rounded to cents; shape (T, N)
    steps = (rng.uniform(size=(T, N)) < 1 / 90) * rng.normal(0.0, 0.1, size=(T, N))
    price = np.maximum(np.round(base_price * np.exp(np.cumsum(steps, axis=0)), 2), 0.01)
    # promotions: start with probability promo_rate, last 3 to 7 days; shape (T, N)
    starts = rng.uniform(size=(T, N)) < promo_rate
    length = rng.randint(3, 8, size=(T, N))
    promo = np.zeros((T, N), dtype=bool)
    for day in range(min(7, T)):
        promo[day:] |= (starts & (length > day))[: T - day]
    mean = (level_i * season[:, category] * (price / base_price) ** -price_elasticity
            * promo_lift ** promo)
    sales = mean * np.exp(noise * rng.normal(size=(T, N)))
    sales[rng.uniform(size=(T, N)) < zero_rate] = 0.0
    sales[rng.uniform(size=T) < closed_rate] = np.nan                    # whole days
    width = len(str(N - 1))
    return pd.DataFrame({
        "series_id": np.repeat([f"p{i:0{width}d}" for i in range(N)], T),
        "date": np.tile(dates, N),
        "sales": sales.T.ravel(),
        "price": price.T.ravel(),
        "promo": promo.T.ravel().astype(np.int64),
        "category": np.repeat([f"c{c}" for c in category], T),
    })
