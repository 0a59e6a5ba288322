"""Cross-validate the recurrent variants against baselines, and rank them.

The runner behind ``sklstm compare``, usable from Python:

>>> from sklstm.compare import load_data, forecast_data, cross_validate_models
>>> frame, target, season = load_data("nile")
>>> series, X, y = forecast_data(frame, target, horizon=1, cv=2)
>>> results, _ = cross_validate_models(X, y, variants=[], cv=2, window=8)
>>> sorted(results)
['naive (last value)', 'ridge on lags', 'window mean']

Every model, recurrent or baseline, is a ``Pipeline`` of a
:class:`~sklstm.Windower` and a regressor, fitted on the same
:class:`~sklearn.model_selection.TimeSeriesSplit` folds and scored with RMSE
and MAE averaged over the horizon steps. The baselines are the estimators of
:mod:`sklstm.baselines`: the last value, the seasonal naive forecast (when
the data has a season), the window mean, and ridge regression on the lags.

With ``coverage``, every model also forecasts a central interval, and the
point scores stay those of the run without ``coverage``. Each recurrent
variant is fitted twice per fold: as without ``coverage``, on all the
training rows, for the point forecast and its scores; and split-conformal
(``conformal=True``), trained on the first four fifths of the fold and
calibrated on the last fifth, for the interval's margins, which are placed
around the first model's forecast (:func:`shift_interval`). The baselines
add the empirical quantiles of their in-sample residuals. The leaderboard
then reports each model's empirical coverage, mean width and Winkler score.
"""

import os
import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.model_selection import TimeSeriesSplit
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from .baselines import (
    LastValueRegressor,
    RidgeLagsRegressor,
    SeasonalNaiveRegressor,
    WindowMeanRegressor,
)
from .datasets import DATASETS, load_series
from .metrics import interval_coverage, interval_width, winkler_score
from .registry import VARIANTS
from .windowing import Windower, forecast_xy

__all__ = [
    "CompareError",
    "NAIVE",
    "MEAN",
    "RIDGE",
    "INTERVALS_NOTE",
    "load_data",
    "infer_season",
    "forecast_data",
    "default_window",
    "make_pipeline",
    "baseline_pipelines",
    "shift_interval",
    "cross_validate_models",
    "leaderboard",
    "format_leaderboard",
    "plot_last_fold",
    "HIERARCHIES",
    "load_hierarchy",
    "hierarchy_models",
    "hierarchy_data",
    "cross_validate_hierarchy",
    "hierarchy_leaderboard",
    "format_hierarchy_leaderboard",
]

#: Leaderboard names of the baselines that every comparison scores.
NAIVE = "naive (last value)"
MEAN = "window mean"
RIDGE = "ridge on lags"

#: How :func:`cross_validate_models` forecasts intervals (the line that
#: ``sklstm compare --coverage`` prints under its leaderboard).
INTERVALS_NOTE = (
    "intervals: the point scores are those of the models fitted on all training "
    "rows, as without --coverage; each variant's interval is the split-conformal "
    "margin of a second fit that holds out the last 20% of the training rows "
    "for calibration, placed around the first fit's forecast; the baselines use "
    "their in-sample residuals")


class CompareError(ValueError):
    """A mistake in the data or settings of a comparison (a user error)."""


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def load_data(data):
    """Load a bundled dataset by name, or a CSV file by path.

    A CSV whose first column is not numeric but parses as dates gets that
    column as its index, and its season from the spacing of the dates (see
    :func:`infer_season`); the numeric columns are kept. Everything after a
    ``#`` on a line is ignored, as in the bundled files.

    Parameters
    ----------
    data : str
        A key of :data:`sklstm.datasets.DATASETS` or a path to a CSV file.

    Returns
    -------
    frame : pandas.DataFrame
        Numeric columns only.
    default_target : str
        The dataset's default column, or the CSV's first numeric column.
    season : int
        The dataset's seasonal period; for a CSV, the one of its dates'
        frequency (:func:`infer_season`), 1 without dates.

    Raises
    ------
    CompareError
        Unknown name, missing or unreadable file, or no numeric column.
    """
    if data in DATASETS:
        target, season = DATASETS[data]
        return load_series(data), target, season
    if not (data.lower().endswith(".csv") or os.path.sep in data or os.path.exists(data)):
        raise CompareError(
            f"unknown dataset {data!r}; choose one of {', '.join(sorted(DATASETS))} "
            "or give the path of a .csv file"
        )
    if not os.path.isfile(data):
        raise CompareError(f"CSV file not found: {data!r}")
    try:
        frame = pd.read_csv(data, comment="#")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise CompareError(f"cannot read CSV file {data!r}: {exc}") from None
    if frame.shape[1] > 0 and not pd.api.types.is_numeric_dtype(frame.iloc[:, 0]):
        first = frame.columns[0]
        try:
            index = pd.to_datetime(frame[first], errors="raise", format="mixed")
        except (ValueError, TypeError, OverflowError):
            index = None
        if index is not None:
            frame = frame.drop(columns=first).set_index(pd.DatetimeIndex(index, name=first))
    frame = frame.select_dtypes("number").astype(np.float64)
    if frame.shape[1] == 0:
        raise CompareError(f"CSV file {data!r} has no numeric column")
    return frame, str(frame.columns[0]), infer_season(frame.index)[0]


#: Seasonal period and name of the regular spacings that :func:`infer_season`
#: recognises: (shortest, longest) spacing in days -> (season, name).
_SPACINGS = {
    (1 / 48, 1 / 48): (48, "half-hourly"),
    (1 / 24, 1 / 24): (24, "hourly"),
    (1, 1): (7, "daily"),
    (7, 7): (52, "weekly"),
    (28, 31): (12, "monthly"),
    (89, 92): (4, "quarterly"),
    (365, 366): (1, "yearly"),
}


def infer_season(index):
    """Seasonal period of a series from the spacing of its dates.

    The frequency is the median spacing of the sorted distinct dates, so a
    few gaps do not change it: half-hourly dates get a season of 48, hourly
    24, daily 7 (5 for business days: weekdays only, weekends skipped),
    weekly 52, monthly 12, quarterly 4; yearly dates, other spacings and
    anything but dates get 1.

    Parameters
    ----------
    index : pandas.Index
        Time labels of the series, such as the index that :func:`load_data`
        gives a CSV's date column.

    Returns
    -------
    season : int
        Seasonal period in samples; 1 when there is none.
    frequency : str or None
        The frequency's name (``"monthly"``, ...); None when the labels are
        not dates at regular spacing.

    Examples
    --------
    >>> import pandas as pd
    >>> infer_season(pd.date_range("2020-01-01", periods=30, freq="MS"))
    (12, 'monthly')
    >>> infer_season(pd.date_range("2020-01-01", periods=30, freq="B"))
    (5, 'business-daily')
    >>> infer_season(pd.RangeIndex(30))
    (1, None)
    """
    if not isinstance(index, pd.DatetimeIndex):
        return 1, None
    dates = index.dropna().unique().sort_values()
    if len(dates) < 3:
        return 1, None
    seconds = np.diff(dates.to_numpy()) / np.timedelta64(1, "s")
    days = float(np.median(seconds)) / 86400
    for (low, high), (season, name) in _SPACINGS.items():
        if low * (1 - 1e-6) <= days <= high * (1 + 1e-6):
            if name == "daily" and (dates.day_of_week < 5).all() and (seconds > 86400).any():
                return 5, "business-daily"
            return season, name
    return 1, None


def forecast_data(frame, target, *, horizon=1, exog=False, cv=3, name=None):
    """Build the ``(X, y)`` of a comparison from a table, with checks.

    Parameters
    ----------
    frame : pandas.DataFrame
        Numeric columns, as from :func:`load_data`.
    target : str
        The column to forecast.
    horizon : int, default=1
        Steps ahead; ``y`` gets one column per step.
    exog : bool, default=False
        Use the other columns as exogenous inputs.
    cv : int, default=3
        Number of folds the data must be long enough for.
    name : str, optional
        How the data is named in error messages.

    Returns
    -------
    series : pandas.Series
        The target column.
    X : pandas.DataFrame of shape (n_samples - horizon, 1 + n_exog)
        Inputs from :func:`~sklstm.forecast_xy`, the target first.
    y : pandas.DataFrame of shape (n_samples - horizon, horizon)
        Targets from :func:`~sklstm.forecast_xy`.

    Raises
    ------
    CompareError
        Unknown target column, no usable exogenous column, a series that
        :func:`~sklstm.forecast_xy` rejects, or one too short for ``cv``.
    """
    name = "the data" if name is None else repr(name)
    if target not in frame.columns:
        raise CompareError(
            f"unknown target column {target!r} in {name}; numeric columns "
            f"are: {', '.join(map(str, frame.columns))}"
        )
    exog_frame = None
    if exog:
        exog_frame = frame.drop(columns=target)
        if exog_frame.shape[1] == 0:
            raise CompareError(f"--exog: {name} has no numeric column besides {target!r}")
    series = frame[target]
    _check_finite(frame[[target]] if exog_frame is None else frame, name)
    try:
        X, y = forecast_xy(series, horizon=horizon, exog=exog_frame)
    except ValueError as exc:
        raise CompareError(f"target {target!r}: {exc}") from None
    if len(X) // (cv + 1) < 2:
        raise CompareError(
            f"series {target!r} has {len(series)} values, too short for --cv "
            f"{cv} with --horizon {horizon}: at least "
            f"{2 * (cv + 1) + horizon} are needed"
        )
    return series, X, y


def _check_finite(frame, name):
    """Raise a :class:`CompareError` that says where values are missing and what to do."""
    bad = ~np.isfinite(frame.to_numpy(dtype=np.float64))
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    columns = [str(c) for c, b in zip(frame.columns, bad.any(axis=0)) if b]
    if isinstance(frame.index, pd.DatetimeIndex):
        dates = frame.index[rows[:3]].strftime("%Y-%m-%d %H:%M")
        where = ", ".join(date.removesuffix(" 00:00") for date in dates)
    else:                               # rows counted from 1 after the header
        where = "data row " + ", ".join(str(row + 1) for row in rows[:3])
    where += ", ..." if len(rows) > 3 else ""
    raise CompareError(
        f"{name} has {len(rows)} row(s) with a missing or non-finite value in column(s) "
        f"{', '.join(map(repr, columns))} (at {where}); delete those rows from the "
        "CSV file or fill in the values, then run the command again"
    )


def default_window(season):
    """Default window: two seasons, clipped to [8, 48].

    Parameters
    ----------
    season : int
        Seasonal period in samples.

    Returns
    -------
    window : int

    Examples
    --------
    >>> default_window(11), default_window(1), default_window(52)
    (22, 8, 48)
    """
    return int(np.clip(2 * season, 8, 48))


# --------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------


def make_pipeline(variant, *, window, random_state, max_epochs, lr=None,
                  window_norm="last", conformal=False):
    """Build the pipeline scored for one recurrent variant.

    A :class:`~sklstm.Windower` feeds the regressor. The forecast column is
    input column 0, so with ``window_norm`` the regressor normalises each
    window and maps the target back with column 0's window statistics
    (``target_channel=0``). Without it, a
    :class:`~sklearn.preprocessing.StandardScaler` first scales the inputs.

    Parameters
    ----------
    variant : str
        A key of :data:`sklstm.registry.VARIANTS`.
    window : int
        Window length.
    random_state : int
        Seed of the regressor.
    max_epochs : int
        Upper bound on training epochs.
    lr : float, optional
        Learning rate; the regressor's default when None.
    window_norm : {"last", "mean", "standard"} or None, default="last"
        Per-window normalisation of the regressor; None scales globally.
    conformal : bool, default=False
        Split-conformal intervals (the regressor's ``conformal``).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
    """
    params = {"random_state": random_state, "max_epochs": max_epochs,
              "window_norm": window_norm, "target_channel": 0, "conformal": conformal}
    if lr is not None:
        params["lr"] = lr
    steps = [("win", Windower(window=window)), ("m", VARIANTS[variant](**params))]
    if window_norm is None:
        steps.insert(0, ("scale", StandardScaler()))
    return Pipeline(steps)


def baseline_pipelines(*, window, season=1, series_id=None):
    """The baselines scored next to the variants, as pipelines.

    Parameters
    ----------
    window : int
        Window length of the variants; the seasonal naive forecast reads at
        least one season, ``max(window, season)``.
    season : int, default=1
        Seasonal period; above 1 adds a seasonal naive row.
    series_id : str, optional
        A panel's id column: the Windower restarts at every series (see
        :class:`~sklstm.Windower`).

    Returns
    -------
    pipelines : dict
        Leaderboard name -> ``Pipeline`` of a :class:`~sklstm.Windower` and a
        baseline estimator of :mod:`sklstm.baselines` (``target_channel=0``,
        the forecast column).

    Examples
    --------
    >>> list(baseline_pipelines(window=8, season=4))
    ['naive (last value)', 'seasonal naive (m=4)', 'window mean', 'ridge on lags']
    """
    def windowed(estimator, length=window):
        return Pipeline([("win", Windower(window=length, series_id=series_id)),
                         ("m", estimator)])

    pipelines = {NAIVE: windowed(LastValueRegressor())}
    if season > 1:
        pipelines[f"seasonal naive (m={season})"] = windowed(
            SeasonalNaiveRegressor(season_length=season), max(window, season))
    pipelines[MEAN] = windowed(WindowMeanRegressor())
    pipelines[RIDGE] = windowed(RidgeLagsRegressor())
    return pipelines


def _scores(y_true, y_pred):
    # Metrics of each horizon column, averaged over the columns.
    return (root_mean_squared_error(y_true, y_pred),
            mean_absolute_error(y_true, y_pred))


def shift_interval(y_pred, interval_pred, interval):
    """Move intervals from one model's point forecast onto another's.

    With ``coverage``, :func:`cross_validate_models` scores each variant's
    point forecast from a model fitted on all the training rows, and takes
    the interval's margins from a split-conformal model fitted on the first
    rows and calibrated on the rest. The interval it scores keeps the
    conformal model's lower and upper margins around the first model's
    forecast.

    Parameters
    ----------
    y_pred : ndarray of shape (n_samples, n_outputs)
        The point forecast the interval is placed around.
    interval_pred : ndarray of shape (n_samples, n_outputs)
        The point forecast of the model that made ``interval``.
    interval : ndarray of shape (n_samples, n_outputs, 2)
        Lower and upper bounds around ``interval_pred``.

    Returns
    -------
    shifted : ndarray of shape (n_samples, n_outputs, 2)

    Examples
    --------
    >>> import numpy as np
    >>> shift_interval(np.array([[10.0]]), np.array([[12.0]]), np.array([[[11.0, 14.0]]]))
    array([[[ 9., 12.]]])
    """
    y_pred, interval_pred = np.asarray(y_pred), np.asarray(interval_pred)
    return np.asarray(interval) - interval_pred[..., None] + y_pred[..., None]


def cross_validate_models(X, y, *, variants, cv, season=1, window=20, random_state=0,
                          max_epochs=100, lr=None, window_norm="last", coverage=None,
                          interval_fit="separate", log=None):
    """Score the variants and the baselines on the same time-series folds.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Inputs from :func:`~sklstm.forecast_xy`, the forecast column first.
    y : array-like of shape (n_samples, horizon)
        Targets from :func:`~sklstm.forecast_xy`.
    variants : list of str
        Keys of :data:`sklstm.registry.VARIANTS`.
    cv : int
        Number of :class:`~sklearn.model_selection.TimeSeriesSplit` folds.
    season : int, default=1
        Seasonal period; above 1 adds a seasonal naive row.
    window : int, default=20
        Window length of every variant and baseline.
    random_state : int, default=0
        Seed of every variant.
    max_epochs : int, default=100
        Upper bound on training epochs.
    lr : float, optional
        Learning rate; the regressors' default when None.
    window_norm : {"last", "mean", "standard"} or None, default="last"
        Per-window normalisation of every variant (see :func:`make_pipeline`).
    coverage : float in (0, 1), optional
        Also score central intervals of this nominal coverage. The baselines
        use their in-sample residuals; for the variants, see ``interval_fit``.
    interval_fit : {"separate", "shared"}, default="separate"
        How the variants' intervals are fitted with ``coverage``:

        - ``"separate"``: the point forecast and its scores come from the
          model fitted on all the training rows, exactly as without
          ``coverage``; a second, split-conformal model (``conformal=True``,
          which trains on the first 80% of the rows and calibrates on the
          last 20%) gives the interval's margins, placed around the first
          model's forecast (:func:`shift_interval`). Twice the fits.
        - ``"shared"``: one split-conformal model gives both, so its point
          forecast is trained on 80% of the rows and the point scores, and
          the ranking, differ from a run without ``coverage``.
    log : callable, optional
        Called with one progress line per (variant, fold).

    Returns
    -------
    results : dict
        Model name -> dict with per-fold lists ``rmse``, ``mae``, ``fit_s``
        (and with ``coverage``: ``coverage``, ``width``, ``winkler``, and for
        the variants with ``interval_fit="separate"`` ``interval_fit_s``, the
        conformal model's fit time); the variants first, then the baselines
        of :func:`baseline_pipelines`.
    last_fold : dict
        ``rows`` (test row indices of the last fold), ``pred`` (model name
        -> predictions of shape ``(len(rows), horizon)``) and, with
        ``coverage``, ``interval`` (model name -> ``(len(rows), horizon, 2)``).

    Raises
    ------
    CompareError
        If ``window`` is longer than the first training fold.
    ValueError
        If ``interval_fit`` is neither ``"separate"`` nor ``"shared"``.
    """
    if interval_fit not in ("separate", "shared"):
        raise ValueError(f"interval_fit must be 'separate' or 'shared', got {interval_fit!r}")
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    horizon = y.shape[1]
    folds = list(TimeSeriesSplit(n_splits=cv).split(X))
    first_train = len(folds[0][0])
    if window > first_train:
        raise CompareError(
            f"--window {window} is longer than the first training fold ({first_train} "
            f"rows with --cv {cv}); use a window of at most {first_train}, or fewer folds"
        )
    shared = coverage is not None and interval_fit == "shared"
    templates, interval_templates = {}, {}
    for name in variants:
        def variant(conformal, name=name):
            return make_pipeline(name, window=window, random_state=random_state,
                                 max_epochs=max_epochs, lr=lr, window_norm=window_norm,
                                 conformal=conformal)
        templates[name] = variant(conformal=shared)
        if coverage is not None and not shared:
            interval_templates[name] = variant(conformal=True)
    templates.update(baseline_pipelines(window=window, season=season))

    results = {}
    last_fold = {"rows": folds[-1][1], "pred": {}}
    if coverage is not None:
        last_fold["interval"] = {}
    for name, template in templates.items():
        results[name] = {"rmse": [], "mae": [], "fit_s": []}
        if coverage is not None:
            results[name].update(coverage=[], width=[], winkler=[])
        if name in interval_templates:
            results[name]["interval_fit_s"] = []
        for i, (train, test) in enumerate(folds, start=1):
            start = time.perf_counter()
            model = clone(template).fit(X[train], y[train])
            fit_s = time.perf_counter() - start
            if coverage is None:
                y_pred = model.predict(X[test]).reshape(len(test), horizon)
            elif name in interval_templates:
                y_pred = model.predict(X[test]).reshape(len(test), horizon)
                started = time.perf_counter()
                conformal = clone(interval_templates[name]).fit(X[train], y[train])
                results[name]["interval_fit_s"].append(time.perf_counter() - started)
                c_pred, c_interval = conformal.predict(X[test], coverage=coverage)
                y_interval = shift_interval(y_pred, c_pred.reshape(len(test), horizon),
                                            c_interval.reshape(len(test), horizon, 2))
            else:
                y_pred, y_interval = model.predict(X[test], coverage=coverage)
                y_pred = y_pred.reshape(len(test), horizon)
                y_interval = y_interval.reshape(len(test), horizon, 2)
            if coverage is not None:
                results[name]["coverage"].append(interval_coverage(y[test], y_interval))
                results[name]["width"].append(interval_width(y_interval))
                results[name]["winkler"].append(
                    winkler_score(y[test], y_interval, coverage=coverage))
            rmse, mae = _scores(y[test], y_pred)
            results[name]["rmse"].append(rmse)
            results[name]["mae"].append(mae)
            results[name]["fit_s"].append(fit_s)
            if name in VARIANTS and log is not None:
                elapsed = time.perf_counter() - start
                log(f"[{name}] fold {i}/{cv}  rmse {rmse:.4g}  ({elapsed:.1f} s)")
        last_fold["pred"][name] = y_pred
        if coverage is not None:
            last_fold["interval"][name] = y_interval
    return results, last_fold


# --------------------------------------------------------------------------
# the leaderboard
# --------------------------------------------------------------------------


def leaderboard(results, *, sort_by="rmse_mean"):
    """Summarise per-fold scores into a table sorted by mean RMSE.

    Parameters
    ----------
    results : dict
        Model name -> dict with per-fold lists ``rmse``, ``mae``, ``fit_s``,
        as returned by :func:`cross_validate_models`, and optionally
        ``mase`` (as from :func:`sklstm.compare_panel.cross_validate_panel`)
        and ``coverage``, ``width``, ``winkler``.
    sort_by : str, default="rmse_mean"
        The column that ranks the models, smallest first.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model, rmse_mean, rmse_std, mae_mean, mae_std, fit_s``
        (standard deviations over folds, ``ddof=0``; ``fit_s`` is the mean
        fit time per fold in seconds), best model first; with ``mase``
        scores, ``mase_mean, mase_std`` come first after ``model``; with
        interval scores, ``coverage``, ``width`` and ``winkler`` (means over
        folds) come last.

    Examples
    --------
    >>> leaderboard({"a": {"rmse": [2.0, 4.0], "mae": [1.0, 1.0], "fit_s": [0.0, 0.0]},
    ...              "b": {"rmse": [1.0, 1.0], "mae": [1.0, 1.0], "fit_s": [0.5, 1.5]}})
      model  rmse_mean  rmse_std  mae_mean  mae_std  fit_s
    0     b        1.0       0.0       1.0      0.0    1.0
    1     a        3.0       1.0       1.0      0.0    0.0
    """
    rows = []
    for name, s in results.items():
        row = {"model": name}
        for score in ("mase", "rmse", "mae"):
            if score in s:
                row[f"{score}_mean"] = np.mean(s[score])
                row[f"{score}_std"] = np.std(s[score])
        row["fit_s"] = np.mean(s["fit_s"])
        row.update({key: np.mean(s[key]) for key in ("coverage", "width", "winkler")
                    if key in s})
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values(sort_by, kind="stable").reset_index(drop=True)


def _decimals(values):
    # about four significant digits at the scale of the smallest value
    scale = np.abs(values).min()
    return 3 if not np.isfinite(scale) or scale <= 0 else int(
        np.clip(3 - np.floor(np.log10(scale)), 0, 8))


def format_leaderboard(table):
    """Render a :func:`leaderboard` table as aligned text.

    RMSE and MAE get enough decimals for about four significant digits at
    the scale of the best RMSE, MASE three decimals (it is scale-free, near
    1), ``fit_s`` two. Model names are left-aligned.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`leaderboard`.

    Returns
    -------
    text : str
    """
    score = f"{{:.{_decimals(table['rmse_mean'])}f}}".format
    formatters = {col: score for col in ["rmse_mean", "rmse_std", "mae_mean", "mae_std"]
                  if col in table}
    formatters.update({col: "{:.3f}".format for col in ["mase_mean", "mase_std"]
                       if col in table})
    formatters["fit_s"] = "{:.2f}".format
    if "coverage" in table:
        formatters["coverage"] = "{:.3f}".format
        formatters["width"] = formatters["winkler"] = \
            f"{{:.{_decimals(table['width'])}f}}".format
    # to_string right-aligns text; padding names and header to one width
    # left-aligns the model column.
    width = max(len("model"), *(len(name) for name in table["model"]))
    table = table.assign(model=table["model"].str.ljust(width))
    table = table.rename(columns={"model": "model".ljust(width)})
    return table.to_string(index=False, formatters=formatters)


# --------------------------------------------------------------------------
# plot
# --------------------------------------------------------------------------


def plot_last_fold(path, index, y, last_fold, title=""):
    """Plot 1-step-ahead forecasts of the last fold against the actual series.

    Parameters
    ----------
    path : str
        Where to save the figure; the format follows the extension.
    index : pandas.Index
        Time labels of the whole series; row ``t``'s 1-step-ahead target is
        plotted at ``index[t + 1]``.
    y : ndarray of shape (n_rows, horizon)
        Targets from :func:`~sklstm.forecast_xy`.
    last_fold : dict
        As returned by :func:`cross_validate_models`; with ``interval``, each
        recurrent model's 1-step-ahead interval is drawn as a band.
    title : str, default=""
        Figure title.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    """
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            "plotting needs matplotlib; install it with `pip install matplotlib`."
        ) from exc
    y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
    rows = last_fold["rows"]
    x = index[rows + 1]                 # time of each 1-step-ahead target
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(x, y[rows, 0], color="black", linewidth=2, label="actual")
    intervals = last_fold.get("interval", {})
    for name, pred in last_fold["pred"].items():
        if name in VARIANTS and name in intervals:
            band = intervals[name][:, 0]
            line, = ax.plot(x, pred[:, 0], label=name, linewidth=1.2)
            ax.fill_between(x, band[:, 0], band[:, 1], color=line.get_color(), alpha=0.15,
                            linewidth=0, label=f"{name} interval")
            continue
        style = {}                      # baselines in grey, recurrent models in colour
        if name == NAIVE:
            style = {"linestyle": "--", "color": "grey"}
        elif name == RIDGE:
            style = {"linestyle": "-.", "color": "dimgrey"}
        elif name not in VARIANTS:
            style = {"linestyle": ":", "color": "grey"}
        ax.plot(x, pred[:, 0], label=name, linewidth=1.2, **style)
    ax.set_title(title)
    ax.set_ylabel("1-step-ahead forecast")
    ax.legend(loc="best", fontsize="small")
    fig.savefig(path, dpi=100)


# --------------------------------------------------------------------------
# hierarchies: the Tree-LSTM against reconciliation, per level
# --------------------------------------------------------------------------

#: Bundled datasets that are hierarchies: name -> loader of ``(frame, Hierarchy)``.
HIERARCHIES = {"us_employment": "load_us_employment"}


def load_hierarchy(data):
    """The node table and tree of a bundled hierarchy, or None for other data.

    Parameters
    ----------
    data : str
        A dataset name or a CSV path, as for :func:`load_data`.

    Returns
    -------
    hierarchy_data : (pandas.DataFrame, Hierarchy) or None
        One column per node in the order of ``Hierarchy.nodes``, and the
        tree; None when ``data`` is not a key of :data:`HIERARCHIES`.
    """
    if data not in HIERARCHIES:
        return None
    from . import datasets

    return getattr(datasets, HIERARCHIES[data])()


def hierarchy_models(hierarchy, *, season=1, random_state=0, max_epochs=100, lr=None,
                     window_norm="last"):
    """The models ranked per level: a Tree-LSTM and reconciled global models.

    Every model reads windows of every node, ``(n_samples, window, n_nodes)``,
    and forecasts every node, ``(n_samples, n_nodes * horizon)`` node-major:

    - ``tree``: :class:`~sklstm.TreeLSTMRegressor` over the hierarchy;
    - ``lstm + bottom_up``, ``lstm + mint_shrink``:
      :class:`~sklstm.ReconciledRegressor` around one global
      :class:`~sklstm.LSTMRegressor` (every node's window a sample);
    - ``naive + mint_shrink`` (the last value) and, when ``season > 1``,
      ``seasonal naive (m=season) + mint_shrink``: the naive forecasts of
      every node, reconciled (the seasonal one reads windows of at least
      one season, see :func:`cross_validate_hierarchy`).

    Parameters
    ----------
    hierarchy : Hierarchy
    season : int, default=1
        Above 1 adds the seasonal naive row.
    random_state, max_epochs, lr, window_norm
        As for :func:`make_pipeline`, for the Tree-LSTM and the LSTM.

    Returns
    -------
    models : dict
        Leaderboard name -> unfitted estimator.

    Examples
    --------
    >>> from sklstm import Hierarchy
    >>> list(hierarchy_models(Hierarchy([-1, 0, 0]), season=12))   # doctest: +NORMALIZE_WHITESPACE
    ['tree', 'lstm + bottom_up', 'lstm + mint_shrink', 'naive + mint_shrink',
     'seasonal naive (m=12) + mint_shrink']
    """
    from .reconciliation import ReconciledRegressor

    params = {"random_state": random_state, "max_epochs": max_epochs,
              "window_norm": window_norm}
    if lr is not None:
        params["lr"] = lr
    lstm = VARIANTS["lstm"](target_channel=0, **params)
    models = {
        "tree": VARIANTS["tree"](hierarchy=hierarchy, **params),
        "lstm + bottom_up": ReconciledRegressor(lstm, hierarchy, method="bottom_up"),
        "lstm + mint_shrink": ReconciledRegressor(lstm, hierarchy, method="mint_shrink"),
        "naive + mint_shrink": ReconciledRegressor(LastValueRegressor(), hierarchy),
    }
    if season > 1:
        models[f"seasonal naive (m={season}) + mint_shrink"] = ReconciledRegressor(
            SeasonalNaiveRegressor(season_length=season), hierarchy)
    return models


def hierarchy_data(values, *, window, horizon=1):
    """Windows of every node and every node's next ``horizon`` values.

    Parameters
    ----------
    values : ndarray of shape (n_periods, n_nodes)
        One column per node.
    window : int
    horizon : int, default=1

    Returns
    -------
    X : ndarray of shape (n_samples, window, n_nodes)
        Row ``i`` is the window ending at period ``window - 1 + i`` (full
        windows only: the series is windowed whole, so a test window carries
        its real history).
    y : ndarray of shape (n_samples, n_nodes * horizon)
        Node-major: column ``j * horizon + k`` is node ``j``, ``k + 1``
        periods after the window's end.
    """
    values = np.asarray(values, dtype=np.float64)
    n = len(values) - horizon
    X = Windower(window).fit_transform(values[:n])[window - 1:]
    steps = np.stack([values[window + k:n + k + 1] for k in range(horizon)], axis=2)
    return X, steps.reshape(len(X), -1)


def cross_validate_hierarchy(values, hierarchy, *, cv, window, horizon=1, season=1,
                             random_state=0, max_epochs=100, lr=None, window_norm="last",
                             log=None):
    """Score :func:`hierarchy_models` per node on the same time-series folds.

    Parameters
    ----------
    values : ndarray of shape (n_periods, n_nodes)
        One column per node, in the order of ``hierarchy.nodes``.
    hierarchy : Hierarchy
    cv : int
        Number of :class:`~sklearn.model_selection.TimeSeriesSplit` folds of
        the windows of :func:`hierarchy_data`, of ``max(window, season)``
        steps: the seasonal naive forecast reads them whole, the other
        models their last ``window`` steps, so every model forecasts the
        same rows.
    window, horizon, season, random_state, max_epochs, lr, window_norm
        As for :func:`cross_validate_models`; ``season`` is also the season
        of the MASE's naive scale.
    log : callable, optional
        Called with one progress line per (model, fold).

    Returns
    -------
    results : dict
        Model name -> dict with ``rmse`` and ``mase``, each of shape
        ``(cv, n_nodes)`` (per fold and node, the horizon steps pooled), and
        ``fit_s`` per fold.

    Raises
    ------
    CompareError
        If the series is too short for ``window``, ``horizon`` and ``cv``.
    """
    from .metrics import mase

    values = np.asarray(values, dtype=np.float64)
    # the seasonal naive reads at least one season (as in baseline_pipelines); every
    # model gets the same rows, the others the last `window` steps of each window
    longest = max(window, season)
    X, y = hierarchy_data(values, window=longest, horizon=horizon)
    if len(X) // (cv + 1) < max(2, season + 1):
        raise CompareError(
            f"the hierarchy's {len(values)} periods leave {len(X)} windows of {window}, "
            f"too few for --cv {cv} with --horizon {horizon}; use a shorter --window "
            "or fewer folds")
    n_nodes = hierarchy.n_nodes
    results = {}
    models = hierarchy_models(hierarchy, season=season, random_state=random_state,
                              max_epochs=max_epochs, lr=lr, window_norm=window_norm)
    for name, template in models.items():
        seasonal = isinstance(getattr(template, "estimator", None), SeasonalNaiveRegressor)
        X_model = X if seasonal else X[:, longest - window:]
        scores = {"rmse": [], "mase": [], "fit_s": []}
        for i, (train, test) in enumerate(TimeSeriesSplit(n_splits=cv).split(X), start=1):
            start = time.perf_counter()
            model = clone(template).fit(X_model[train], y[train])
            scores["fit_s"].append(time.perf_counter() - start)
            pred = model.predict(X_model[test]).reshape(len(test), n_nodes, horizon)
            true = y[test].reshape(len(test), n_nodes, horizon)
            history = values[:longest + train[-1] + horizon]  # known when training ends
            scores["rmse"].append(np.sqrt(((pred - true) ** 2).mean(axis=(0, 2))))
            scores["mase"].append([mase(true[:, j], pred[:, j], history[:, j],
                                        season_length=season) for j in range(n_nodes)])
            if log is not None and name in ("tree", "lstm + bottom_up", "lstm + mint_shrink"):
                log(f"[hierarchy: {name}] fold {i}/{cv}  "
                    f"({time.perf_counter() - start:.1f} s)")
        results[name] = {key: np.asarray(value) for key, value in scores.items()}
    return results


def hierarchy_leaderboard(results, hierarchy):
    """Rank the models at each level of the hierarchy, and over the levels.

    A level's score is the mean over its nodes (and over the folds) of each
    node's RMSE and MASE. Within a level the models are ranked by RMSE (the
    level's nodes share units); the ``mean`` rows average the levels and are
    ranked by MASE, which is scale-free (a mean of RMSEs would be the
    total's).

    Parameters
    ----------
    results : dict
        As returned by :func:`cross_validate_hierarchy`.
    hierarchy : Hierarchy

    Returns
    -------
    table : pandas.DataFrame
        Columns ``level, rank, model, rmse, mase, fit_s``: the levels in
        order from the root, then ``mean``; best model first within each.
    """
    rows = []
    for depth, nodes in enumerate(hierarchy.top_down):
        for name, s in results.items():
            rows.append({"level": hierarchy.levels[depth], "model": name,
                         "rmse": s["rmse"][:, nodes].mean(), "mase": s["mase"][:, nodes].mean(),
                         "fit_s": s["fit_s"].mean()})
    for name, s in results.items():
        rows.append({"level": "mean", "model": name,
                     "rmse": np.mean([s["rmse"][:, n].mean() for n in hierarchy.top_down]),
                     "mase": np.mean([s["mase"][:, n].mean() for n in hierarchy.top_down]),
                     "fit_s": s["fit_s"].mean()})
    table = pd.DataFrame(rows)
    order = {level: i for i, level in enumerate(list(hierarchy.levels) + ["mean"])}
    table["_level"] = table["level"].map(order)
    table["_key"] = np.where(table["level"] == "mean", table["mase"], table["rmse"])
    table = table.sort_values(["_level", "_key"], kind="stable")
    table["rank"] = table.groupby("_level").cumcount() + 1
    return table[["level", "rank", "model", "rmse", "mase", "fit_s"]].reset_index(drop=True)


def format_hierarchy_leaderboard(table):
    """Render a :func:`hierarchy_leaderboard` table as aligned text.

    Parameters
    ----------
    table : pandas.DataFrame

    Returns
    -------
    text : str
    """
    width = max(len("model"), *(len(name) for name in table["model"]))
    level_width = max(len("level"), *(len(name) for name in table["level"]))
    lines = [f"{'level':{level_width}s}  rank  {'model':{width}s}  {'rmse':>10s}"
             f"  {'mase':>7s}  {'fit_s':>6s}"]
    for row in table.itertuples(index=False):
        # about four significant digits at the scale of the level's best RMSE
        best = table.loc[table["level"] == row.level, "rmse"].abs().min()
        digits = 3 if not np.isfinite(best) or best <= 0 else int(
            np.clip(3 - np.floor(np.log10(best)), 0, 8))
        lines.append(f"{row.level:{level_width}s}  {row.rank:4d}  {row.model:{width}s}  "
                     f"{row.rmse:10.{digits}f}  {row.mase:7.3f}  {row.fit_s:6.2f}")
    return "\n".join(lines)
