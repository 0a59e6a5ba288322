"""Cross-validation splitters for long panel tables.

A long table holds one row per (series, time step), usually sorted by series
and then by time. :class:`~sklearn.model_selection.TimeSeriesSplit` cuts
folds by row position, so on such a table its folds are blocks of *series*,
not of time: it trains on the first products and tests on the last ones.
:class:`PanelSplit` cuts by each row's time stamp instead, across all series
at once.
"""

import numbers

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

__all__ = ["PanelSplit"]


def _check_int(name, value, low, allow_none=False):
    if allow_none and value is None:
        return
    if not isinstance(value, numbers.Integral) or isinstance(value, (bool, np.bool_)):
        expected = "None or an int" if allow_none else "an int"
        raise TypeError(f"PanelSplit: {name} must be {expected} >= {low}, a number of "
                        f"distinct time stamps; got {value!r} of type "
                        f"{type(value).__name__}")
    if value < low:
        raise ValueError(f"PanelSplit: {name} must be >= {low}; got {name}={value}")


class PanelSplit(BaseCrossValidator):
    """Time-ordered folds of a long panel table, cut by time across all series.

    The splitter of :class:`~sklearn.model_selection.TimeSeriesSplit`, applied
    to the sorted distinct time stamps of a long table (one row per series
    and time step) instead of to its rows: fold ``k`` tests on the ``k``-th
    block of ``test_size`` time stamps, for every series at once, and trains
    on every row whose time stamp is earlier (an expanding window), less the
    ``gap`` time stamps just before the test block. The time stamps come as
    ``groups``, one per row; the rows may be in any order (by series then
    time, by time, shuffled), and the returned indices are in row order.

    On a table with one row per time stamp (a single series) the folds are
    exactly those of ``TimeSeriesSplit(n_splits, test_size=test_size,
    gap=gap)``. On a long table ``TimeSeriesSplit`` cuts by row position,
    which in a table sorted by series means by *series*: it would test on
    the last products with models trained on the first ones.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, 1 or more (1 is a single hold-out: the last
        ``test_size`` time stamps).
    test_size : int, default=None
        Distinct time stamps in each test fold. ``None`` takes
        ``n_times // (n_splits + 1)``, as ``TimeSeriesSplit`` does with rows,
        where ``n_times`` is the number of distinct time stamps in
        ``groups``.
    gap : int, default=0
        Distinct time stamps left out between each training block and its
        test block. With targets ``h`` steps ahead (``forecast_xy(...,
        horizon=h)``), ``gap=h - 1`` keeps every training target before the
        first date the test rows forecast.

    See Also
    --------
    sklearn.model_selection.TimeSeriesSplit : The same folds over rows, for a
        single series.
    sklearn.model_selection.GroupKFold : Folds of whole groups, without a
        time order.
    sklstm.forecast_xy : Builds ``X`` and ``y`` of a long table; its rows keep
        the table's index, so ``table.loc[X.index, "date"]`` are their time
        stamps.
    sklstm.Windower : Windows that never cross series
        (``Windower(window, series_id=...)``).

    Examples
    --------
    Two series of four days, sorted by series; each test fold holds the same
    day of both series:

    >>> import pandas as pd
    >>> from sklstm import PanelSplit
    >>> table = pd.DataFrame({"series_id": ["a"] * 4 + ["b"] * 4,
    ...                       "date": list(pd.date_range("2024-01-01", periods=4)) * 2})
    >>> cv = PanelSplit(n_splits=2, test_size=1)
    >>> for train, test in cv.split(table, groups=table["date"]):
    ...     print(train, test, table["date"][test].dt.day.unique())
    [0 1 4 5] [2 6] [3]
    [0 1 2 4 5 6] [3 7] [4]

    In :func:`~sklearn.model_selection.cross_validate` or
    :class:`~sklearn.model_selection.GridSearchCV`, pass the time stamps as
    ``groups`` (``params={"groups": ...}`` when metadata routing is enabled):

    >>> import numpy as np
    >>> from sklearn.model_selection import cross_validate
    >>> from sklearn.pipeline import Pipeline
    >>> from sklstm import LastValueRegressor, Windower, forecast_xy
    >>> from sklstm.datasets import make_retail_panel
    >>> panel = make_retail_panel(n_series=3, n_days=60, random_state=0)
    >>> X, y = forecast_xy(panel[["series_id", "date", "sales"]], 1, target="sales",
    ...                    series_id="series_id", time="date")
    >>> pipe = Pipeline([("win", Windower(7, series_id="series_id")),
    ...                  ("m", LastValueRegressor())])
    >>> scores = cross_validate(pipe, X, y, cv=PanelSplit(3, test_size=7),
    ...                         groups=panel.loc[X.index, "date"])
    >>> scores["test_score"].shape
    (3,)
    """

    # cross_validate and GridSearchCV route ``groups`` to ``split`` when
    # metadata routing is enabled
    __metadata_request__split = {"groups": True}

    def __init__(self, n_splits=5, *, test_size=None, gap=0):
        self.n_splits = n_splits
        self.test_size = test_size
        self.gap = gap

    def _check_params(self):
        _check_int("n_splits", self.n_splits, 1)
        _check_int("test_size", self.test_size, 1, allow_none=True)
        _check_int("gap", self.gap, 0)

    def get_n_splits(self, X=None, y=None, groups=None):
        """The number of folds, ``n_splits``.

        Parameters
        ----------
        X, y, groups : object
            Ignored; present for the splitter API.

        Returns
        -------
        n_splits : int
        """
        self._check_params()
        return int(self.n_splits)

    def split(self, X, y=None, groups=None):
        """Indices of the training and test rows of each fold.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, ...)
            The rows to split; only their number is used.
        y : array-like, default=None
            Ignored; present for the splitter API.
        groups : array-like of shape (n_samples,)
            The time stamp of each row (datetimes, numbers or strings that
            sort in time order). Required.

        Yields
        ------
        train : ndarray of int
            The rows whose time stamp comes before the fold's test block,
            less the ``gap`` time stamps just before it, in row order.
        test : ndarray of int
            The rows whose time stamp is in the fold's test block, in row
            order.
        """
        self._check_params()
        codes, n_times = self._time_codes(X, groups)
        test_size = self._test_size(n_times)
        n_splits, gap = int(self.n_splits), int(self.gap)
        for start in range(n_times - n_splits * test_size, n_times, test_size):
            train = np.flatnonzero(codes < start - gap)
            test = np.flatnonzero((codes >= start) & (codes < start + test_size))
            yield train, test

    def _time_codes(self, X, groups):
        """Each row's rank among the sorted distinct time stamps, and their number."""
        if groups is None:
            raise ValueError(
                "PanelSplit needs each row's time stamp as `groups`; got groups=None. "
                "Pass them to split(X, y, groups=table['date']), to "
                "cross_validate(model, X, y, cv=PanelSplit(), groups=table['date']) "
                "or GridSearchCV(...).fit(X, y, groups=table['date']); with metadata "
                "routing enabled, params={'groups': table['date']}")
        if np.ndim(groups) != 1:
            raise ValueError(f"PanelSplit: groups must be 1-D, one time stamp per row; "
                             f"got an array of shape {np.shape(groups)}")
        n_rows = X.shape[0] if hasattr(X, "shape") else len(X)
        if len(groups) != n_rows:
            raise ValueError(
                f"PanelSplit: groups holds {len(groups)} time stamps but X has {n_rows} "
                "rows; pass one time stamp per row of X (for X of forecast_xy(table, "
                "...), groups=table.loc[X.index, 'date'])")
        stamps = groups if isinstance(groups, (pd.Series, pd.Index)) else pd.Series(groups)
        kind = pd.api.types.infer_dtype(stamps, skipna=True)
        try:
            if kind.startswith("mixed") and kind != "mixed-integer-float":
                raise TypeError(f"they mix kinds ({kind})")
            codes, uniques = pd.factorize(stamps, sort=True)
        except TypeError as exc:
            raise TypeError(f"PanelSplit: the time stamps in groups do not sort ({exc}); "
                            "pass one kind of time stamp: datetimes, numbers or "
                            "strings") from None
        missing = np.flatnonzero(codes < 0)
        if len(missing):
            raise ValueError(
                f"PanelSplit: {len(missing)} time stamp(s) in groups are missing "
                f"(NaN/NaT), at rows {missing[:5].tolist()}"
                f"{' ...' if len(missing) > 5 else ''}; drop those rows or fill "
                "their time stamps")
        return codes, len(uniques)

    def _test_size(self, n_times):
        """The test block length, after checking that ``n_times`` allow every fold."""
        n_splits, gap = int(self.n_splits), int(self.gap)
        fix = "lower n_splits, test_size or gap, or pass a longer panel"
        if self.test_size is None:
            test_size = n_times // (n_splits + 1)
            size = f"test_size=None: n_times // (n_splits + 1) = {test_size}"
            if test_size == 0:
                raise ValueError(
                    f"PanelSplit(n_splits={n_splits}) needs at least n_splits + 1 = "
                    f"{n_splits + 1} distinct time stamps, but groups holds {n_times}; "
                    f"{fix}")
        else:
            test_size = int(self.test_size)
            size = f"test_size={test_size}"
        needed = n_splits * test_size + gap + 1
        if n_times < needed:
            raise ValueError(
                f"PanelSplit(n_splits={n_splits}, test_size={self.test_size!r}, "
                f"gap={gap}) needs n_splits * test_size + gap + 1 = {n_splits} * "
                f"{test_size} + {gap} + 1 = {needed} distinct time stamps ({size}; "
                f"at least one to train on), but groups holds {n_times}; {fix}")
        return test_size
