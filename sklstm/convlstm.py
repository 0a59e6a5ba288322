"""``ConvLSTMRegressor``: ConvLSTM for sequences of frames, and frame targets.

Beyond its parameters and module, this variant only says how its data map to
frames; validation, scaling, seeding and training stay in the base.
"""

import numbers

import numpy as np

from ._validation import Options
from .base import SequenceRegressor
from .nn.conv import ConvLSTMNet

__all__ = ["ConvLSTMRegressor"]


def _is_channel_list(value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return value >= 1
    return (isinstance(value, (list, tuple)) and len(value) > 0
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
                    for v in value))


def _is_odd_int(value):
    return (isinstance(value, numbers.Integral) and not isinstance(value, bool)
            and value >= 1 and value % 2 == 1)


class ConvLSTMRegressor(SequenceRegressor):
    r"""Convolutional LSTM regressor for spatiotemporal frames (Shi et al. 2015).

    Gates are convolutions over the frame, with Hadamard peephole terms, so
    the state keeps the grid's layout (equations in :mod:`sklstm.nn.conv`).

    **Inputs.** ``X`` of shape ``(n_samples, n_timesteps, height, width)`` or
    ``(n_samples, n_timesteps, channels, height, width)``. Sequences of shape
    ``(n_samples, n_timesteps)`` or ``(n_samples, n_timesteps, n_features)``
    are read as frames of a 1x1 grid whose channels are the features: a
    table's features have no spatial order, so a convolution across them
    would invent neighbours; as channels every gate sees all of them, and the
    model is an LSTM with (per-unit) peepholes. Data with a real spatial
    layout should come as frames.

    **Targets.** ``y`` of shape ``(n_samples,)`` or ``(n_samples, n_outputs)``
    is read by a linear head on the flattened last hidden state. A frame
    target, ``(n_samples, height, width)`` or
    ``(n_samples, channels, height, width)`` on the input grid, is predicted
    by a 1x1 convolution of the last hidden state; each pixel is a standardised
    output, and ``predict`` returns frames of the same shape.

    Parameters
    ----------
    hidden_channels : int or list of int, default=8
        State channels; an int is repeated ``num_layers`` times, a list gives
        one layer per entry (``num_layers`` is then not used).
    kernel_size : int, default=3
        Odd size of the input and state convolutions.
    padding : {"same"}, default="same"
        Frames keep their size through every layer.
    peephole : bool, default=True
        Keep the paper's Hadamard peephole terms.
    **common
        The parameters of :class:`~sklstm.base.SequenceRegressor`
        (``hidden_size`` is not used; ``hidden_channels`` sets the state).
        With ``window_norm``, statistics pool time and space per channel, and
        ``"last"`` is the last frame's mean.

    See Also
    --------
    LSTMRegressor : for sequences of feature vectors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import ConvLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(32, 5, 8, 8))          # (n_samples, T, height, width)
    >>> y = X[:, -1]                                  # a frame target
    >>> reg = ConvLSTMRegressor(max_epochs=2, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3, 8, 8)
    """

    _max_ndim = 5
    _variant_params = {"hidden_channels": 8, "kernel_size": 3, "padding": "same",
                       "peephole": True}
    _parameter_constraints = {
        **SequenceRegressor._parameter_constraints,
        "hidden_channels": Options([], extra=_is_channel_list,
                                   extra_text="an int >= 1 or a non-empty list of them"),
        "kernel_size": Options([], extra=_is_odd_int, extra_text="an odd int >= 1"),
        "padding": Options(["same"]),
        "peephole": Options([True, False]),
    }

    def _build_module(self, input_shape, n_outputs):
        _, channels, height, width = input_shape
        if self._frame_shape is not None and tuple(self._frame_shape[-2:]) != (height, width):
            raise ValueError(
                f"y frames have grid {tuple(self._frame_shape[-2:])}, but X frames have "
                f"grid {(height, width)}. A frame target must be on the input grid; pass "
                "a flat (n_samples, n_outputs) target for anything else.")
        hidden = self.hidden_channels
        hidden = [hidden] * self.num_layers if isinstance(hidden, numbers.Integral) \
            else list(hidden)
        frame_channels = None
        if self._frame_shape is not None:
            frame_channels = 1 if len(self._frame_shape) == 2 else self._frame_shape[0]
        return ConvLSTMNet(channels, (height, width), hidden, n_outputs,
                           kernel_size=self.kernel_size, peephole=self.peephole,
                           frame_channels=frame_channels)

    def _model_inputs(self, X):
        """Frames ``(n, T, C, H, W)`` from any accepted layout, then the base's."""
        if X.ndim == 3:
            X = X[:, :, :, np.newaxis, np.newaxis]    # features as channels, 1x1 grid
        elif X.ndim == 4:
            X = X[:, :, np.newaxis]                   # one channel
        return super()._model_inputs(X)

    def _flatten_target(self, y, reset):
        """Record a frame target's shape and flatten it to one column per pixel."""
        y_array = np.asarray(y)
        if reset:
            self._frame_shape = y_array.shape[1:] if y_array.ndim > 2 else None
        if y_array.ndim <= 2:
            return y
        if y_array.ndim > 4:
            raise ValueError(
                f"y has shape {y_array.shape}; ConvLSTMRegressor takes targets of shape "
                "(n_samples,), (n_samples, n_outputs), or frames (n_samples, height, "
                "width) or (n_samples, channels, height, width).")
        if y_array.shape[1:] != self._frame_shape:
            raise ValueError(f"y frames have shape {y_array.shape[1:]}, but "
                             f"ConvLSTMRegressor was started with {self._frame_shape}.")
        return y_array.reshape(len(y_array), -1)

    def predict(self, X):
        """Predict targets, as frames when ``fit`` saw frame targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps, ...)
            Shaped as in ``fit``.

        Returns
        -------
        y_pred : ndarray
            ``(n_samples,)``, ``(n_samples, n_outputs)`` or frames
            ``(n_samples, [channels,] height, width)``, as ``y`` in ``fit``.
        """
        y_pred = super().predict(X)
        if self._frame_shape is None:
            return y_pred
        return y_pred.reshape(len(y_pred), *self._frame_shape)
