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
           "from_window_units"]

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
