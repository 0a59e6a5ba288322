"""Baseline forecasts as scikit-learn regressors on the windows the models read.

Every estimator here takes the same input as the sklstm regressors: windows
``X`` of shape ``(n_samples, n_timesteps)`` or
``(n_samples, n_timesteps, n_features)``, as :class:`~sklstm.Windower` makes
them, where row ``t``'s window ends at time ``t``; and targets ``y`` of shape
``(n_samples,)`` or ``(n_samples, n_outputs)``, where output ``k`` (0-based) is
the value ``k + 1`` steps after the window's end, as
:func:`~sklstm.forecast_xy` builds them. Predictions come back in ``y``'s
shape. So a baseline drops into the same ``Pipeline``, ``GridSearchCV`` and
cross-validation folds as a recurrent model, and a model's score can be read
against it.

- :class:`LastValueRegressor`: every step is the window's last value.
- :class:`SeasonalNaiveRegressor`: every step is the value at the same point
  of the last full season in the window.
- :class:`WindowMeanRegressor`: every step is the window's mean.
- :class:`RidgeLagsRegressor`: ridge regression on the window's lags, the
  cheapest learned model, and often a strong one.

Every baseline also gives interval and quantile forecasts
(``predict_interval``, ``predict_quantiles``, ``predict(X, coverage=...)``):
the point forecast plus the empirical quantiles of its own in-sample
residuals, per output (horizon step), as skforecast's in-sample residual
intervals do. So an interval model has a baseline to beat too.

The first three are not fitted to the data: ``fit`` only records the shapes
(and the in-sample residuals).
They also take frames, ``X`` of shape ``(n_samples, n_timesteps, height,
width)`` or ``(n_samples, n_timesteps, channels, height, width)`` with a frame
target of one input frame's shape (what :class:`~sklstm.ConvLSTMRegressor`
reads): every pixel is then forecast from its own history, so
``LastValueRegressor`` is the persistence forecast of the next frame.
"""

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted

from ._future import history
from ._intervals import IntervalMixin
from ._ridge import ridge_loo, row_blocks
from ._validation import (
    Interval,
    Options,
    check_params,
    check_sequences,
    check_target,
    chunk_rows,
    flatten_target,
    inherit_rules,
    row_chunks,
)

__all__ = [
    "LastValueRegressor",
    "SeasonalNaiveRegressor",
    "WindowMeanRegressor",
    "RidgeLagsRegressor",
]


class _WindowBaseline(IntervalMixin, RegressorMixin, BaseEstimator):
    """Shared ``fit``/``predict`` of the baselines: validation and shapes.

    A subclass implements ``_fit_windows(X, y)`` (optional) and
    ``_predict_windows(X)``, which receive ``X`` of shape
    ``(n_samples, n_timesteps, n_features)`` as float32 or float64 (as given)
    and ``y`` of shape ``(n_samples, n_outputs)``, and return predictions of
    shape ``(n_samples, n_outputs_)``. With ``_takes_frames``, frames
    ``(n, T, [C,] H, W)`` with a frame target arrive as ``(n, T, C * H * W)``,
    one channel per pixel, and every pixel is a series of its own.

    ``fit`` keeps the in-sample residuals, ``residuals_`` of shape
    ``(n_samples, n_outputs)``; a forecast's quantile at level ``q`` is the
    point forecast plus the ``q``-quantile of its output's residuals
    (linear interpolation between order statistics, numpy's default).
    """

    _parameter_constraints = {
        "target_channel": Interval(int, 0),
    }
    _takes_frames = False

    #: Fitted known-future layout of the windows (:mod:`sklstm._future`), or None.
    _future_layout = None

    def __init_subclass__(cls, **kwargs):
        """A subclass lists only the parameter rules it adds."""
        super().__init_subclass__(**kwargs)
        inherit_rules(cls)

    def fit(self, X, y):
        """Check the parameters and the data; record their shapes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Windows; a 2-D ``X`` is one univariate window per row.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; output ``k`` is the value ``k + 1`` steps after the
            window's last time step.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        check_params(self, self._parameter_constraints)
        max_ndim = 5 if self._takes_frames else 3
        y, self._target_shape = flatten_target(self, y, max_ndim - 1)
        X, y = check_sequences(self, X, y, reset=True, y_required=True, dtype=None,
                               max_ndim=max_ndim, future=True)
        y = check_target(y)
        self._check_frames(X.shape)
        X = self._as_windows(X)
        self._check_windows(X.shape)
        self.n_outputs_ = y.shape[1]
        self._fit_windows(X, y)
        self.residuals_ = y - self._predict_rows(X)
        return self

    def _predict_rows(self, X):
        """``_predict_windows`` one chunk of rows at a time, each chunk a dense array
        (windows read on demand, :class:`~sklstm._lazy_windows.LazyWindows`, are
        materialised a chunk at a time; a strided view stays a view)."""
        size = chunk_rows(X.shape[1:])
        parts = [self._predict_windows(np.asarray(X[rows])) for rows in row_chunks(len(X), size)]
        return np.concatenate(parts) if parts else self._predict_windows(np.asarray(X))

    # IntervalMixin turns these into predict, predict_interval and
    # predict_quantiles (flat targets, (n_samples, n_outputs)).

    def _point(self, X):
        check_is_fitted(self)
        X, _ = check_sequences(self, X, reset=False, dtype=None,
                               max_ndim=5 if self._takes_frames else 3, future=True)
        return self._predict_rows(self._as_windows(X))

    def _point_and_bounds(self, X, coverage):
        y_pred = self._point(X)
        low, high = np.quantile(self.residuals_, [(1 - coverage) / 2, (1 + coverage) / 2],
                                axis=0)
        return y_pred, y_pred + low, y_pred + high

    def _quantile_values(self, X, levels):
        y_pred = self._point(X)
        offsets = np.quantile(self.residuals_, levels, axis=0)       # (n_levels, n_outputs)
        return y_pred[:, :, np.newaxis] + offsets.T

    def _fit_windows(self, X, y):
        """Hook: learn from windows ``X`` and 2-D targets ``y`` (nothing by default)."""

    def _predict_windows(self, X):
        raise NotImplementedError

    def _check_frames(self, shape):
        """Inputs of rank 4 or 5 are frames and need a frame target of one frame's shape."""
        if len(shape) <= 3:
            if len(self._target_shape) > 1:
                raise ValueError(
                    f"{type(self).__name__} got frame targets of shape "
                    f"{self._target_shape} for windows of shape {shape[1:]}; frame "
                    "targets need frame inputs (n_samples, n_timesteps, [channels,] "
                    "height, width).")
            return
        if self._target_shape != tuple(shape[2:]):
            raise ValueError(
                f"{type(self).__name__} got frames of shape {tuple(shape[2:])} and "
                f"targets of shape {self._target_shape or '(one value)'}; with frame "
                "inputs the target is the next frame, of the same shape as one input "
                "frame. Flatten the inputs to (n_samples, n_timesteps, n_features) "
                "for any other target.")

    def _as_windows(self, X):
        """``(n, T, n_series)``: frames become one channel per pixel."""
        return X.reshape(X.shape[0], X.shape[1], -1) if X.ndim > 3 else X

    def _check_windows(self, shape):
        """Check that windows of ``shape`` (n_samples, n_timesteps, n_features) fit."""
        n_channels = shape[2]
        if len(self._target_shape) < 2 and self.target_channel >= n_channels:
            raise ValueError(
                f"{type(self).__name__}: target_channel={self.target_channel} but X "
                f"has {n_channels} feature(s) per time step. Pass the index of the "
                "input channel the target is measured in (0 for the series column "
                "of forecast_xy)."
            )

    def _target(self, X):
        """The target channel of each window, shape (n_samples, n_timesteps)."""
        return X[:, :, self.target_channel]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        return tags


class _NaiveBaseline(_WindowBaseline):
    """A forecast read off each series' own window: ``_forecast(series, horizon)``."""

    _takes_frames = True

    def _predict_windows(self, X):
        X = history(X, self._future_layout)             # the steps observed so far
        if len(self._target_shape) > 1:                 # frames: every pixel, one step
            series = X                                  # (n, T, P)
        else:
            series = X[:, :, [self.target_channel]]     # (n, T, 1)
        horizon = self.n_outputs_ // series.shape[2]
        return self._forecast(series, horizon).reshape(len(X), -1)   # (n, S * horizon)

    def _forecast(self, series, horizon):
        """Forecasts ``(n, S, horizon)`` of ``S`` series given as ``(n, T, S)``."""
        raise NotImplementedError

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A naive forecast is not fitted to the data: it is the baseline that
        # fitted models are measured against. On scikit-learn's random check
        # data, where y is not a continuation of X, it cannot score well.
        tags.regressor_tags.poor_score = True
        return tags


class LastValueRegressor(_NaiveBaseline):
    """Forecast every step as the window's last value (the naive forecast).

    For window ``X[i]`` of length ``T`` and every output ``k``:
    ``y_pred[i, k] = X[i, T - 1, target_channel]``. This is the forecast of a
    random walk, and the baseline of the mean absolute scaled error.

    Parameters
    ----------
    target_channel : int, default=0
        The input channel the target is measured in (``0`` is the series
        column that :func:`~sklstm.forecast_xy` puts first).

    Attributes
    ----------
    n_outputs_ : int
        Number of outputs (horizon steps) seen in ``fit``.
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (the number of time steps).

    See Also
    --------
    SeasonalNaiveRegressor : the value one season before the target.
    WindowMeanRegressor : the mean of the window.
    RidgeLagsRegressor : a ridge regression on the window's lags.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LastValueRegressor
    >>> X = np.arange(24.0).reshape(2, 4, 3)   # (n_samples, n_timesteps, n_features)
    >>> y = np.zeros((2, 2))                   # two steps ahead
    >>> LastValueRegressor().fit(X, y).predict(X)
    array([[ 9.,  9.],
           [21., 21.]])
    >>> LastValueRegressor(target_channel=2).fit(X, y[:, 0]).predict(X)
    array([11., 23.])
    """

    def __init__(self, *, target_channel=0):
        self.target_channel = target_channel

    def _forecast(self, series, horizon):
        return np.repeat(series[:, -1, :, np.newaxis], horizon, axis=2)


class SeasonalNaiveRegressor(_NaiveBaseline):
    """Forecast each step as the value at the same point of the last season.

    Row ``t``'s window ends at time ``t``, and output ``k`` (1-based) targets
    time ``t + k``. The forecast is the latest value of the window at the same
    phase of the season, ``season_length`` (or a multiple of it) steps before
    the target. For a window of length ``T``:

    .. math::

        \\hat y_{t+k} = X[T - m + ((k - 1) \\bmod m)]

    with ``m = season_length`` and 0-based window positions; ``k = 1`` reads
    ``X[:, -m]`` and ``k = m`` reads the window's last value. Steps beyond one
    season repeat the last season.

    Parameters
    ----------
    season_length : int, default=1
        Seasonal period in time steps (7 for daily data with a weekly pattern,
        12 for monthly data with a yearly one). ``1`` is the last-value
        forecast. Windows must hold at least one full season.
    target_channel : int, default=0
        The input channel the target is measured in.

    Attributes
    ----------
    n_outputs_ : int
        Number of outputs (horizon steps) seen in ``fit``.
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (the number of time steps).

    See Also
    --------
    LastValueRegressor : ``season_length=1``.
    sklstm.Windower : its ``window`` must be at least ``season_length``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import SeasonalNaiveRegressor
    >>> X = np.arange(10.0).reshape(1, 5, 2)   # (n_samples, n_timesteps, n_features)
    >>> X[0, :, 0]                             # the target channel
    array([0., 2., 4., 6., 8.])
    >>> y = np.zeros((1, 4))                   # four steps ahead
    >>> SeasonalNaiveRegressor(season_length=3).fit(X, y).predict(X)
    array([[4., 6., 8., 4.]])
    """

    _parameter_constraints = {
        "season_length": Interval(int, 1),
    }

    def __init__(self, season_length=1, *, target_channel=0):
        self.season_length = season_length
        self.target_channel = target_channel

    def _check_windows(self, shape):
        super()._check_windows(shape)
        layout = self._future_layout
        n_timesteps = shape[1] if layout is None else layout[0]      # history steps
        if n_timesteps < self.season_length:
            raise ValueError(
                f"SeasonalNaiveRegressor: season_length={self.season_length} but "
                f"the windows have {n_timesteps} time step(s) (n_features={n_timesteps} "
                "for a 2-D X); a window must hold one full season. Use a window of at "
                f"least {self.season_length} time steps, e.g. "
                f"Windower(window={self.season_length}), or a shorter season_length."
            )

    def _forecast(self, series, horizon):
        m = self.season_length
        positions = series.shape[1] - m + np.arange(horizon) % m     # (horizon,)
        return series[:, positions, :].transpose(0, 2, 1)            # (n, S, horizon)


class WindowMeanRegressor(_NaiveBaseline):
    """Forecast every step as the mean of the window.

    For window ``X[i]`` of length ``T`` and every output ``k``:
    ``y_pred[i, k] = mean(X[i, :, target_channel])``. It suits a series that
    varies around a level; with a window as long as the training data it is
    the climatology forecast.

    Parameters
    ----------
    target_channel : int, default=0
        The input channel the target is measured in.

    Attributes
    ----------
    n_outputs_ : int
        Number of outputs (horizon steps) seen in ``fit``.
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (the number of time steps).

    See Also
    --------
    LastValueRegressor : the window's last value.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import WindowMeanRegressor
    >>> X = np.array([[[1.0], [2.0], [6.0]],
    ...               [[0.0], [0.0], [3.0]]])  # (n_samples, n_timesteps, n_features)
    >>> WindowMeanRegressor().fit(X, [0.0, 0.0]).predict(X)
    array([3., 1.])
    """

    def __init__(self, *, target_channel=0):
        self.target_channel = target_channel

    def _forecast(self, series, horizon):
        return np.repeat(series.mean(axis=1)[:, :, np.newaxis], horizon, axis=2)


def _is_alpha_grid(value):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) == 0:
        return False
    return all(isinstance(a, numbers.Real) and not isinstance(a, bool)
               and np.isfinite(a) and a > 0 for a in value)


class _LagDesign:
    """The lag features of windows ``X``, read chunk by chunk (see :mod:`sklstm._ridge`).

    Row ``i`` is window ``X[i]`` flattened (oldest lag first, channels
    fastest); with ``window_norm`` each channel is taken relative to its
    location in the window and the ``n_features`` locations follow. Only the
    rows or columns asked for are built, as float64, so the lags of a
    :class:`~sklstm.Windower` view are never materialised.

    With known-future steps (:mod:`sklstm._future`) the lags are those of
    the history, and the values known ahead follow as they are, step by step
    (future step first, channels fastest).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features)
        Windows, possibly a strided view.
    window_norm : {"last", "mean"} or None
        The location, as in :class:`RidgeLagsRegressor`.
    layout : tuple or None, default=None
        The windows' known-future layout.
    """

    def __init__(self, X, window_norm, layout=None):
        self.future = None if layout is None else (layout[0], list(layout[2]))
        self.X = history(X, layout)
        self.full = X
        self.window_norm = window_norm
        n, n_steps, n_channels = self.X.shape
        self.n_samples = n
        self.n_lags = n_steps * n_channels
        self.n_located = self.n_lags + (n_channels if window_norm else 0)
        self.n_ahead = 0 if layout is None else layout[1] * len(layout[2])
        self.n_features = self.n_located + self.n_ahead

    def _ahead(self, rows):
        """The known-future values of windows ``rows``, ``(n_rows, n_ahead)``, float64."""
        start, known = self.future
        block = np.asarray(self.full[rows, start:], dtype=np.float64)[:, :, known]
        return block.reshape(len(block), -1)

    def _locations(self, W):
        return W[:, -1, :] if self.window_norm == "last" else W.mean(axis=1)

    def rows(self, rows):
        """Features of windows ``rows`` (a slice), shape (n_rows, n_features)."""
        W = np.asarray(self.X[rows], dtype=np.float64)               # (c, T, F)
        if self.window_norm is None:
            Z = W.reshape(len(W), -1)
        else:
            loc = self._locations(W)                                  # (c, F)
            Z = np.empty((len(W), W.shape[1] + 1, W.shape[2]))       # lags, then locations
            np.subtract(W, loc[:, np.newaxis, :], out=Z[:, :-1])
            Z[:, -1] = loc
            Z = Z.reshape(len(W), -1)
        if self.future is None or not self.n_ahead:
            return Z
        return np.concatenate([Z, self._ahead(rows)], axis=1)

    def columns(self, size):
        """Yield ``(columns, block)``: the features of whole time steps, all rows."""
        n, n_steps, n_channels = self.X.shape
        loc = None
        if self.window_norm is not None:
            loc = np.concatenate([self._locations(np.asarray(self.X[rows], dtype=np.float64))
                                  for rows in row_blocks(n, self.n_lags)])
        steps = max(1, size // n_channels)
        for start in range(0, n_steps, steps):
            stop = min(start + steps, n_steps)
            W = np.asarray(self.X[:, start:stop], dtype=np.float64)
            if loc is not None:
                W = W - loc[:, np.newaxis, :]
            yield slice(start * n_channels, stop * n_channels), W.reshape(n, -1)
        if loc is not None:
            yield slice(self.n_lags, self.n_located), loc
        if self.n_ahead:
            yield slice(self.n_located, self.n_features), self._ahead(slice(None))


class RidgeLagsRegressor(_WindowBaseline):
    """Ridge regression on the lags in each window (multi-output).

    Each window is flattened into ``n_timesteps * n_features`` lag features,
    the features are standardised, and the penalty is chosen by efficient
    leave-one-out cross-validation, one ``alpha`` per output, exactly as
    :class:`~sklearn.linear_model.RidgeCV` (``alpha_per_target=True``) on
    :class:`~sklearn.preprocessing.StandardScaler`'s output chooses it. It is
    the cheapest learned model on the windows the recurrent models read, and
    on many series it is as accurate as they are: a recurrent model is worth
    its cost where it beats this one.

    With ``window_norm``, the regression runs in window units: every channel
    of a window is shifted by its own location (last value or mean), the
    target by the target channel's, and the prediction is shifted back. The
    locations of the channels are kept as extra features, so no information
    is lost; the penalty then shrinks the forecast towards the window's level
    plus the average change seen in training, rather than towards the mean of
    the training targets, which is what a trending series needs.

    The whole grid of penalties, for every output, comes from one spectral
    decomposition of the standardised lag matrix, chosen by its shape and
    rank (``solver_``): the normal equations for tall designs, the kernel for
    wide ones, and a certified basis of the column space for designs of low
    rank, such as windows of future-covariate leads, where every lead at
    every step is one of a few shifted values. The lag matrix is built one
    chunk of rows (or time steps) at a time from ``X``, so a
    :class:`~sklstm.Windower` view is never flattened whole. 16,000 windows of
    96 steps by 97 channels (a day-ahead half-hourly problem with two
    covariates' 48 leads, 9,409 features) fit in about 15 CPU seconds, where the
    whole matrix and ``RidgeCV`` took 801; see ``benchmarks/ridge_scale.py``.

    Parameters
    ----------
    alphas : sequence of float > 0, default=(1e-3, 1e-2, ..., 1e3)
        Penalties tried (on standardised features); a tie goes to the first.
    window_norm : {"last", "mean"} or None, default="last"
        Location each window is expressed relative to: its last value
        (``"last"``), its mean (``"mean"``), or none (raw lags). ``"last"`` is
        the default because it measured best on the bundled series (sunspots,
        nile, elec_equip and the twelve macrodata columns; window of two
        seasons in [8, 48], three ``TimeSeriesSplit`` folds). One step ahead,
        RMSE relative to :class:`LastValueRegressor`, geometric mean over the
        15 series (worst series): ``"last"`` 0.72 (1.02), ``"mean"`` 0.76
        (1.31), raw lags 0.80 (1.33); four steps ahead 0.70 (1.03), 0.74
        (1.14), 0.76 (1.15). Raw lags lose most on series that drift away
        from their training range (macrodata's tbilrate, m1).
    target_channel : int, default=0
        The input channel the target is measured in; with ``window_norm``,
        the target is shifted by that channel's location.
    alpha_per_output : bool, default=True
        Choose a penalty for each output (horizon step) by its own
        leave-one-out error, or one penalty for all outputs (``False``), the
        one with the smallest error averaged over outputs. Both cost the same.

    Attributes
    ----------
    coef_ : ndarray of shape (n_outputs, n_lag_features)
        Coefficients on the lag features in the units of ``X`` (not
        standardised), oldest lag first and channels fastest, followed by the
        channels' locations when ``window_norm`` is set.
    intercept_ : ndarray of shape (n_outputs,)
        Intercepts, in window units when ``window_norm`` is set.
    alpha_ : ndarray of shape (n_outputs,)
        The penalty chosen for each output.
    solver_ : {"covariance", "gram", "range"}
        The decomposition the penalties were evaluated with: eigenvectors of
        the normal equations, of the kernel, or of a basis of the lag
        matrix's column space (see :mod:`sklstm._ridge`).
    n_outputs_ : int
        Number of outputs (horizon steps) seen in ``fit``.
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (the number of time steps).

    See Also
    --------
    LastValueRegressor : the naive forecast.
    sklstm.Windower : ``Windower(flatten=True)`` with ``RidgeCV`` is the same
        model on raw lags, without standardisation.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import Windower, forecast_xy
    >>> from sklstm.baselines import RidgeLagsRegressor
    >>> t = np.arange(200.0)
    >>> series = 0.1 * t + np.sin(2 * np.pi * t / 12)      # trend + season
    >>> X, y = forecast_xy(series, horizon=3)
    >>> Xw = Windower(window=24).fit_transform(X)          # (n_samples, 24, 1)
    >>> train = slice(23, 150)                             # skip the padded windows
    >>> reg = RidgeLagsRegressor().fit(Xw[train], y[train])
    >>> y_pred = reg.predict(Xw[150:])
    >>> y_pred.shape                                       # (n_samples, horizon)
    (47, 3)
    >>> bool(np.abs(y_pred - y[150:]).max() < 0.01)        # naive: 1.67
    True
    >>> reg.coef_.shape                                    # 24 lags + 1 location
    (3, 25)
    """

    _parameter_constraints = {
        "alphas": Options([], extra=_is_alpha_grid,
                          extra_text="a non-empty sequence of floats > 0"),
        "window_norm": Options([None, "last", "mean"]),
        "alpha_per_output": Options([True, False]),
    }

    def __init__(self, alphas=(1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2, 1e3), *,
                 window_norm="last", target_channel=0, alpha_per_output=True):
        self.alphas = alphas
        self.window_norm = window_norm
        self.target_channel = target_channel
        self.alpha_per_output = alpha_per_output

    def _target_location(self, X):
        """The target channel's location in each window, shape (n_samples,), or None."""
        if self.window_norm is None:
            return None
        X, channel = history(X, self._future_layout), self.target_channel
        if self.window_norm == "last":
            return np.asarray(X[:, -1, channel], dtype=np.float64)
        return np.concatenate([np.asarray(X[rows, :, channel]).mean(axis=1, dtype=np.float64)
                               for rows in row_chunks(len(X), chunk_rows(X.shape[1:]))])

    def _fit_windows(self, X, y):
        loc = self._target_location(X)
        if loc is not None:
            y = y - loc[:, np.newaxis]
        solution = ridge_loo(_LagDesign(X, self.window_norm, self._future_layout), y,
                             self.alphas,
                             standardize=True, alpha_per_target=self.alpha_per_output)
        self.coef_ = solution.coef.T
        self.intercept_ = solution.intercept
        self.alpha_ = solution.alpha
        self.solver_ = solution.solver

    def _predict_windows(self, X):
        design = _LagDesign(X, self.window_norm, self._future_layout)
        y_pred = np.empty((len(X), len(self.intercept_)))
        for rows in row_blocks(len(X), design.n_features):
            y_pred[rows] = design.rows(rows) @ self.coef_.T + self.intercept_
        loc = self._target_location(X)
        return y_pred if loc is None else y_pred + loc[:, np.newaxis]
