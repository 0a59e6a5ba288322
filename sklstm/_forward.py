"""Forward passes of a fitted regressor, in chunks of a fixed shape.

:class:`ChunkedForwardMixin` gives :class:`~sklstm.base.SequenceRegressor`
the loop that ``predict``, calibration and the attention weights share: rows
are gathered ``PREDICT_CHUNK`` at a time from the validated input (a strided
view is read, not copied whole), put in model units by the estimator's
``_model_inputs`` and run through the trained module in passes of one shape,
so that a row's prediction does not depend on the rows predicted with it.
"""

import numpy as np
import torch

from ._threads import torch_threads
from ._validation import gather, row_chunks

__all__ = ["PREDICT_CHUNK", "ChunkedForwardMixin", "concatenate_rows", "take_rows"]

#: Rows per forward pass at predict time (see ``ChunkedForwardMixin._forward``).
PREDICT_CHUNK = 256


def concatenate_rows(parts):
    """Per-chunk arrays (or tuples of arrays) joined along the rows; ``None`` stays ``None``."""
    if parts[0] is None:
        return None
    if isinstance(parts[0], tuple):
        return tuple(np.concatenate(column) for column in zip(*parts))
    return np.concatenate(parts)


def take_rows(value, rows):
    """Rows ``rows`` of an array or of each array of a tuple; ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(v[rows] for v in value)
    return value[rows]


class ChunkedForwardMixin:
    """The trained module run over many rows, one fixed-shape chunk at a time.

    The host provides ``_inference_module()``, ``_check_predict_X(X)``,
    ``_model_inputs(X)``, ``_scales_scores()``, ``_window_spread(X)``,
    ``_n_threads()`` and ``_torch_device``.
    """

    def _predict_inputs(self, X):
        """Check a fitted model's input; return all of it in model units, with target stats.

        Materialises every row's model inputs, O(n x n_timesteps): for outputs
        of that size anyway (attention weights); ``predict`` goes chunk by
        chunk (:meth:`_outputs_in_chunks`).
        """
        X = self._check_predict_X(X)
        return self._model_inputs(gather(X, slice(None)))

    def _forward(self, X, method="forward"):
        """Run the trained module's ``method`` on model-unit ``X`` in eval mode.

        Returns the module's output (standardised targets for ``forward``) as
        a float64 array with one row per sample. ``predict`` does not use it:
        it makes the model inputs chunk by chunk (:meth:`_outputs_in_chunks`),
        with the same per-chunk forward pass (:meth:`_run_chunk`).
        """
        run = getattr(self._inference_module().eval(), method)
        X = self._to_tensor(X)
        with torch.no_grad():
            outputs = [self._run_chunk(run, X[start:start + PREDICT_CHUNK])
                       for start in range(0, len(X), PREDICT_CHUNK)]
        return np.concatenate(outputs)

    def _run_chunk(self, run, chunk):
        """``run`` on at most ``PREDICT_CHUNK`` rows, as a float64 array.

        The rows go through in forward passes of :meth:`_pass_rows` rows, and
        every pass has that one shape: a shorter last pass is zero-padded and
        trimmed afterwards. Float32 kernels sum in an order that depends on
        the batch shape, so without this a sample's prediction would change
        (in the last bits) with the number of samples predicted alongside it.
        """
        size = self._pass_rows(chunk)
        outputs = []
        for start in range(0, len(chunk), size):
            part = chunk[start:start + size]
            n = len(part)
            pad = part.new_zeros((size - n,) + part.shape[1:])
            outputs.append(run(torch.cat([part, pad]))[:n])              # (n, ...)
        return torch.cat(outputs).cpu().numpy().astype(np.float64)

    def _pass_rows(self, chunk):
        """Hook: rows per forward pass of :meth:`_run_chunk` (``PREDICT_CHUNK``)."""
        return PREDICT_CHUNK

    def _outputs_in_chunks(self, X, method="forward"):
        """The module's outputs for validated ``X``, made ``PREDICT_CHUNK`` rows at a time.

        Each chunk of rows is gathered from ``X`` (a strided view is read, not
        copied whole), put in model units by :meth:`_model_inputs` and run by
        :meth:`_run_chunk`, so memory is O(one chunk) beyond the outputs.

        Returns
        -------
        outputs : ndarray of shape (n_samples, n_model_outputs[, n_levels]), float64
        stats : tuple of ndarrays, or None
            The target's window statistics (see :meth:`_target_stats`).
        spread : ndarray of shape (n_samples, 1) or (n_samples, n_model_outputs), or None
            ``_window_spread`` of each window, when conformity scores are
            scaled (``None`` otherwise, or when the variant has none).
        """
        run = getattr(self._inference_module().eval(), method)
        scaled = self._scales_scores()
        outputs, stats, spread = [], [], []
        with torch.no_grad(), torch_threads(self._n_threads()):
            for rows in row_chunks(len(X), PREDICT_CHUNK):
                chunk = gather(X, rows)
                model_X, chunk_stats = self._model_inputs(chunk)
                outputs.append(self._run_chunk(run, self._to_tensor(model_X)))
                stats.append(chunk_stats)
                spread.append(self._window_spread(chunk) if scaled else None)
        return np.concatenate(outputs), concatenate_rows(stats), concatenate_rows(spread)

    def _to_tensor(self, array):
        array = np.ascontiguousarray(array, dtype=np.float32)
        tensor = torch.from_numpy(array) if array.flags.writeable else torch.tensor(array)
        return tensor.to(self._torch_device)
