"""Cross-validate global models on a long table of many series, ranked by mean MASE.

The runner behind ``sklstm compare --series-id COL --time COL``: a CSV with
one row per (series, time step) becomes the ``(X, y)`` of
:func:`~sklstm.forecast_xy` (future covariates as lead columns, string
statics one-hot encoded), every model is one global ``Pipeline`` of a
``Windower(series_id=...)`` and a regressor, and the folds split the table
by time: fold ``k`` trains on the rows up to a cut date and tests on the
dates after it, every series at once. Test windows carry their real history.
Each model's score is the MASE of each series (scaled by that series'
in-sample seasonal naive error over the training dates), averaged over the
series, then over the folds. The leaderboard has the layout of the
single-series one (:func:`sklstm.compare.leaderboard`), with the mean MASE
first, and the same baselines.

>>> from sklstm.compare_panel import panel_data, cross_validate_panel
>>> from sklstm.datasets import make_retail_panel
>>> table = make_retail_panel(n_series=3, n_days=120, random_state=0)
>>> X, y, meta = panel_data(table, target="sales", series_id="series_id", time="date",
...                         future=["promo", "price"], static=["category"], horizon=1)
>>> results = cross_validate_panel(X, y, meta, variants=[], cv=2, window=14, season=7)
>>> sorted(results)
['naive (last value)', 'ridge on lags', 'seasonal naive (m=7)', 'window mean']
"""

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import mean_absolute_error, root_mean_squared_error
from sklearn.pipeline import Pipeline

from .compare import baseline_pipelines, infer_season, leaderboard
from .metrics import mase
from .registry import VARIANTS
from .windowing import Windower, forecast_xy

__all__ = ["PanelError", "load_panel", "default_target", "panel_season",
           "check_complete", "panel_data", "cross_validate_panel", "panel_leaderboard"]


class PanelError(ValueError):
    """A mistake in a panel comparison's data or settings (a user error)."""


def load_panel(path, *, series_id, time):
    """Read a long CSV: one row per (series, time step); ``time`` parsed as dates when it can be.

    Parameters
    ----------
    path : str
        The CSV file.
    series_id, time : str
        The id and time columns.

    Returns
    -------
    table : pandas.DataFrame
    """
    try:
        table = pd.read_csv(path, comment="#")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise PanelError(f"cannot read CSV file {path!r}: {exc}") from None
    missing = [c for c in (series_id, time) if c not in table.columns]
    if missing:
        raise PanelError(f"column(s) {', '.join(map(repr, missing))} not in {path!r}; its "
                         f"columns are: {', '.join(map(str, table.columns))}")
    if not pd.api.types.is_numeric_dtype(table[time]):
        try:
            table[time] = pd.to_datetime(table[time], errors="raise", format="mixed")
        except (ValueError, TypeError, OverflowError):
            raise PanelError(f"--time {time!r}: its values are neither numbers nor "
                             "dates") from None
    return table


def default_target(table, *, roles=()):
    """The column a panel comparison forecasts when none is named.

    Parameters
    ----------
    table : pandas.DataFrame
        The long table.
    roles : iterable of str, default=()
        Columns that have another role: the id and time columns, future,
        past and static covariates.

    Returns
    -------
    target : str
        The first numeric column of ``table`` not in ``roles``.

    Raises
    ------
    PanelError
        If every numeric column has a role.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"item": ["a"], "date": ["2024-01-01"], "promo": [0],
    ...                       "sales": [3.0], "price": [1.5]})
    >>> default_target(table, roles=["item", "date", "promo"])
    'sales'
    """
    roles = set(roles)
    for name in table.columns:
        if name not in roles and pd.api.types.is_numeric_dtype(table[name]):
            return str(name)
    raise PanelError("the table has no numeric column left to forecast once --series-id, "
                     "--time, --future and --static have taken theirs; name one with "
                     "--target COL")


def panel_season(table, *, time):
    """Seasonal period of a panel from the spacing of its time column's dates.

    Parameters
    ----------
    table : pandas.DataFrame
    time : str
        The time column; dates give a season as in
        :func:`sklstm.compare.infer_season` (daily 7, monthly 12, ...),
        anything else 1.

    Returns
    -------
    season : int
    frequency : str or None
        The frequency's name, None without regular dates.
    """
    if not pd.api.types.is_datetime64_any_dtype(table[time]):
        return 1, None
    return infer_season(pd.DatetimeIndex(table[time]))


def check_complete(table, columns, *, series_id, time):
    """Raise a :class:`PanelError` that says where values are missing and what to do.

    Parameters
    ----------
    table : pandas.DataFrame
    columns : list of str
        The columns that must hold no missing or non-finite value.
    series_id, time : str
        Used to say where the values are missing.

    Raises
    ------
    PanelError
        Naming the columns, the number of rows, the first (series, time) and
        how to fix the CSV file.
    """
    values = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    bad = ~np.isfinite(values.to_numpy(dtype=np.float64))
    if not bad.any():
        return
    rows = np.flatnonzero(bad.any(axis=1))
    names = [str(c) for c, b in zip(columns, bad.any(axis=0)) if b]
    first = table.iloc[rows[:3]]
    when = first[time]
    if pd.api.types.is_datetime64_any_dtype(when):
        when = when.dt.strftime("%Y-%m-%d %H:%M").str.removesuffix(" 00:00")
    where = ", ".join(f"{s} at {t}" for s, t in zip(first[series_id], when))
    raise PanelError(
        f"the table has {len(rows)} row(s) with a missing or non-finite value in column(s) "
        f"{', '.join(map(repr, names))} (series {where}{', ...' if len(rows) > 3 else ''}); "
        "fill in those values in the CSV file (or delete the rows), then run the "
        "command again")


def panel_data(table, *, target, series_id, time, future=(), static=(), horizon=1):
    """``(X, y)`` of a long table, with each row's series and time.

    The columns not named are left out (a comparison uses only the roles it
    is given). String static covariates are one-hot encoded.

    Returns
    -------
    X, y : pandas.DataFrame
        From :func:`~sklstm.forecast_xy`; ``X`` ends with the id column.
    meta : pandas.DataFrame
        ``series`` and ``time`` of each row of ``X``.
    """
    columns = [series_id, time, target, *future, *static]
    for name in columns:
        if name not in table.columns:
            raise PanelError(f"column {name!r} not in the table; its columns are: "
                             f"{', '.join(map(str, table.columns))}")
    table = table[list(dict.fromkeys(columns))]
    encoded = []
    for name in static:
        if not pd.api.types.is_numeric_dtype(table[name]):
            dummies = pd.get_dummies(table[name], prefix=name, dtype=float)
            table = pd.concat([table.drop(columns=name), dummies], axis=1)
            encoded += list(dummies.columns)
        else:
            encoded.append(name)
    try:
        X, y = forecast_xy(table, horizon, target=target, series_id=series_id, time=time,
                           future_covariates=list(future) or None,
                           static_covariates=encoded or None)
    except (ValueError, TypeError) as exc:
        raise PanelError(str(exc)) from None
    meta = pd.DataFrame({"series": table.loc[X.index, series_id].to_numpy(),
                         "time": table.loc[X.index, time].to_numpy()})
    return X, y, meta


def _models(variants, window, season, random_state, max_epochs, series_id):
    models = {name: Pipeline([
        ("win", Windower(window=window, series_id=series_id)),
        ("m", VARIANTS[name](random_state=random_state, max_epochs=max_epochs,
                             window_norm="standard", window_norm_channels="target",
                             target_channel=0))]) for name in variants}
    # the baselines of single-series comparisons, the same rows
    models.update(baseline_pipelines(window=window, season=season, series_id=series_id))
    return models


def cross_validate_panel(X, y, meta, *, variants, cv, window, season=1, random_state=0,
                         max_epochs=100, log=None):
    """Score global models on time-ordered folds of a panel.

    The folds are those of :class:`~sklstm.PanelSplit` over the distinct
    times (:class:`~sklearn.model_selection.TimeSeriesSplit`'s folds of the
    times, the first training block taking the remainder): each fold trains
    on the rows up to a cut time and tests on the next block of times. The
    recurrent variants normalise the target channel by each window's mean
    and deviation (``window_norm="standard"``, ``window_norm_channels="target"``),
    so series of any level share one model.

    Returns
    -------
    results : dict
        Model name -> per-fold lists ``mase`` (mean over series), ``rmse``,
        ``mae`` (over every test row) and ``fit_s``.
    """
    y = np.asarray(y, dtype=np.float64).reshape(len(X), -1)
    times = np.sort(meta["time"].unique())
    if len(times) < cv + 1:
        raise PanelError(f"{len(times)} distinct times are too few for {cv} folds")
    # PanelSplit's folds as blocks of times: the times fold 1 trains on, then
    # each fold's test times (fold k trains on blocks[:k])
    from .model_selection import PanelSplit

    folds = list(PanelSplit(n_splits=cv).split(times, groups=times))
    blocks = [times[folds[0][0]]] + [times[test] for _, test in folds]
    series_id = X.columns[-1]
    results = {}
    for name, template in _models(variants, window, season, random_state, max_epochs,
                                  series_id).items():
        scores = {"mase": [], "rmse": [], "mae": [], "fit_s": []}
        for k in range(1, cv + 1):
            train = meta["time"].isin(np.concatenate(blocks[:k])).to_numpy()
            test = meta["time"].isin(blocks[k]).to_numpy()
            start = time.perf_counter()
            model = clone(template).fit(X[train], y[train])
            scores["fit_s"].append(time.perf_counter() - start)
            windows = model[:-1].transform(X)[test]          # real history
            y_pred = model[-1].predict(windows).reshape(int(test.sum()), -1)
            per_series = []
            for series in meta["series"][test].unique():
                rows = (meta["series"][test] == series).to_numpy()
                history = y[train][(meta["series"][train] == series).to_numpy(), 0]
                history = history[~np.isnan(history)]
                if len(history) <= season:
                    continue
                try:
                    per_series.append(mase(y[test][rows], y_pred[rows], history,
                                           season_length=season))
                except ValueError:        # a constant training series has no scale
                    continue
            scores["mase"].append(float(np.mean(per_series)))
            scores["rmse"].append(root_mean_squared_error(y[test], y_pred))
            scores["mae"].append(mean_absolute_error(y[test], y_pred))
            if log is not None and name in VARIANTS:
                log(f"[{name}] fold {k}/{cv}  mean MASE {scores['mase'][-1]:.4g}  "
                    f"({scores['fit_s'][-1]:.1f} s)")
        results[name] = scores
    return results


def panel_leaderboard(results):
    """Rank panel models by their mean MASE over series, in the single-series layout.

    Parameters
    ----------
    results : dict
        As returned by :func:`cross_validate_panel`.

    Returns
    -------
    table : pandas.DataFrame
        Columns ``model, mase_mean, mase_std, rmse_mean, rmse_std, mae_mean,
        mae_std, fit_s`` (means and standard deviations over folds), best
        first: :func:`sklstm.compare.leaderboard` sorted by ``mase_mean``;
        :func:`sklstm.compare.format_leaderboard` prints it.
    """
    return leaderboard(results, sort_by="mase_mean")
