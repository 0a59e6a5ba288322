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

With ``coverage``, every model also forecasts a central interval: the
recurrent variants are split-conformal (``conformal=True``, calibrated on
the last fifth of each training fold), the baselines add the empirical
quantiles of their in-sample residuals; the leaderboard then reports each
model's empirical coverage, mean width and Winkler score.
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
    "load_data",
    "forecast_data",
    "default_window",
    "make_pipeline",
    "baseline_pipelines",
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


class CompareError(ValueError):
    """A mistake in the data or settings of a comparison (a user error)."""


# --------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------


def load_data(data):
    """Load a bundled dataset by name, or a CSV file by path.

    A CSV whose first column is not numeric but parses as dates gets that
    column as its index; the numeric columns are kept. Everything after a
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
        The dataset's seasonal period; 1 for a CSV.

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
    return frame, str(frame.columns[0]), 1


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
        if not np.isfinite(exog_frame.to_numpy()).all():
            raise CompareError("--exog: the exogenous columns contain missing or "
                               "non-finite values")
    series = frame[target]
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


def cross_validate_models(X, y, *, variants, cv, season=1, window=20, random_state=0,
                          max_epochs=100, lr=None, window_norm="last", coverage=None,
                          log=None):
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
        Also score central intervals of this nominal coverage: the variants
        become split-conformal (``conformal=True``), the baselines use their
        in-sample residuals.
    log : callable, optional
        Called with one progress line per (variant, fold).

    Returns
    -------
    results : dict
        Model name -> dict with per-fold lists ``rmse``, ``mae``, ``fit_s``
        (and with ``coverage``: ``coverage``, ``width``, ``winkler``); the
        variants first, then the baselines of :func:`baseline_pipelines`.
    last_fold : dict
        ``rows`` (test row indices of the last fold), ``pred`` (model name
        -> predictions of shape ``(len(rows), horizon)``) and, with
        ``coverage``, ``interval`` (model name -> ``(len(rows), horizon, 2)``).

    Raises
    ------
    CompareError
        If ``window`` is longer than the first training fold.
    """
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
    templates = {
        name: make_pipeline(name, window=window, random_state=random_state,
                            max_epochs=max_epochs, lr=lr, window_norm=window_norm,
                            conformal=coverage is not None)
        for name in variants
    }
    templates.update(baseline_pipelines(window=window, season=season))

    results = {}
    last_fold = {"rows": folds[-1][1], "pred": {}}
    if coverage is not None:
        last_fold["interval"] = {}
    for name, template in templates.items():
        results[name] = {"rmse": [], "mae": [], "fit_s": []}
        if coverage is not None:
            results[name].update(coverage=[], width=[], winkler=[])
        for i, (train, test) in enumerate(folds, start=1):
            start = time.perf_counter()
            model = clone(template).fit(X[train], y[train])
            fit_s = time.perf_counter() - start
            if coverage is None:
                y_pred = model.predict(X[test]).reshape(len(test), horizon)
            else:
                y_pred, y_interval = model.predict(X[test], coverage=coverage)
                y_pred = y_pred.reshape(len(test), horizon)
                y_interval = y_interval.reshape(len(test), horizon, 2)
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


def leaderboard(results):
    """Summarise per-fold scores into a table sorted by mean RMSE.

    Parameters
    ----------
    results : dict
        Model name -> dict with per-fold lists ``rmse``, ``mae``, ``fit_s``,
        as returned by :func:`cross_validate_models`.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model, rmse_mean, rmse_std, mae_mean, mae_std, fit_s``
        (standard deviations over folds, ``ddof=0``; ``fit_s`` is the mean
        fit time per fold in seconds), best model first; with interval
        scores also ``coverage``, ``width`` and ``winkler`` (means over
        folds).

    Examples
    --------
    >>> leaderboard({"a": {"rmse": [2.0, 4.0], "mae": [1.0, 1.0], "fit_s": [0.0, 0.0]},
    ...              "b": {"rmse": [1.0, 1.0], "mae": [1.0, 1.0], "fit_s": [0.5, 1.5]}})
      model  rmse_mean  rmse_std  mae_mean  mae_std  fit_s
    0     b        1.0       0.0       1.0      0.0    1.0
    1     a        3.0       1.0       1.0      0.0    0.0
    """
    rows = [{
        "model": name,
        "rmse_mean": np.mean(s["rmse"]),
        "rmse_std": np.std(s["rmse"]),
        "mae_mean": np.mean(s["mae"]),
        "mae_std": np.std(s["mae"]),
        "fit_s": np.mean(s["fit_s"]),
        **{key: np.mean(s[key]) for key in ("coverage", "width", "winkler") if key in s},
    } for name, s in results.items()]
    table = pd.DataFrame(rows)
    return table.sort_values("rmse_mean", kind="stable").reset_index(drop=True)


def format_leaderboard(table):
    """Render a :func:`leaderboard` table as aligned text.

    Scores get enough decimals for about four significant digits at the scale
    of the best RMSE; ``fit_s`` gets two. Model names are left-aligned.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`leaderboard`.

    Returns
    -------
    text : str
    """
    scale = table["rmse_mean"].abs().min()
    digits = 3 if not np.isfinite(scale) or scale <= 0 else int(
        np.clip(3 - np.floor(np.log10(scale)), 0, 8))
    score = f"{{:.{digits}f}}".format
    formatters = {col: score for col in ["rmse_mean", "rmse_std", "mae_mean", "mae_std"]}
    formatters["fit_s"] = "{:.2f}".format
    if "coverage" in table:
        formatters["coverage"] = "{:.3f}".format
        scale = table["width"].abs().min()
        wide = 3 if not np.isfinite(scale) or scale <= 0 else int(
            np.clip(3 - np.floor(np.log10(scale)), 0, 8))
        formatters["width"] = formatters["winkler"] = f"{{:.{wide}f}}".format
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
