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
"""

import numpy as np

__all__ = ["MODES", "window_stats", "normalize_windows", "to_window_units",
           "from_window_units", "channel_stats", "standardize_channels",
           "choose_window_norm"]

MODES = ("standard", "mean", "last")


def window_stats(X, mode):
    """Location and scale of each window and channel.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_channels, *spatial)
        Windows; trailing spatial axes (ConvLSTM frames) are pooled with time.
    mode : {"standard", "mean", "last"}
        ``"standard"``: window mean and standard deviation; ``"mean"``: window
        mean, scale 1; ``"last"``: the window's last value (the last frame's
        mean over space), scale 1.

    Returns
    -------
    loc, scale : ndarray of shape (n_samples, n_channels), float64
        A (near-)constant window gets scale 1 instead of 0, so nothing is
        divided by zero.

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
    if mode == "last":
        loc = X[:, -1].mean(axis=tuple(a - 1 for a in spatial))
    else:
        loc = X.mean(axis=(1,) + spatial)
    if mode == "standard":
        scale = X.std(axis=(1,) + spatial)
        # float32 inputs of a constant window leave rounding noise, not spread
        scale[scale <= 1e-6 * np.maximum(np.abs(loc), 1.0)] = 1.0
    else:
        scale = np.ones_like(loc)
    return loc, scale


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
    axes = (0, 1) + tuple(range(3, X.ndim))
    loc = X.mean(axis=axes, dtype=np.float64)
    scale = X.std(axis=axes, dtype=np.float64)
    # float32 rounding of a constant channel leaves noise, not spread
    scale = np.where(scale > 1e-6 * np.maximum(np.abs(loc), 1.0), scale, 1.0)
    return loc, scale


def standardize_channels(X, loc, scale):
    """``(X - loc) / scale`` per channel with :func:`channel_stats`'s output, as float32."""
    shape = (1, 1, len(loc)) + (1,) * (X.ndim - 3)
    return ((X - loc.reshape(shape)) / scale.reshape(shape)).astype(np.float32, copy=False)


def choose_window_norm(last, y):
    """``"last"`` when the windows' last values forecast ``y`` better than its mean.

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

    Returns
    -------
    mode : {"last", None}

    Examples
    --------
    >>> t = np.arange(50.0)
    >>> choose_window_norm(t[:-1, None], t[1:, None])      # a trend
    'last'
    >>> rng = np.random.RandomState(0)
    >>> print(choose_window_norm(rng.normal(size=(50, 1)), rng.normal(size=(50, 1))))
    None
    """
    persistence = np.mean((y - last) ** 2)
    spread = np.mean(np.var(y, axis=0))
    return "last" if persistence < spread else None
