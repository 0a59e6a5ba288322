"""Per-window normalisation (RevIN without the affine terms, Kim et al. 2022).

Each input window is shifted (and for ``"standard"`` scaled) by its own
statistics, per channel, over the time axis. A target measured in the same
units as one input channel is mapped with that channel's statistics, so a model
that predicts "no change relative to the window" predicts the window's level,
wherever that level is: forecasts can leave the range seen in training.

Shapes: ``X`` is ``(n_samples, n_timesteps, n_channels)``, or with trailing
spatial axes ``(n_samples, n_timesteps, n_channels, height, width)`` whose
statistics pool time and space per channel; statistics are
``(n_samples, n_channels)``; targets are ``(n_samples, n_outputs)`` and every
output column is mapped with the target channel's statistics.

Missing values (NaN, with ``missing="mask"``) are left out of every
statistic: a window's mean and deviation are those of its observed values,
its ``"last"`` location is its last observed value, and a window or channel
with no observed value gets NaN statistics (the caller decides what that
means).

Everything here but the channel statistics works row by row, so it gives a
row the same numbers whatever other rows are in the array: the estimators
apply it to one mini-batch or chunk at a time. The channel statistics, a
reduction over all rows, are accumulated over fixed chunks of rows
(:class:`ChannelMoments`), so they need one chunk of memory and do not depend
on how the array lies in memory.
"""

import warnings
from contextlib import contextmanager

import numpy as np

from ._validation import chunk_rows, row_chunks

__all__ = ["MODES", "window_stats", "normalize_windows", "to_window_units",
           "from_window_units", "channel_stats", "ChannelMoments", "standardize_channels",
           "choose_window_norm", "choose_window_norm_chunked", "level_ratio",
           "spread_elasticity", "last_observed"]

MODES = ("standard", "mean", "last", "relative", "level")


def window_stats(X, mode):
    """Location and scale of each window and channel.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels, *spatial)
        Windows; trailing spatial axes (ConvLSTM frames) are pooled with time.
    mode : {"standard", "mean", "last", "relative", "level"}
        ``"standard"``: window mean and standard deviation; ``"mean"``: window
        mean, scale 1; ``"last"``: the window's last value (the last frame's
        mean over space), scale 1; ``"relative"``: the last value, scaled by
        the window's mean absolute value (a change relative to the window's
        level, so series at any level share one scale); ``"level"``: no
        shift, scaled by the mean absolute value (DeepAR's scaling; a
        non-negative series stays non-negative).

    Returns
    -------
    loc, scale : ndarray of shape (n_samples, n_channels), float64
        A (near-)constant window gets, instead of 0, the absolute value of
        its level as its ``"standard"`` scale (1 when the level is 0), so
        nothing is divided by zero and its target is a relative change.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[[1.0], [2.0], [6.0]]])
    >>> window_stats(X, "last")
    (array([[6.]]), array([[1.]]))
    >>> window_stats(X, "standard")[0]
    array([[3.]])
    """
    X = np.asarray(X, dtype=np.float64)
    spatial = tuple(range(3, X.ndim))
    missing = np.isnan(X).any()
    mean, std = (np.nanmean, np.nanstd) if missing else (np.mean, np.std)
    with _quiet_empty():
        if mode in ("last", "relative"):
            last = last_observed(X) if missing else X[:, -1]
            loc = mean(last, axis=tuple(a - 1 for a in spatial))
        else:
            loc = mean(X, axis=(1,) + spatial)
        scale = std(X, axis=(1,) + spatial) if mode == "standard" else None
        if mode in ("relative", "level"):
            scale = mean(np.abs(X), axis=(1,) + spatial)
            if mode == "level":
                loc = np.zeros_like(loc)
    if mode == "standard":
        # A constant window (float32 rounding leaves noise, not spread) has no
        # scale of its own; its level stands in, so that its target, in
        # window units, is a relative change as on the series' other windows.
        # (Scale 1 in data units would make the edge-padded first window of a
        # series at level 1,000 a thousandfold outlier of the loss.)
        flat = scale <= 1e-6 * np.maximum(np.abs(loc), 1.0)
        scale[flat] = np.where(np.abs(loc[flat]) > 0, np.abs(loc[flat]), 1.0)
    elif mode in ("relative", "level"):
        # a window of zeros (an intermittent series' quiet weeks) keeps data units
        scale[~(scale > 1e-12)] = 1.0
    else:
        scale = np.ones_like(loc)
    return loc, scale


def last_observed(X):
    """The last non-NaN value along the time axis, per window and channel (and pixel).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, ...)

    Returns
    -------
    last : ndarray of shape (n_samples, ...)
        NaN where a window has no observed value.

    Examples
    --------
    >>> X = np.array([[[1.0], [np.nan]], [[np.nan], [np.nan]]])
    >>> last_observed(X)
    array([[ 1.],
           [nan]])
    """
    observed = ~np.isnan(X)
    # position of the last observed step: T - 1 - (first observed step from the end)
    steps = X.shape[1] - 1 - np.argmax(observed[:, ::-1], axis=1)
    last = np.take_along_axis(X, steps[:, np.newaxis], axis=1)[:, 0]
    return np.where(observed.any(axis=1), last, np.nan)


@contextmanager
def _quiet_empty():
    """NaN statistics of an all-NaN slice are intended: no RuntimeWarning."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)
        warnings.filterwarnings("ignore", "Degrees of freedom <= 0", RuntimeWarning)
        yield


def normalize_windows(X, loc, scale):
    """``(X - loc) / scale`` per window and channel, as float32."""
    shape = (len(X), 1, loc.shape[1]) + (1,) * (X.ndim - 3)
    return ((X - loc.reshape(shape)) / scale.reshape(shape)).astype(np.float32)


def to_window_units(y, loc, scale):
    """Express targets ``(n_samples, n_outputs)`` relative to their window.

    ``loc`` and ``scale`` are the target channel's statistics, shape
    ``(n_samples,)``; every output column (horizon step) uses the same ones.
    """
    return (y - loc[:, np.newaxis]) / scale[:, np.newaxis]


def from_window_units(y, loc, scale):
    """Inverse of :func:`to_window_units`."""
    return y * scale[:, np.newaxis] + loc[:, np.newaxis]


def channel_stats(X):
    """Training mean and standard deviation of each input channel.

    Accumulated over chunks of rows (:func:`~sklstm._validation.chunk_rows`)
    by :class:`ChannelMoments`, exactly as ``fit`` accumulates them one chunk
    of windows at a time.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels, *spatial)

    Returns
    -------
    loc, scale : ndarray of shape (n_channels,), float64
        Over samples, time and space. A constant channel gets scale 1.

    Examples
    --------
    >>> X = np.array([[[1.0, 5.0], [3.0, 5.0]]])
    >>> channel_stats(X)
    (array([2., 5.]), array([1., 1.]))
    """
    moments = ChannelMoments()
    for rows in row_chunks(len(X), chunk_rows(X.shape[1:])):
        moments.add(np.ascontiguousarray(X[rows]))
    return moments.result()


class ChannelMoments:
    """Mean and variance of each channel, accumulated one chunk of rows at a time.

    Each chunk's count, mean and variance come from NumPy in float64
    (``np.mean`` and ``np.var``, or ``np.nanmean`` and ``np.nanvar`` when the
    chunk holds NaN); chunks are merged with the pairwise update of Chan,
    Golub and LeVeque (1979), which stays accurate over many chunks. One
    chunk gives NumPy's statistics of that chunk exactly.

    Parameters
    ----------
    weight : ndarray of shape (n_rows,), default=None
        A weight per row of all the chunks to come, in the order they are
        added: the moments are then weighted (every value of a row carries
        its weight; a row of weight 0 counts for nothing).

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(10, 4, 2)).astype(np.float32)
    >>> moments = ChannelMoments()
    >>> moments.add(X[:3]); moments.add(X[3:])
    >>> loc, scale = moments.result()
    >>> np.allclose(loc, X.mean(axis=(0, 1), dtype=np.float64), rtol=1e-12)
    True
    >>> np.allclose(scale, X.std(axis=(0, 1), dtype=np.float64), rtol=1e-12)
    True
    """

    def __init__(self, weight=None):
        self.weight = weight
        self.rows = 0
        self.count = self.mean = self.var = None

    def add(self, X):
        """Add the next chunk of rows, ``(n_rows, n_timesteps, n_channels, *spatial)``."""
        axes = (0, 1) + tuple(range(3, X.ndim))
        first, self.rows = self.rows, self.rows + len(X)
        with _quiet_empty():
            if self.weight is not None:
                count, mean, var = _weighted_moments(X, self.weight[first:self.rows], axes)
            elif np.isnan(X).any():
                count = np.sum(~np.isnan(X), axis=axes).astype(np.float64)
                mean = np.nanmean(X, axis=axes, dtype=np.float64)
                var = np.nanvar(X, axis=axes, dtype=np.float64)
            else:
                count = np.full(X.shape[2], X.size // X.shape[2], dtype=np.float64)
                mean = np.mean(X, axis=axes, dtype=np.float64)
                var = np.var(X, axis=axes, dtype=np.float64)
        if self.count is None:
            self.count, self.mean, self.var = count, mean, var
            return
        n_a, n_b = self.count, count
        total = n_a + n_b
        with np.errstate(invalid="ignore", divide="ignore"):
            delta = mean - self.mean
            merged_mean = self.mean + delta * (n_b / total)
            merged_var = (self.var * n_a + var * n_b + delta**2 * (n_a * n_b / total)) / total
        # a channel not observed on one side keeps the other side's statistics
        self.mean = np.where(n_b == 0, self.mean, np.where(n_a == 0, mean, merged_mean))
        self.var = np.where(n_b == 0, self.var, np.where(n_a == 0, var, merged_var))
        self.count = total

    def result(self):
        """``(loc, scale)`` as :func:`channel_stats` returns them."""
        loc, scale = self.mean, np.sqrt(self.var)
        # a channel never observed: nothing to centre
        loc, scale = np.nan_to_num(loc, nan=0.0), np.nan_to_num(scale, nan=1.0)
        # float32 rounding of a constant channel leaves noise, not spread
        scale = np.where(scale > 1e-6 * np.maximum(np.abs(loc), 1.0), scale, 1.0)
        return loc, scale


def _weighted_moments(X, weight, axes):
    """Weighted count, mean and variance per channel of a chunk; NaN counts for nothing."""
    shape = (len(X),) + (1,) * (X.ndim - 1)
    w = np.broadcast_to(np.asarray(weight, dtype=np.float64).reshape(shape), X.shape)
    observed = ~np.isnan(X)
    w = np.where(observed, w, 0.0)
    values = np.where(observed, X, 0.0).astype(np.float64)
    count = w.sum(axis=axes)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (w * values).sum(axis=axes) / count
        centred = values - mean.reshape((1, 1, -1) + (1,) * (X.ndim - 3))
        var = (w * centred**2).sum(axis=axes) / count
    return count, mean, var


def standardize_channels(X, loc, scale):
    """``(X - loc) / scale`` per channel with :func:`channel_stats`'s output, as float32."""
    shape = (1, 1, len(loc)) + (1,) * (X.ndim - 3)
    return ((X - loc.reshape(shape)) / scale.reshape(shape)).astype(np.float32, copy=False)


def choose_window_norm(last, y, mode="last"):
    """``mode`` when the windows' last values forecast ``y`` better than its mean.

    The rule behind ``window_norm="auto"``: where persistence (the window's
    last value of the target's channel) has a smaller mean squared error than
    the training mean of each target column, the data behave like a series,
    and a window's level is the reference to forecast from. Otherwise (the
    target is not measured in the window's units) no window normalisation.

    Parameters
    ----------
    last : ndarray of shape (n_samples, n_outputs)
        The persistence forecast of each target column.
    y : ndarray of shape (n_samples, n_outputs)
        The training targets.
    mode : str, default="last"
        What to return when persistence wins: the regressors ask for
        ``"relative"`` (the last value as the reference, scaled by the
        window's level, so that series at different levels share one scale).

    Returns
    -------
    mode : ``mode`` or None

    Examples
    --------
    >>> t = np.arange(50.0)
    >>> choose_window_norm(t[:-1, None], t[1:, None])      # a trend
    'last'
    >>> rng = np.random.RandomState(0)
    >>> print(choose_window_norm(rng.normal(size=(50, 1)), rng.normal(size=(50, 1))))
    None
    """
    return choose_window_norm_chunked(lambda rows: last[rows], y, [slice(None)], mode)


def choose_window_norm_chunked(last_of, y, chunks, mode="last"):
    """:func:`choose_window_norm`, reading the persistence forecast chunk by chunk.

    ``last_of(rows)`` gives the persistence forecast of ``y[rows]`` (any
    shape that broadcasts against it) for each slice in ``chunks``, which
    cover the rows of ``y``. Nothing of ``y``'s size is allocated: the
    squared errors and the column variances (two passes: means, then
    squared deviations) are summed over the chunks. Missing values are left
    out, pair by pair.
    """
    n_outputs = y.shape[1]
    squares, pairs = 0.0, 0
    total, count = np.zeros(n_outputs), np.zeros(n_outputs)
    for rows in chunks:
        part = y[rows]
        error = part - last_of(rows)
        seen = ~np.isnan(error)
        squares += float(np.square(error, where=seen, out=np.zeros_like(error)).sum())
        pairs += int(seen.sum())
        seen = ~np.isnan(part)
        total += np.where(seen, part, 0.0).sum(axis=0)
        count += seen.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        deviations = np.zeros(n_outputs)
        for rows in chunks:
            centred = y[rows] - mean
            deviations += np.square(centred, where=~np.isnan(centred),
                                    out=np.zeros_like(centred)).sum(axis=0)
        variances = (deviations / count)[count > 0]
        persistence = squares / pairs if pairs else np.nan
        spread = variances.mean() if len(variances) else np.nan
    return mode if persistence < spread else None



def level_ratio(windows):
    """How much the windows' levels differ, against how much a window varies inside.

    The variance of the window means over the mean within-window variance:
    about ``1 / n_timesteps`` for white noise, near 0 for a seasonal series
    around a constant level whose windows cover whole seasons (monthly CO2
    differenced: 0.001), and far above that for a trending series, a random
    walk, a cycle longer than the window (yearly sunspots: 0.2 at window 20)
    or a panel of series at different levels. ``window_norm="auto"``
    normalises windows only above ``2 / n_timesteps``.

    Parameters
    ----------
    windows : ndarray of shape (n_samples, n_timesteps)
        The target channel of (a sample of) the training windows; NaN is
        left out.

    Returns
    -------
    ratio : float
        ``inf`` when no window varies inside.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> view = np.lib.stride_tricks.sliding_window_view
    >>> bool(level_ratio(view(rng.normal(size=500), 12)) < 1)
    True
    >>> bool(level_ratio(view(np.cumsum(rng.normal(size=500)), 12)) > 1)
    True
    """
    windows = np.asarray(windows, dtype=np.float64)
    with _quiet_empty():
        between = np.nanvar(np.nanmean(windows, axis=1))
        within = np.nanmean(np.nanvar(windows, axis=1))
    if not within > 0:
        return np.inf if between > 0 else 0.0
    return float(between / within)


def spread_elasticity(windows):
    """How a window's spread grows with its level: 1 multiplicative, 0 additive.

    The least-squares slope of the log standard deviation of each window on
    the log of its mean absolute value. On a panel of sales, big series swing
    in proportion to their size (about 1: measured 0.65-1.01 on five panels);
    a trend under a seasonal swing of fixed size gives about 0. Where the
    slope is above 1/2, ``window_norm="auto"`` divides each window by its
    level (``"relative"``); below, it only shifts it (``"last"``).

    Parameters
    ----------
    windows : ndarray of shape (n_samples, n_timesteps)
        The target channel of (a sample of) the training windows; windows
        with NaN, no spread or level 0 are left out.

    Returns
    -------
    slope : float
        0 when fewer than three windows, or no spread of levels, are left.

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> levels = rng.uniform(10, 1000, size=(200, 1))
    >>> round(spread_elasticity(levels * (1 + 0.1 * rng.normal(size=(200, 12)))), 1)
    1.0
    >>> abs(round(spread_elasticity(levels + rng.normal(size=(200, 12))), 1))
    0.0
    """
    windows = np.asarray(windows, dtype=np.float64)
    with _quiet_empty():
        level = np.abs(windows).mean(axis=1)
        spread = windows.std(axis=1)
    keep = np.isfinite(level) & np.isfinite(spread) & (level > 0) & (spread > 0)
    if keep.sum() < 3:
        return 0.0
    x, z = np.log(level[keep]), np.log(spread[keep])
    variance = np.var(x)
    if not variance > 1e-12:
        return 0.0
    return float(np.mean((x - x.mean()) * (z - z.mean())) / variance)
