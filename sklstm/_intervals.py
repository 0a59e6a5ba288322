r"""Interval and quantile forecasts: what the regressors and baselines share.

:class:`IntervalMixin` gives an estimator ``predict_quantiles``,
``predict_interval`` and ``predict(X, coverage=...)`` once it implements two
hooks that work on flat targets ``(n_samples, n_outputs)``:

- ``_point_and_bounds(X, coverage)`` -> point forecast, lower and upper bounds;
- ``_quantile_values(X, levels)`` -> forecasts ``(n_samples, n_outputs, n_levels)``.

The mixin checks the arguments and gives the arrays back in the target's
shape. The split-conformal quantile lives here as well.

Split conformal prediction (Vovk et al. 2005; Lei et al. 2018): with
conformity scores :math:`s_1, \dots, s_n` on calibration rows that the model
never trained on, the margin for coverage :math:`1 - \alpha` is the
:math:`k`-th smallest score, :math:`k = \lceil (n + 1)(1 - \alpha) \rceil`;
for a new row exchangeable with the calibration rows the interval then holds
the truth with probability at least :math:`1 - \alpha`. When :math:`k > n`
the calibration set is too small for that guarantee and the margin is
infinite.
"""

import math
import numbers
import warnings

import numpy as np

from ._validation import Interval, check_args

__all__ = ["IntervalMixin", "conformal_margin", "training_levels", "is_levels"]

#: A quantile level or a nominal coverage: strictly between 0 and 1.
LEVEL = Interval(float, 0, 1, closed="neither")

#: Two levels closer than this are the same level.
LEVEL_TOL = 1e-9


def is_levels(value):
    """Whether ``value`` is a non-empty tuple or list of floats in (0, 1)."""
    return (isinstance(value, (tuple, list)) and len(value) > 0
            and all(isinstance(q, numbers.Real) and not isinstance(q, bool)
                    and 0.0 < float(q) < 1.0 for q in value))


def training_levels(quantiles):
    """The levels a quantile model trains: sorted, distinct, always with 0.5."""
    levels = sorted({float(q) for q in quantiles} | {0.5})
    distinct = [levels[0]]
    for q in levels[1:]:
        if q - distinct[-1] > LEVEL_TOL:
            distinct.append(q)
    return tuple(distinct)


def level_index(levels, level):
    """Position of ``level`` in ``levels`` (within ``LEVEL_TOL``), or None."""
    for i, q in enumerate(levels):
        if abs(q - level) <= LEVEL_TOL:
            return i
    return None


def conformal_margin(scores, coverage, owner):
    r"""Per-column split-conformal margin of ``scores`` for ``coverage``.

    Parameters
    ----------
    scores : ndarray of shape (n_calibration, n_columns)
        Conformity scores, one column per output; NaN (a missing target) is
        left out of its column.
    coverage : float
        Nominal coverage :math:`1 - \alpha`.
    owner : str
        Who asks (for the warning).

    Returns
    -------
    margin : ndarray of shape (n_columns,)
        The :math:`\lceil (n + 1)(1 - \alpha) \rceil`-th smallest score of each
        column; ``inf`` (with a ``UserWarning``) when that exceeds ``n``.
    """
    if np.isnan(scores).any():          # missing targets: each column's observed ones
        return np.array([conformal_margin(column[~np.isnan(column), np.newaxis],
                                          coverage, owner)[0] for column in scores.T])
    n = len(scores)
    # the tiny slack keeps e.g. (19 + 1) * 0.95 = 19.000000000000004 at 19
    k = math.ceil((n + 1) * coverage - 1e-9)
    if k > n:
        warnings.warn(
            f"{owner}: coverage={coverage} needs at least {math.ceil(coverage / (1 - coverage))} "
            f"calibration rows for a finite conformal interval, but there are {n}; the "
            "interval is infinite. Raise calibration_fraction, fit on more rows, or ask "
            "for a lower coverage.", UserWarning, stacklevel=4)
        return np.full(scores.shape[1], np.inf)
    return np.partition(scores, k - 1, axis=0)[k - 1]


class IntervalMixin:
    """``predict_quantiles``, ``predict_interval`` and ``predict(X, coverage=)``.

    The estimator implements ``_point_and_bounds(X, coverage)`` and
    ``_quantile_values(X, levels)`` on flat targets, and records the target's
    shape in ``fit`` as ``_target_shape`` (``()`` for a 1-D ``y``).
    """

    def predict(self, X, coverage=None):
        """Predict targets for ``X``; with ``coverage``, an interval too.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Sequences shaped as in ``fit``.
        coverage : float in (0, 1) or None, default=None
            Also return the central prediction interval with this nominal
            coverage (see :meth:`predict_interval`). As with
            ``GaussianProcessRegressor.predict(X, return_std=True)``, a
            :class:`~sklearn.pipeline.Pipeline` passes the keyword on:
            ``pipe.predict(X, coverage=0.9)``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions in the shape ``y`` had in ``fit``, on its scale.
        y_interval : ndarray of shape (n_samples, 2) or (n_samples, n_outputs, 2)
            Only with ``coverage``: lower and upper bounds on the last axis.
        """
        if coverage is None:
            return self._shaped(self._point(X))
        coverage = self._check_coverage(coverage, "predict")
        point, lower, upper = self._point_and_bounds(X, coverage)
        return self._shaped(point), self._shaped(np.stack([lower, upper], axis=-1))

    def predict_interval(self, X, coverage=0.9):
        """Central prediction intervals with nominal ``coverage``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Sequences shaped as in ``fit``.
        coverage : float in (0, 1), default=0.9
            Nominal probability that the interval holds the target.

        Returns
        -------
        y_interval : ndarray of shape (n_samples, 2) or (n_samples, n_outputs, 2)
            Lower then upper bound on the last axis; ``lower <= upper``.
        """
        coverage = self._check_coverage(coverage, "predict_interval")
        _, lower, upper = self._point_and_bounds(X, coverage)
        return self._shaped(np.stack([lower, upper], axis=-1))

    def predict_quantiles(self, X, quantiles=None):
        """Forecast quantiles of the target.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Sequences shaped as in ``fit``.
        quantiles : sequence of float in (0, 1) or None, default=None
            The levels; ``None`` means the levels the model was trained for
            (``quantiles_``).

        Returns
        -------
        y_quantiles : ndarray of shape (n_samples, n_levels) or (n_samples, n_outputs, n_levels)
            One forecast per level on the last axis, in the order asked.
        """
        levels = self._requested_levels(quantiles)
        return self._shaped(self._quantile_values(X, levels))

    # -------------------------------------------------------------- helpers

    def _point(self, X):
        raise NotImplementedError

    def _point_and_bounds(self, X, coverage):
        raise NotImplementedError

    def _quantile_values(self, X, levels):
        raise NotImplementedError

    def _default_levels(self):
        """The levels ``predict_quantiles(X)`` gives when none are asked for."""
        raise ValueError(
            f"{type(self).__name__}.predict_quantiles: pass quantiles=[...], the levels "
            "you want; this model was not trained for particular quantile levels.")

    def _requested_levels(self, quantiles):
        name = f"{type(self).__name__}.predict_quantiles"
        if quantiles is None:
            return tuple(self._default_levels())
        if isinstance(quantiles, (str, bytes)) or np.ndim(quantiles) != 1 \
                or len(quantiles) == 0:
            raise ValueError(
                f"{name}: quantiles must be a non-empty sequence of floats in (0, 1), "
                f"got {quantiles!r}. Pass a list, even for one level: quantiles=[0.9].")
        check_args(name, **{f"quantiles[{i}]": (q, LEVEL) for i, q in enumerate(quantiles)})
        return tuple(float(q) for q in quantiles)

    def _check_coverage(self, coverage, method):
        check_args(f"{type(self).__name__}.{method}", coverage=(coverage, LEVEL))
        return float(coverage)

    def _shaped(self, values):
        """Flat ``(n, n_outputs[, k])`` back to the target's shape (plus the ``k`` axis)."""
        extra = values.shape[2:]
        return values.reshape((values.shape[0],) + self._target_shape + extra)
