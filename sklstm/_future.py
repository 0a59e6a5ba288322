"""Known-future steps in a window: the layout that carries covariates known ahead.

A demand model forecasting the next ``h`` steps knows some inputs of those
steps already: the calendar, a planned promotion, a weather forecast.
:func:`~sklstm.forecast_xy` gives them as lead columns ``name_lead1 ...
name_leadh``, and :class:`~sklstm.Windower` folds those columns into ``h``
future time steps appended to each window, so that an input of step ``k``
sits at step ``k`` instead of being repeated, as ``h`` extra channels, at
every step of the history. A window with known-future steps has shape
``(n_samples, T + h, n_channels + 1)``:

===============================  ===============================================
part                             values
===============================  ===============================================
steps ``0 .. T - 1`` (history)   every channel as observed (the target, past and
                                 future covariates, statics)
steps ``T .. T + h - 1``         the channels known ahead (future covariates,
(future)                         statics) hold their values at ``t + 1 .. t + h``;
                                 every other channel (the target, past
                                 covariates) is NaN: not known yet
last channel (the marker)        0 on history steps, 1 on future steps
===============================  ===============================================

Every estimator that reads windows recognises the layout by its marker
(:func:`find_layout`): a last channel that is 0 on the first steps and 1 on
the last ones, identically in every window. The marker is what keeps the
layout a plain NumPy array that ``Pipeline``, ``GridSearchCV`` and
``cross_validate`` pass through unchanged: no metadata needs to travel from
the Windower to the model. A window built by hand follows the same rules.

The layout a model was fitted on is a plain tuple ``(n_history, n_future,
known)``, ``known`` the channels (marker excluded) with values at the
future steps, so it pickles and saves as it is.
"""

import numpy as np

__all__ = ["find_layout", "check_layout", "history"]


def _marker_pattern(X):
    """The marker's pattern ``(n_history, n_future)`` read from the first window, or None."""
    if X.ndim != 3 or X.shape[2] < 2 or len(X) == 0 or X.shape[1] < 2:
        return None
    first = np.asarray(X[0, :, -1])
    if not np.isin(first, (0.0, 1.0)).all():
        return None
    n_future = int(first.sum())
    n_history = len(first) - n_future
    if n_future == 0 or n_history == 0 or first[n_history:].min() != 1 \
            or first[:n_history].max() != 0:
        return None
    return n_history, n_future


def find_layout(X, chunks=None):
    """The known-future layout of windows ``X``, or None for plain windows.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels)
        Validated windows (NaN allowed).
    chunks : iterable of slice, optional
        Row slices covering ``X``, read one at a time (a strided view is
        never copied whole); ``None`` reads all rows at once.

    Returns
    -------
    layout : tuple ``(n_history, n_future)`` or None
        The number of history and future steps, when the last channel is the
        marker (0 on the first ``n_history`` steps, 1 on the last
        ``n_future``, ``n_future >= 1`` and ``n_history >= 1``) in every
        window.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((2, 5, 2))
    >>> X[:, 3:, 1] = 1.0                      # the marker: 3 history, 2 future steps
    >>> find_layout(X)
    (3, 2)
    >>> find_layout(np.zeros((2, 5, 2))) is None
    True
    """
    pattern = _marker_pattern(X)
    if pattern is None:
        return None
    marker = np.zeros(X.shape[1], dtype=X.dtype)
    marker[pattern[0]:] = 1
    for rows in [slice(None)] if chunks is None else chunks:
        if not (X[rows, :, -1] == marker).all():
            return None
    return pattern


def check_layout(name, X, pattern, *, allow_nan, fitted=None, chunks=None):
    """Check the future steps of windows ``X`` and say which channels are known ahead.

    Parameters
    ----------
    name : str
        The estimator's name, for messages.
    X : ndarray of shape (n_samples, n_history + n_future, n_channels)
    pattern : tuple ``(n_history, n_future)``
        As :func:`find_layout` returns it.
    allow_nan : bool
        ``missing="mask"``: a known channel may miss values at some future
        steps (masked like any gap); otherwise it must have them all.
    fitted : tuple of int, optional
        The known channels seen in ``fit``; the windows must carry the same.
    chunks : iterable of slice, optional
        Row slices covering ``X``, as in :func:`find_layout`.

    Returns
    -------
    known : tuple of int
        Channels (the marker excluded) with values at the future steps.

    Raises
    ------
    ValueError
        A channel known at some future steps of some windows but not at all
        (a covariate lead missing for one step), infinity at a future step,
        or other known channels than in ``fit``.
    """
    n_history, n_future = pattern
    n_channels = X.shape[2] - 1
    seen = np.zeros((n_future, n_channels), dtype=np.int64)       # finite values per step
    for rows in [slice(None)] if chunks is None else chunks:
        future = np.asarray(X[rows, n_history:, :-1])              # (c, h, C)
        if np.isinf(future).any():
            raise ValueError(
                f"{name}: the future steps of X contain infinity; a covariate known "
                "ahead must be finite. Replace it (NaN marks what is not known).")
        seen += np.sum(np.isfinite(future), axis=0)
    known = tuple(int(c) for c in np.flatnonzero(seen.sum(axis=0) > 0))
    if not allow_nan:
        for c in known:
            short = np.flatnonzero(seen[:, c] < len(X))
            if len(short):
                raise ValueError(
                    f"{name}: channel {c} is known ahead at some future steps but "
                    f"missing at step {int(short[0]) + 1} of {n_future} in "
                    f"{len(X) - int(seen[short[0], c])} window(s); a covariate known ahead "
                    "needs a value at every future step (every lead column name_lead1 "
                    "... name_leadh of forecast_xy). Fill the missing leads, or set "
                    "missing='mask'.")
    if fitted is not None and known != tuple(fitted):
        raise ValueError(
            f"{name}: the future steps of X carry values in channel(s) {list(known)}, "
            f"but the model was fitted with values in {list(fitted)}; the same "
            "covariates must be known ahead in fit and predict.")
    return known


def history(X, layout):
    """The history steps of windows ``X`` without the marker, or ``X`` for plain windows."""
    if layout is None:
        return X
    return X[:, :layout[0], :-1]

