r"""Point and probabilistic forecast metrics, and scorers built on them.

Metrics take forecasts in the shapes sklstm's estimators return them:

- targets ``y_true`` of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``;
- quantile forecasts ``y_quantiles`` of shape ``(n_samples, n_quantiles)`` or
  ``(n_samples, n_outputs, n_quantiles)``, what ``predict_quantiles`` returns,
  with the levels ``quantiles`` along the last axis;
- interval forecasts ``y_interval`` of shape ``(n_samples, 2)`` or
  ``(n_samples, n_outputs, 2)``, lower then upper, what ``predict_interval``
  returns.

Every metric averages over samples and outputs with equal weights, so a
multi-step forecast (one output per horizon step) is scored over all its
steps at once.

- :func:`quantile_loss`: mean pinball loss.
- :func:`interval_coverage`: share of targets inside their interval.
- :func:`interval_width`: mean interval width.
- :func:`winkler_score`: mean Winkler (interval) score.
- :func:`crps_from_quantiles`: the CRPS approximated from quantile forecasts.
- :func:`mase`: mean absolute scaled error.

Scorers for ``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV` and
:func:`~sklearn.model_selection.cross_validate`:
:func:`make_interval_scorer`, :func:`make_quantile_scorer`,
:data:`coverage_scorer`, :func:`width_scorer`, :func:`winkler_scorer`,
:func:`quantile_loss_scorer` and :func:`crps_scorer`.
"""

import inspect

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import Pipeline

from ._validation import Interval, check_args

__all__ = [
    "quantile_loss",
    "interval_coverage",
    "interval_width",
    "winkler_score",
    "crps_from_quantiles",
    "mase",
    "make_interval_scorer",
    "make_quantile_scorer",
    "coverage_scorer",
    "width_scorer",
    "winkler_scorer",
    "quantile_loss_scorer",
    "crps_scorer",
]

#: A quantile level or a nominal coverage: strictly between 0 and 1.
_LEVEL = Interval(float, 0, 1, closed="neither")

_TARGET_SHAPE = "(n_samples,) or (n_samples, n_outputs)"
_QUANTILE_SHAPE = "(n_samples, n_quantiles) or (n_samples, n_outputs, n_quantiles)"
_INTERVAL_SHAPE = "(n_samples, 2) or (n_samples, n_outputs, 2)"


# --------------------------------------------------------------------------
# input checks
# --------------------------------------------------------------------------


def _as_array(function, name, value, ndims, shape_text):
    """Return ``value`` as a finite, non-empty float64 array of a rank in ``ndims``."""
    if sp.issparse(value):
        raise TypeError(
            f"{function}: {name} is a sparse {type(value).__name__}; metrics take "
            f"dense arrays. Convert it with {name}.toarray()."
        )
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{function}: {name} could not be read as an array of floats ({exc}). "
            f"Pass a numeric array of shape {shape_text}."
        ) from exc
    if array.ndim not in ndims:
        raise ValueError(
            f"{function}: {name} must have shape {shape_text}, got an array of "
            f"shape {array.shape}."
        )
    if array.size == 0:
        raise ValueError(
            f"{function}: {name} of shape {array.shape} is empty; a metric needs at "
            "least one sample and one value per sample."
        )
    finite = np.isfinite(array)
    if not finite.all():
        n_nan = int(np.isnan(array).sum())
        n_inf = int(array.size - finite.sum()) - n_nan
        first = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{function}: {name} contains {n_nan} NaN and {n_inf} infinite value(s), "
            f"the first at index {first}; forecast metrics need finite values. Drop "
            "those rows (from every argument) or impute them first."
        )
    return array


def _check_rows(function, y_true, name, other):
    """Check that ``other`` holds forecasts for the rows of ``y_true``."""
    if other.shape[0] != y_true.shape[0]:
        raise ValueError(
            f"{function}: y_true has {y_true.shape[0]} samples but {name} has "
            f"{other.shape[0]}; pass forecasts for the same rows as the targets."
        )


def _check_forecast(function, y_true, name, forecast, last_axis):
    """Check ``y_true`` against a forecast with one more (last) axis; return both."""
    shape_text = _QUANTILE_SHAPE if last_axis == "n_quantiles" else _INTERVAL_SHAPE
    y_true = _as_array(function, "y_true", y_true, (1, 2), _TARGET_SHAPE)
    forecast = _as_array(function, name, forecast, (2, 3), shape_text)
    _check_rows(function, y_true, name, forecast)
    if y_true.ndim == 1 and forecast.ndim != 2:
        raise ValueError(
            f"{function}: y_true of shape {y_true.shape} is 1-D, so {name} must have "
            f"shape (n_samples, {last_axis}), got shape {forecast.shape}. Pass "
            f"y_true of shape (n_samples, n_outputs) to score several outputs."
        )
    if y_true.ndim == 2 and (forecast.ndim != 3 or forecast.shape[1] != y_true.shape[1]):
        raise ValueError(
            f"{function}: y_true of shape {y_true.shape} has {y_true.shape[1]} "
            f"output(s), so {name} must have shape (n_samples, {y_true.shape[1]}, "
            f"{last_axis}), got shape {forecast.shape}."
        )
    return y_true, forecast


def _check_interval(function, y_interval):
    """Check the (lower, upper) last axis and the bounds' order; return both bounds."""
    if y_interval.shape[-1] != 2:
        raise ValueError(
            f"{function}: y_interval must hold (lower, upper) along its last axis, "
            f"shape {_INTERVAL_SHAPE}, got shape {y_interval.shape}."
        )
    lower, upper = y_interval[..., 0], y_interval[..., 1]
    crossed = lower > upper
    if crossed.any():
        first = tuple(int(i) for i in np.argwhere(crossed)[0])
        raise ValueError(
            f"{function}: y_interval has a lower bound above its upper bound in "
            f"{int(crossed.sum())} place(s), the first at index {first} (lower="
            f"{lower[first]!r}, upper={upper[first]!r}). Pass each interval as "
            "(lower, upper) along the last axis, lower <= upper."
        )
    return lower, upper


def _check_levels(function, quantiles, n_levels=None):
    """Check a sequence of quantile levels in (0, 1); return it as a float64 array."""
    if isinstance(quantiles, (str, bytes)) or np.ndim(quantiles) != 1:
        raise ValueError(
            f"{function}: quantiles must be a sequence of floats in (0, 1), got "
            f"{quantiles!r}. Pass a list, even for one level: quantiles=[0.9]."
        )
    quantiles = list(quantiles)
    if n_levels is not None and len(quantiles) != n_levels:
        raise ValueError(
            f"{function}: got {len(quantiles)} quantile level(s) {tuple(quantiles)} but "
            f"y_quantiles has {n_levels} along its last axis; pass one level per "
            "forecast quantile, in the same order."
        )
    if not quantiles:
        raise ValueError(f"{function}: quantiles is empty; pass at least one level in (0, 1).")
    check_args(function, **{f"quantiles[{i}]": (q, _LEVEL) for i, q in enumerate(quantiles)})
    return np.asarray(quantiles, dtype=np.float64)


def _pinball(y_true, y_quantiles, levels):
    """Pinball losses of shape ``y_quantiles.shape`` (levels on the last axis)."""
    diff = y_true[..., np.newaxis] - y_quantiles
    return np.maximum(levels * diff, (levels - 1.0) * diff)


# --------------------------------------------------------------------------
# metrics
# --------------------------------------------------------------------------


def quantile_loss(y_true, y_quantiles, quantiles):
    r"""Mean pinball loss of quantile forecasts, over samples, outputs and levels.

    .. math::

        \mathrm{QL} = \frac{1}{n\,m\,K} \sum_{i=1}^{n} \sum_{j=1}^{m}
            \sum_{k=1}^{K} \rho_{\tau_k}\bigl(y_{ij} - \hat q_{ijk}\bigr),
        \qquad
        \rho_\tau(u) = \max\bigl(\tau u,\ (\tau - 1) u\bigr)

    for :math:`n` samples, :math:`m` outputs and :math:`K` levels
    :math:`\tau_k`. The loss is in the units of ``y``, lower is better, and it
    is minimised in expectation by the true :math:`\tau_k`-quantiles. With one
    level it equals :func:`sklearn.metrics.mean_pinball_loss` with
    ``alpha`` set to that level.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed values.
    y_quantiles : array-like of shape (n_samples, [n_outputs,] n_quantiles)
        Quantile forecasts, as ``predict_quantiles`` returns them: one
        column per level along the last axis, and an ``n_outputs`` axis when
        ``y_true`` is 2-D.
    quantiles : sequence of float
        The levels in (0, 1), one per entry of ``y_quantiles``' last axis, in
        the same order.

    Returns
    -------
    loss : float
        The mean pinball loss.

    See Also
    --------
    crps_from_quantiles : Twice this loss, read as an approximate CRPS.
    sklearn.metrics.mean_pinball_loss : The same loss for one level.

    Examples
    --------
    >>> from sklstm.metrics import quantile_loss
    >>> y_true = [1.0, 2.0, 3.0]
    >>> y_quantiles = [[0.0, 1.0, 2.0], [1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    >>> quantile_loss(y_true, y_quantiles, quantiles=[0.1, 0.5, 0.9])
    0.1222...
    """
    y_true, y_quantiles = _check_forecast(
        "quantile_loss", y_true, "y_quantiles", y_quantiles, "n_quantiles")
    levels = _check_levels("quantile_loss", quantiles, y_quantiles.shape[-1])
    return float(_pinball(y_true, y_quantiles, levels).mean())


def interval_coverage(y_true, y_interval):
    r"""Share of targets inside their forecast interval, bounds included.

    .. math::

        \mathrm{coverage} = \frac{1}{n\,m} \sum_{i=1}^{n} \sum_{j=1}^{m}
            \mathbb{1}\bigl[l_{ij} \le y_{ij} \le u_{ij}\bigr]

    A calibrated interval of nominal coverage :math:`1 - \alpha` covers a
    share close to :math:`1 - \alpha` of new targets. Coverage alone does not
    rank models (an infinitely wide interval covers everything); read it next
    to :func:`interval_width`, or use :func:`winkler_score`, which weighs both.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed values.
    y_interval : array-like of shape (n_samples, 2) or (n_samples, n_outputs, 2)
        Interval forecasts, lower then upper along the last axis, as
        ``predict_interval`` returns them.

    Returns
    -------
    coverage : float
        The empirical coverage, in [0, 1].

    See Also
    --------
    interval_width : The intervals' mean width.
    winkler_score : Width plus a penalty for each miss.

    Examples
    --------
    >>> from sklstm.metrics import interval_coverage
    >>> y_true = [1.0, 2.0, 3.0, 4.0]
    >>> y_interval = [[0.0, 2.0], [2.0, 3.0], [3.5, 4.0], [3.0, 5.0]]
    >>> interval_coverage(y_true, y_interval)
    0.75
    """
    y_true, y_interval = _check_forecast(
        "interval_coverage", y_true, "y_interval", y_interval, "2")
    lower, upper = _check_interval("interval_coverage", y_interval)
    return float(((lower <= y_true) & (y_true <= upper)).mean())


def interval_width(y_interval):
    r"""Mean width of interval forecasts.

    .. math::

        \mathrm{width} = \frac{1}{n\,m} \sum_{i=1}^{n} \sum_{j=1}^{m}
            \bigl(u_{ij} - l_{ij}\bigr)

    Among intervals with the same coverage, the narrower are the sharper, and
    the more useful.

    Parameters
    ----------
    y_interval : array-like of shape (n_samples, 2) or (n_samples, n_outputs, 2)
        Interval forecasts, lower then upper along the last axis.

    Returns
    -------
    width : float
        The mean of upper minus lower, in the units of ``y``.

    See Also
    --------
    interval_coverage : The share of targets the intervals hold.

    Examples
    --------
    >>> from sklstm.metrics import interval_width
    >>> interval_width([[0.0, 2.0], [2.0, 3.0]])
    1.5
    """
    y_interval = _as_array("interval_width", "y_interval", y_interval, (2, 3), _INTERVAL_SHAPE)
    lower, upper = _check_interval("interval_width", y_interval)
    return float((upper - lower).mean())


def winkler_score(y_true, y_interval, coverage):
    r"""Mean Winkler score (interval score) of interval forecasts.

    With :math:`\alpha = 1 - \text{coverage}`, each interval
    :math:`[l, u]` scores its width plus a penalty proportional to how far the
    target falls outside it (Winkler 1972; Gneiting & Raftery 2007, the
    interval score):

    .. math::

        W_\alpha(l, u; y) = (u - l)
            + \frac{2}{\alpha} (l - y)\, \mathbb{1}[y < l]
            + \frac{2}{\alpha} (y - u)\, \mathbb{1}[y > u]

    and the result is the mean of :math:`W_\alpha` over samples and outputs.
    Lower is better. The score is proper: in expectation it is minimised by
    the central interval between the :math:`\alpha/2` and
    :math:`1 - \alpha/2` quantiles, so it rewards intervals that are both
    calibrated and narrow.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed values.
    y_interval : array-like of shape (n_samples, 2) or (n_samples, n_outputs, 2)
        Interval forecasts, lower then upper along the last axis.
    coverage : float
        The intervals' nominal coverage :math:`1 - \alpha`, in (0, 1).

    Returns
    -------
    score : float
        The mean Winkler score, in the units of ``y``.

    See Also
    --------
    interval_coverage, interval_width : The two things it weighs.

    References
    ----------
    .. [1] R. L. Winkler, "A decision-theoretic approach to interval
       estimation", Journal of the American Statistical Association 67(337),
       1972.
    .. [2] T. Gneiting and A. E. Raftery, "Strictly proper scoring rules,
       prediction, and estimation", Journal of the American Statistical
       Association 102(477), 2007.

    Examples
    --------
    >>> from sklstm.metrics import winkler_score
    >>> y_true = [1.0, 5.0]
    >>> y_interval = [[0.0, 2.0], [2.0, 4.0]]
    >>> winkler_score(y_true, y_interval, coverage=0.5)  # (2 + (2 + 4 * 1)) / 2
    4.0
    """
    check_args("winkler_score", coverage=(coverage, _LEVEL))
    y_true, y_interval = _check_forecast(
        "winkler_score", y_true, "y_interval", y_interval, "2")
    lower, upper = _check_interval("winkler_score", y_interval)
    alpha = 1.0 - coverage
    below = np.maximum(lower - y_true, 0.0)
    above = np.maximum(y_true - upper, 0.0)
    return float((upper - lower + (2.0 / alpha) * (below + above)).mean())


def crps_from_quantiles(y_true, y_quantiles, quantiles):
    r"""Continuous ranked probability score approximated from quantile forecasts.

    The CRPS of a predictive distribution :math:`F` for an observation
    :math:`y` is twice the pinball loss of its quantile function, integrated
    over the levels (Laio & Tamea 2007; Gneiting & Raftery 2007):

    .. math::

        \mathrm{CRPS}(F, y) = \int_{-\infty}^{\infty}
            \bigl(F(x) - \mathbb{1}[y \le x]\bigr)^2 \, dx
            = 2 \int_0^1 \rho_\tau\bigl(y - F^{-1}(\tau)\bigr)\, d\tau .

    This function replaces the integral by the mean over the :math:`K`
    forecast levels, so it returns ``2 * quantile_loss(y_true, y_quantiles,
    quantiles)``:

    .. math::

        \widehat{\mathrm{CRPS}} = \frac{2}{K} \sum_{k=1}^{K}
            \rho_{\tau_k}\bigl(y - \hat q_{\tau_k}\bigr),

    averaged over samples and outputs. The mean is a Riemann sum of the
    integral, so the approximation holds when the levels are evenly spread
    over (0, 1), for example :math:`\tau_k = k / (K + 1)`, and it converges
    to the CRPS as :math:`K` grows, with an error of order :math:`1/K` (for a
    normal forecast with 99 levels ``0.01, ..., 0.99`` it is about 1%
    above the closed form). With a few or unevenly spread levels, such as
    ``(0.1, 0.5, 0.9)``, it is a weighted quantile loss rather than the CRPS.
    Lower is better; the units are those of ``y``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed values.
    y_quantiles : array-like of shape (n_samples, [n_outputs,] n_quantiles)
        Quantile forecasts, one column per level along the last axis, and an
        ``n_outputs`` axis when ``y_true`` is 2-D.
    quantiles : sequence of float
        The levels in (0, 1), one per entry of ``y_quantiles``' last axis;
        evenly spread over (0, 1) for the approximation to hold.

    Returns
    -------
    crps : float
        The approximate mean CRPS.

    See Also
    --------
    quantile_loss : The mean pinball loss, half of this score.

    References
    ----------
    .. [1] F. Laio and S. Tamea, "Verification tools for probabilistic
       forecasts of continuous hydrological variables", Hydrology and Earth
       System Sciences 11(4), 2007.

    Examples
    --------
    A standard normal forecast for an observation at its median; the closed
    form is :math:`2\varphi(0) - 1/\sqrt{\pi} \approx 0.2337`:

    >>> import numpy as np
    >>> from scipy.stats import norm
    >>> from sklstm.metrics import crps_from_quantiles
    >>> levels = np.arange(1, 100) / 100
    >>> y_quantiles = norm.ppf(levels)[np.newaxis, :]
    >>> round(crps_from_quantiles([0.0], y_quantiles, levels), 4)
    0.2359
    """
    y_true, y_quantiles = _check_forecast(
        "crps_from_quantiles", y_true, "y_quantiles", y_quantiles, "n_quantiles")
    levels = _check_levels("crps_from_quantiles", quantiles, y_quantiles.shape[-1])
    return float(2.0 * _pinball(y_true, y_quantiles, levels).mean())


def mase(y_true, y_pred, y_train, season_length=1):
    r"""Mean absolute scaled error (Hyndman & Koehler 2006).

    The forecast's mean absolute error divided by the in-sample mean absolute
    error of the seasonal naive forecast on the training series
    :math:`z_1, \dots, z_T`, with season length :math:`s`:

    .. math::

        \mathrm{MASE} =
            \frac{\frac{1}{n\,m} \sum_{i=1}^{n} \sum_{j=1}^{m}
                  \lvert y_{ij} - \hat y_{ij} \rvert}
                 {\frac{1}{T - s} \sum_{t=s+1}^{T} \lvert z_t - z_{t-s} \rvert}

    A value below 1 means the forecast errs less, on average, than the
    seasonal naive forecast did one step ahead inside the training data. The
    scale does not depend on the test data, so the scores of several test
    windows of one series can be compared and averaged.

    For multi-output targets (one output per horizon step, as
    :func:`~sklstm.forecast_xy` builds them) the numerator averages over
    every step, and the scale stays the *one-step* in-sample seasonal naive
    error of the 1-D training series, as Hyndman & Koehler define it; a
    longer horizon is not rescaled.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Observed values.
    y_pred : array-like of the same shape as ``y_true``
        Point forecasts.
    y_train : array-like of shape (n_train,)
        The training series, in time order, from which the scale is computed.
        A column vector ``(n_train, 1)`` is read as 1-D.
    season_length : int, default=1
        The season length :math:`s` of the naive forecast; 1 is the
        last-value (random walk) forecast. ``y_train`` needs more than
        ``season_length`` values.

    Returns
    -------
    score : float
        The MASE; lower is better.

    Raises
    ------
    ValueError
        If the scale is zero, for example for a constant ``y_train``: MASE is
        then undefined.

    References
    ----------
    .. [1] R. J. Hyndman and A. B. Koehler, "Another look at measures of
       forecast accuracy", International Journal of Forecasting 22(4), 2006.

    Examples
    --------
    >>> from sklstm.metrics import mase
    >>> y_train = [1.0, 3.0, 2.0, 4.0, 3.0]   # naive errors 2, 1, 2, 1: scale 1.5
    >>> mase([5.0, 4.0], [4.0, 4.0], y_train)  # MAE 0.5
    0.333...
    >>> mase([5.0, 4.0], [4.0, 4.0], y_train, season_length=2)  # scale 1.0
    0.5
    """
    check_args("mase", season_length=(season_length, Interval(int, 1)))
    y_true = _as_array("mase", "y_true", y_true, (1, 2), _TARGET_SHAPE)
    y_pred = _as_array("mase", "y_pred", y_pred, (1, 2), _TARGET_SHAPE)
    if y_pred.shape != y_true.shape:
        raise ValueError(
            f"mase: y_true has shape {y_true.shape} but y_pred has shape "
            f"{y_pred.shape}; pass one forecast per target, in the same shape."
        )
    y_train = _as_array("mase", "y_train", y_train, (1, 2), "(n_train,)")
    if y_train.ndim == 2:
        if y_train.shape[1] != 1:
            raise ValueError(
                f"mase: y_train must be the 1-D training series, shape (n_train,), got "
                f"shape {y_train.shape}. For horizon targets pass the series itself "
                "(for example its first column, y_train[:, 0]); for several series "
                "call mase once per series."
            )
        y_train = y_train[:, 0]
    if y_train.shape[0] <= season_length:
        raise ValueError(
            f"mase: y_train has {y_train.shape[0]} value(s), but season_length="
            f"{season_length} needs at least {season_length + 1} for one seasonal "
            "difference. Pass a longer training series or a shorter season_length."
        )
    scale = np.abs(y_train[season_length:] - y_train[:-season_length]).mean()
    if not scale > 0.0:
        raise ValueError(
            f"mase: the in-sample seasonal naive forecast (season_length="
            f"{season_length}) fits y_train exactly (mean absolute error 0, for "
            "example a constant series), so MASE divides by zero. Score with "
            "sklearn.metrics.mean_absolute_error instead, or pass a y_train that "
            "varies between seasons."
        )
    return float(np.abs(y_true - y_pred).mean() / scale)


# --------------------------------------------------------------------------
# scorers
# --------------------------------------------------------------------------


def _predict_interval(estimator, X, coverage):
    """``estimator``'s interval forecast of ``X`` at ``coverage``."""
    method = getattr(estimator, "predict_interval", None)
    if method is not None:
        return method(X, coverage=coverage)
    # A Pipeline exposes no predict_interval, but forwards predict's keywords
    # to its last step, whose predict(X, coverage=...) returns the pair.
    name = type(estimator).__name__
    try:
        result = estimator.predict(X, coverage=coverage)
    except TypeError as exc:
        if "coverage" not in str(exc):
            raise
        raise TypeError(
            f"{name} gives no interval forecasts: it has no predict_interval and its "
            "predict does not take coverage=. Score an estimator with "
            "predict_interval(X, coverage=...), or one whose predict(X, coverage=...) "
            "returns (y_pred, y_interval), such as a Pipeline ending in one."
        ) from exc
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(
            f"{name}.predict(X, coverage=...) must return the pair (y_pred, y_interval), "
            f"got {type(result).__name__}."
        )
    return result[1]


def _predict_quantiles(estimator, X, quantiles):
    """``estimator``'s quantile forecast of ``X`` at the levels ``quantiles``."""
    method = getattr(estimator, "predict_quantiles", None)
    if method is not None:
        return method(X, quantiles=quantiles)
    if isinstance(estimator, Pipeline):
        # A Pipeline exposes no predict_quantiles: run X through the fitted
        # transformers, then ask the last step.
        if len(estimator.steps) > 1:
            X = estimator[:-1].transform(X)
        return _predict_quantiles(estimator[-1], X, quantiles)
    raise TypeError(
        f"{type(estimator).__name__} gives no quantile forecasts: it has no "
        "predict_quantiles(X, quantiles=...). Score an estimator that has one, or a "
        "Pipeline ending in one."
    )


def _check_scorer_args(function, metric, greater_is_better):
    if not callable(metric):
        raise TypeError(
            f"{function}: metric must be a callable such as winkler_score, got "
            f"{metric!r}."
        )
    if not isinstance(greater_is_better, (bool, np.bool_)):
        raise TypeError(
            f"{function}: greater_is_better must be True or False, got "
            f"{greater_is_better!r}."
        )


def _takes(metric, name):
    try:
        return name in inspect.signature(metric).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False


def _repr_kwargs(kwargs):
    return "".join(f", {key}={value!r}" for key, value in kwargs.items())


class _IntervalScorer:
    """``scorer(estimator, X, y_true)``: a metric of the predicted intervals.

    Made by :func:`make_interval_scorer`; see there.
    """

    def __init__(self, metric, coverage, greater_is_better, kwargs):
        self.metric = metric
        self.coverage = coverage
        self.greater_is_better = greater_is_better
        self.kwargs = kwargs

    def __call__(self, estimator, X, y_true):
        y_interval = _predict_interval(estimator, X, self.coverage)
        kwargs = dict(self.kwargs)
        if _takes(self.metric, "coverage"):
            kwargs["coverage"] = self.coverage
        score = float(self.metric(y_true, y_interval, **kwargs))
        return score if self.greater_is_better else -score

    def __repr__(self):
        return (f"make_interval_scorer({getattr(self.metric, '__name__', self.metric)}, "
                f"coverage={self.coverage!r}, greater_is_better={self.greater_is_better!r}"
                f"{_repr_kwargs(self.kwargs)})")


class _QuantileScorer:
    """``scorer(estimator, X, y_true)``: a metric of the predicted quantiles.

    Made by :func:`make_quantile_scorer`; see there.
    """

    def __init__(self, metric, quantiles, greater_is_better, kwargs):
        self.metric = metric
        self.quantiles = quantiles
        self.greater_is_better = greater_is_better
        self.kwargs = kwargs

    def __call__(self, estimator, X, y_true):
        y_quantiles = _predict_quantiles(estimator, X, self.quantiles)
        score = float(self.metric(y_true, y_quantiles, quantiles=self.quantiles,
                                  **self.kwargs))
        return score if self.greater_is_better else -score

    def __repr__(self):
        return (f"make_quantile_scorer({getattr(self.metric, '__name__', self.metric)}, "
                f"quantiles={self.quantiles!r}, "
                f"greater_is_better={self.greater_is_better!r}"
                f"{_repr_kwargs(self.kwargs)})")


def make_interval_scorer(metric, *, coverage=0.9, greater_is_better=True, **kwargs):
    """Make a scorer from a metric of interval forecasts.

    The scorer is a callable ``scorer(estimator, X, y_true)`` for
    ``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_validate` and the like. It asks the
    fitted estimator for intervals at ``coverage`` and returns
    ``metric(y_true, y_interval, **kwargs)``, negated when
    ``greater_is_better=False`` (scikit-learn maximises scores).

    The intervals come from ``estimator.predict_interval(X, coverage=coverage)``
    when the estimator has that method. Otherwise from
    ``estimator.predict(X, coverage=coverage)``, which must return
    ``(y_pred, y_interval)``: a :class:`~sklearn.pipeline.Pipeline` exposes no
    ``predict_interval`` but forwards ``coverage=`` to its last step's
    ``predict``, so a Pipeline ending in an interval forecaster is scored
    as it is. (With scikit-learn's metadata routing enabled, the last step
    must request it: ``set_predict_request(coverage=True)``.)

    :func:`sklearn.metrics.make_scorer` cannot do this: it calls the response
    method with ``X`` alone, so the coverage could not reach
    ``predict_interval``, and a Pipeline has no such method to call.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_interval, **kwargs)`` returning a float, such as
        :func:`interval_coverage` or :func:`winkler_score`. When it takes a
        ``coverage`` parameter, the scorer's ``coverage`` is passed to it.
    coverage : float, default=0.9
        The nominal coverage of the intervals asked for, in (0, 1).
    greater_is_better : bool, default=True
        Whether a higher ``metric`` is better. ``False`` for losses such as
        the Winkler score; the scorer then returns the negated metric.
    **kwargs
        Further keyword arguments for ``metric``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``. It can be pickled, so it
        works with ``n_jobs``.

    See Also
    --------
    coverage_scorer, width_scorer, winkler_scorer : Ready-made interval scorers.
    make_quantile_scorer : The same for quantile forecasts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.metrics import make_interval_scorer, winkler_score
    >>> class Band:  # a fitted forecaster of the band [-1, 1]
    ...     def predict_interval(self, X, coverage=0.9):
    ...         return np.tile([-1.0, 1.0], (len(X), 1))
    >>> scorer = make_interval_scorer(winkler_score, coverage=0.5,
    ...                               greater_is_better=False)
    >>> scorer
    make_interval_scorer(winkler_score, coverage=0.5, greater_is_better=False)
    >>> scorer(Band(), X=np.zeros((2, 3)), y_true=[0.0, 2.0])  # -(2 + (2 + 4 * 1)) / 2
    -4.0
    """
    _check_scorer_args("make_interval_scorer", metric, greater_is_better)
    check_args("make_interval_scorer", coverage=(coverage, _LEVEL))
    return _IntervalScorer(metric, coverage, bool(greater_is_better), kwargs)


def make_quantile_scorer(metric, *, quantiles, greater_is_better=True, **kwargs):
    """Make a scorer from a metric of quantile forecasts.

    The scorer is a callable ``scorer(estimator, X, y_true)`` for
    ``scoring=`` in :class:`~sklearn.model_selection.GridSearchCV`,
    :func:`~sklearn.model_selection.cross_validate` and the like. It asks the
    fitted estimator for ``estimator.predict_quantiles(X, quantiles=quantiles)``
    and returns ``metric(y_true, y_quantiles, quantiles=quantiles, **kwargs)``,
    negated when ``greater_is_better=False``.

    A :class:`~sklearn.pipeline.Pipeline` exposes no ``predict_quantiles``:
    for one, the scorer runs ``X`` through the fitted steps before the last
    (``pipeline[:-1].transform(X)``) and asks the last step, exactly the
    input ``pipeline.predict`` would give it.

    Parameters
    ----------
    metric : callable
        ``metric(y_true, y_quantiles, quantiles=..., **kwargs)`` returning a
        float, such as :func:`quantile_loss` or :func:`crps_from_quantiles`.
    quantiles : sequence of float
        The levels asked for, in (0, 1). They must be levels the estimator
        can forecast.
    greater_is_better : bool, default=True
        Whether a higher ``metric`` is better; ``False`` for losses, and the
        scorer then returns the negated metric.
    **kwargs
        Further keyword arguments for ``metric``.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``; it can be pickled.

    See Also
    --------
    quantile_loss_scorer, crps_scorer : Ready-made quantile scorers.
    make_interval_scorer : The same for interval forecasts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.metrics import make_quantile_scorer, quantile_loss
    >>> class Zero:  # a fitted forecaster whose every quantile is 0
    ...     def predict_quantiles(self, X, quantiles=None):
    ...         return np.zeros((len(X), len(quantiles)))
    >>> scorer = make_quantile_scorer(quantile_loss, quantiles=(0.1, 0.9),
    ...                               greater_is_better=False)
    >>> scorer(Zero(), X=np.zeros((2, 3)), y_true=[1.0, 1.0])  # -(0.1 + 0.9) / 2
    -0.5
    """
    _check_scorer_args("make_quantile_scorer", metric, greater_is_better)
    levels = _check_levels("make_quantile_scorer", quantiles)
    return _QuantileScorer(metric, tuple(float(q) for q in levels),
                           bool(greater_is_better), kwargs)


def _mean_width(y_true, y_interval):
    """:func:`interval_width` with the scorer's ``(y_true, y_interval)`` signature."""
    return interval_width(y_interval)


def width_scorer(coverage=0.9):
    """Scorer of the mean interval width at ``coverage``; narrower is better.

    ``make_interval_scorer(interval_width, ...)`` in effect, negated
    (``greater_is_better=False``). Width alone rewards intervals that are too
    narrow: report it next to :data:`coverage_scorer`, and select with
    :func:`winkler_scorer`.

    Parameters
    ----------
    coverage : float, default=0.9
        The nominal coverage of the intervals asked for, in (0, 1).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``, minus the mean width.

    Examples
    --------
    >>> from sklstm.metrics import width_scorer
    >>> width_scorer(coverage=0.8)
    make_interval_scorer(_mean_width, coverage=0.8, greater_is_better=False)
    """
    check_args("width_scorer", coverage=(coverage, _LEVEL))
    return make_interval_scorer(_mean_width, coverage=coverage, greater_is_better=False)


def winkler_scorer(coverage=0.9):
    """Scorer of the mean Winkler score of the intervals at ``coverage``.

    ``make_interval_scorer(winkler_score, coverage=coverage,
    greater_is_better=False)``: it returns minus :func:`winkler_score`, so
    :class:`~sklearn.model_selection.GridSearchCV` picks the model with the
    lowest score, the one whose intervals best balance width and misses.

    Parameters
    ----------
    coverage : float, default=0.9
        The nominal coverage of the intervals asked for, in (0, 1); it is
        also the Winkler score's :math:`1 - \\alpha`.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``.

    Examples
    --------
    >>> from sklstm.metrics import winkler_scorer
    >>> winkler_scorer(coverage=0.8)
    make_interval_scorer(winkler_score, coverage=0.8, greater_is_better=False)
    """
    check_args("winkler_scorer", coverage=(coverage, _LEVEL))
    return make_interval_scorer(winkler_score, coverage=coverage, greater_is_better=False)


def quantile_loss_scorer(quantiles):
    """Scorer of the mean pinball loss of the quantiles at the levels ``quantiles``.

    ``make_quantile_scorer(quantile_loss, quantiles=quantiles,
    greater_is_better=False)``: it returns minus :func:`quantile_loss`.

    Parameters
    ----------
    quantiles : sequence of float
        The levels asked for, in (0, 1).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``.

    Examples
    --------
    >>> from sklstm.metrics import quantile_loss_scorer
    >>> quantile_loss_scorer(quantiles=[0.1, 0.5, 0.9])
    make_quantile_scorer(quantile_loss, quantiles=(0.1, 0.5, 0.9), greater_is_better=False)
    """
    _check_levels("quantile_loss_scorer", quantiles)
    return make_quantile_scorer(quantile_loss, quantiles=quantiles, greater_is_better=False)


def crps_scorer(quantiles):
    """Scorer of the CRPS approximated from the quantiles at the levels ``quantiles``.

    ``make_quantile_scorer(crps_from_quantiles, quantiles=quantiles,
    greater_is_better=False)``: it returns minus :func:`crps_from_quantiles`.
    The approximation needs levels evenly spread over (0, 1), for example
    ``np.arange(1, 20) / 20``, that the estimator can forecast.

    Parameters
    ----------
    quantiles : sequence of float
        The levels asked for, in (0, 1).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y_true) -> float``.

    Examples
    --------
    >>> from sklstm.metrics import crps_scorer
    >>> crps_scorer(quantiles=[0.25, 0.5, 0.75])
    make_quantile_scorer(crps_from_quantiles, quantiles=(0.25, 0.5, 0.75), greater_is_better=False)
    """
    _check_levels("crps_scorer", quantiles)
    return make_quantile_scorer(crps_from_quantiles, quantiles=quantiles,
                                greater_is_better=False)


#: Scorer of the empirical coverage of the 90% intervals, for reporting.
#: Higher coverage is not better in itself (the widest interval covers
#: everything): report it with :func:`width_scorer`, for example in
#: ``cross_validate(..., scoring={"coverage": coverage_scorer, "winkler":
#: winkler_scorer(0.9)})``, and select models with :func:`winkler_scorer`.
#: For another coverage use ``make_interval_scorer(interval_coverage,
#: coverage=...)``.
coverage_scorer = make_interval_scorer(interval_coverage, coverage=0.9)
