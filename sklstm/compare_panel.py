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
series, then over the folds.

>>> from sklstm.compare_panel import panel_data, cross_validate_panel
>>> from sklstm.datasets import make_retail_panel
>>> table = make_retail_panel(n_series=3, n_days=120, random_state=0)
>>> X, y, meta = panel_data(table, target="sales", series_id="series_id", time="date",
...                         future=["promo", "price"], static=["category"], horizon=1)
>>> results = cross_validate_panel(X, y, meta, variants=[], cv=2, window=14, season=7)
>>> sorted(results)
['naive (last value)', 'ridge on lags', 'seasonal naive (m=7)']
"""

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import root_mean_squared_error
from sklearn.pipeline import Pipeline

from .compare import MEAN, baseline_pipelines
from .metrics import mase
from .registry import VARIANTS
from .windowing import Windower, forecast_xy

__all__ = ["load_panel", "panel_data", "cross_validate_panel", "panel_leaderboard"]

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
    # the baselines of single-series comparisons, but the window mean: a level
    # forecast that a panel's mean MASE over series does not need
    models.update({name: pipeline for name, pipeline in baseline_pipelines(
        window=window, season=season, series_id=series_id).items() if name != MEAN})
    return models


def cross_validate_panel(X, y, meta, *, variants, cv, window, season=1, random_state=0,
                         max_epochs=100, log=None):
    """Score global models on time-ordered folds of a panel.

    The distinct times are cut into ``cv + 1`` equal blocks: fold ``k``
    trains on blocks ``1..k`` and tests on block ``k + 1`` (as
    :class:`~sklearn.model_selection.TimeSeriesSplit` does with rows). The
    recurrent variants normalise the target channel by each window's mean
    and deviation (``window_norm="standard"``, ``window_norm_channels="target"``),
    so series of any level share one model.

    Returns
    -------
    results : dict
        Model name -> per-fold lists ``mase`` (mean over series), ``rmse``
        and ``fit_s``.
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
        scores = {"mase": [], "rmse": [], "fit_s": []}
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
            if log is not None and name in VARIANTS:
                log(f"[{name}] fold {k}/{cv}  mean MASE {scores['mase'][-1]:.4g}  "
                    f"({scores['fit_s'][-1]:.1f} s)")
        results[name] = scores
    return results


def panel_leaderboard(results):
    """Table of mean MASE over series (mean and std over folds), RMSE and fit time, best first."""
    rows = [{"model": name, "mase_mean": np.mean(s["mase"]), "mase_std": np.std(s["mase"]),
             "rmse_mean": np.mean(s["rmse"]), "fit_s": np.mean(s["fit_s"])}
            for name, s in results.items()]
    return pd.DataFrame(rows).sort_values("mase_mean", kind="stable").reset_index(drop=True)
