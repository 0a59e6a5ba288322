"""Intervals and quantiles of the sequence regressors: quantile heads and conformal calibration.

:class:`ModelIntervalsMixin` implements the hooks of
:class:`~sklstm._intervals.IntervalMixin` for
:class:`~sklstm.base.SequenceRegressor`: the point forecast is the module's
output (its median level with a quantile head), the bounds are quantile
outputs, widened with ``conformal`` by the split-conformal margin of the
scores on held-out calibration rows (absolute residuals, or CQR scores for a
quantile pair, optionally divided by each window's spread).

All of it works in model units on flat targets ``(n_samples, n_outputs)``;
the host maps the results back with ``_decode_target``.
"""

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._forward import take_rows
from ._future import history
from ._intervals import IntervalMixin, conformal_margin, level_index
from ._training import tail_split

__all__ = ["ModelIntervalsMixin"]


class ModelIntervalsMixin(IntervalMixin):
    """Point, bounds and quantiles from a trained module, calibrated on held-out rows.

    The host provides ``quantiles_``, ``conformal``, ``calibration_fraction``,
    ``target_channel``, ``missing``, ``window_norm_``, ``_check_predict_X``,
    ``_outputs_in_chunks``, ``_encode_target`` and ``_decode_target``.
    """

    def _point(self, X):
        outputs, stats, _ = self._model_outputs(X)
        return self._decode_target(self._median(outputs), stats)

    def _point_and_bounds(self, X, coverage):
        outputs, stats, spread = self._model_outputs(X)
        lower, upper = self._model_bounds(outputs, coverage, spread)
        return (self._decode_target(self._median(outputs), stats),
                self._decode_target(lower, stats), self._decode_target(upper, stats))

    def _quantile_values(self, X, levels):
        outputs, stats, spread = self._model_outputs(X)
        if not self.conformal:
            self._check_has_intervals()
            missing = [q for q in levels if level_index(self.quantiles_, q) is None]
            if missing:
                raise ValueError(
                    f"{type(self).__name__} was trained for quantiles {self.quantiles_}; "
                    f"it cannot give {tuple(missing)}. Fit it with those levels in "
                    "quantiles=..., or with conformal=True for calibrated levels.")
            columns = [outputs[..., level_index(self.quantiles_, q)] for q in levels]
        else:
            columns = []
            for q in levels:
                if abs(q - 0.5) <= 1e-9:
                    columns.append(self._median(outputs))
                    continue
                lower, upper = self._model_bounds(outputs, abs(1.0 - 2.0 * q), spread)
                columns.append(lower if q < 0.5 else upper)
        return np.stack([self._decode_target(c, stats) for c in columns], axis=-1)

    def _default_levels(self):
        if self.quantiles_ is None:
            return super()._default_levels()
        return self.quantiles_

    def _model_outputs(self, X):
        """The module's outputs for ``X`` in model units, the target's window
        statistics, and the per-row scale of the conformity scores."""
        X = self._check_predict_X(X)
        outputs, stats, spread = self._outputs_in_chunks(X)
        return outputs, stats, self._score_scale(spread, len(X))

    def _score_scale(self, spread, n):
        """Per-row scale of the conformity scores, ``(n, 1)`` or ``(n, n_model_outputs)``.

        With ``conformal="scaled"`` (or ``True``): ``spread``, the window
        spread of the target (``_window_spread``, from
        :meth:`_outputs_in_chunks`), floored at ``_scale_floor``; else ones.
        With ``window_norm="standard"`` the model units already divide each
        target by its window's standard deviation, so the scores are scaled
        as they are.
        """
        if spread is None:
            return np.ones((n, 1))
        floor = getattr(self, "_scale_floor", None)
        return spread if floor is None else np.maximum(spread, floor)

    def _scales_scores(self):
        """Whether conformity scores are divided by ``_window_spread`` (``"scaled"``)."""
        return self.conformal in (True, "scaled") and self.window_norm_ != "standard"

    def _window_spread(self, X):
        """Hook: the target's spread over each window, ``(n, 1)``; ``None`` for "absolute".

        The population standard deviation of channel ``target_channel`` of
        ``X`` (a chunk of validated rows, not yet normalised, float32);
        ``None`` for frames or without a target channel.
        """
        channel = self.target_channel
        if channel is None or X.ndim != 3 or channel >= X.shape[2]:
            return None
        X = history(X, getattr(self, "_future_layout", None))     # observed steps only
        window = X[:, :, channel].astype(np.float64)
        std = np.nanstd if self.missing == "mask" else np.std
        return std(window, axis=1)[:, np.newaxis]

    def _median(self, outputs):
        """Model-unit point forecast ``(n, n_model_outputs)`` from the module's outputs."""
        if self.quantiles_ is None:
            return outputs
        return outputs[..., self.quantiles_.index(0.5)]

    def _model_bounds(self, outputs, coverage, spread):
        """Lower and upper bounds in model units, each ``(n, n_model_outputs)``."""
        low, high, margin = self._interval_plan(coverage)
        lower = outputs if low is None else outputs[..., low]
        upper = outputs if high is None else outputs[..., high]
        margin = margin * spread           # spread is 1 unless scores are scaled
        # a negative (CQR) margin shrinks the interval; never past its midpoint
        margin = np.maximum(margin, -(upper - lower) / 2)
        return lower - margin, upper + margin

    def _interval_plan(self, coverage):
        """How the bounds for ``coverage`` follow from the module's outputs.

        Returns ``(low, high, margin)``: the bounds are the quantile outputs
        at positions ``low`` and ``high`` (``None``: the point output, for a
        model without quantiles) widened by ``margin``, one value per model
        output in model units (times each row's ``_score_scale``, which is 1
        unless the scores are scaled). With ``conformal`` the margin is the conformal
        quantile of the calibration scores (absolute residuals, or CQR scores
        for the quantile pair); without it, zero. :func:`sklstm.export.to_onnx`
        builds its interval output from the same plan.
        """
        self._check_has_intervals()
        name = type(self).__name__
        cal, y = getattr(self, "_calibration_outputs", None), \
            getattr(self, "_calibration_targets", None)
        if self.quantiles_ is None:              # absolute residuals, maybe scaled
            scores = np.abs(y - cal) / self._calibration_scale
            return None, None, conformal_margin(scores, coverage, name)
        low, high = self._quantile_pair(coverage)
        if not self.conformal:
            return low, high, np.zeros(cal.shape[1] if cal is not None else 1)
        scores = np.maximum(cal[..., low] - y, y - cal[..., high])          # CQR
        return low, high, conformal_margin(scores / self._calibration_scale, coverage, name)

    def _quantile_pair(self, coverage):
        """Positions of the trained levels ``(1 -+ coverage) / 2``."""
        wanted = ((1.0 - coverage) / 2, (1.0 + coverage) / 2)
        found = [level_index(self.quantiles_, q) for q in wanted]
        if None in found:
            raise ValueError(
                f"{type(self).__name__} was trained for quantiles {self.quantiles_}; a "
                f"central interval with coverage={coverage:g} needs the levels "
                f"{wanted[0]:g} and {wanted[1]:g}. Fit it with those levels in "
                "quantiles=..., or with quantiles=None and conformal=True for "
                "intervals of any coverage.")
        return found

    def _check_has_intervals(self):
        check_is_fitted(self)
        if self.quantiles_ is None and not self.conformal:
            raise ValueError(
                f"{type(self).__name__} gives no intervals or quantiles: it was fitted "
                "with quantiles=None and conformal=False. Set conformal=True "
                "(split-conformal intervals around the point forecast, for any model) "
                "or quantiles=(0.05, 0.5, 0.95) (a quantile head), and fit again.")

    def _split_calibration(self, X, y, weight):
        """With ``conformal``: the last ``calibration_fraction`` of the rows calibrate (of
        each series' rows for panel windows, :func:`~sklstm._training.tail_split`), the
        others train."""
        if not self.conformal:
            return X, y, weight, None
        n = len(X)
        keep, held, n_calibration = tail_split(X, self.calibration_fraction,
                                               int(np.floor(self.calibration_fraction * n)))
        if n_calibration < 1 or n_calibration >= n:
            raise ValueError(
                f"{type(self).__name__}: conformal=True holds out the last "
                f"calibration_fraction={self.calibration_fraction} of the {n} rows (of each "
                f"series' rows for a panel), which leaves {n_calibration} calibration row(s) "
                f"and {n - n_calibration} training row(s); both need at least one. Pass more "
                "rows or change calibration_fraction.")
        head = None if weight is None else weight[keep]
        tail = None if weight is None else weight[held]
        return X[keep], y[keep], head, (X[held], y[held], tail)

    def _calibrate(self, X, y, weight):
        """Store the conformity scores' ingredients from held-out rows ``(X, y, weight)``."""
        outputs, stats, spread = self._outputs_in_chunks(X)
        if weight is not None:              # rows of weight 0 do not calibrate
            keep = weight > 0
            y, outputs = y[keep], outputs[keep]
            stats, spread = take_rows(stats, keep), take_rows(spread, keep)
        self._scale_floor = None
        spread = self._score_scale(spread, len(y))
        # a window whose target channel is flat must not get a zero width
        median = float(np.median(spread))
        self._scale_floor = 1e-3 * median if median > 0 else 1.0
        self._calibration_scale = np.maximum(spread, self._scale_floor)
        self._calibration_targets = self._encode_target(y, stats)
        self._calibration_outputs = outputs
        self.n_calibration_samples_ = len(y)
