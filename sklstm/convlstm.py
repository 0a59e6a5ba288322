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
        ``dropout`` drops state elements between stacked layers and before
        the head, in training only. With ``window_norm``, statistics pool
        time and space per channel, and ``"last"`` is the last frame's mean;
        input channels are standardised over time and space.

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
    _decodes_future = False    # gates are convolutions over a grid, not per channel
    _max_target_ndim = 4
    _variant_params = {"hidden_channels": 8, "kernel_size": 3, "padding": "same",
                       "peephole": True}
    _parameter_constraints = {
        "hidden_channels": Options([], extra=_is_channel_list,
                                   extra_text="an int >= 1 or a non-empty list of them"),
        "kernel_size": Options([], extra=_is_odd_int, extra_text="an odd int >= 1"),
        "padding": Options(["same"]),
        "peephole": Options([True, False]),
    }

    def _build_module(self, input_shape, n_outputs):
        _, channels, height, width = input_shape
        frame_shape = self._target_shape if len(self._target_shape) > 1 else None
        hidden = self.hidden_channels
        hidden = [hidden] * self.num_layers if isinstance(hidden, numbers.Integral) \
            else list(hidden)
        frame_channels = None
        levels = 1                      # values per target pixel (quantile levels)
        if frame_shape is not None:
            frame_channels = 1 if len(frame_shape) == 2 else frame_shape[0]
            levels = n_outputs // int(np.prod(frame_shape))
        return ConvLSTMNet(channels, (height, width), hidden, n_outputs,
                           kernel_size=self.kernel_size, peephole=self.peephole,
                           frame_channels=frame_channels, dropout=self.dropout,
                           values_per_pixel=levels)

    def _prepare_fit(self, X, y):
        """A frame target must lie on the input grid."""
        grid = X.shape[-2:] if X.ndim > 3 else (1, 1)      # 3-D: features on a 1x1 grid
        if len(self._target_shape) > 1 and self._target_shape[-2:] != grid:
            raise ValueError(
                f"y frames have grid {self._target_shape[-2:]}, but X frames have "
                f"grid {grid}. A frame target must be on the input grid; pass "
                "a flat (n_samples, n_outputs) target for anything else.")
        super()._prepare_fit(X, y)     # window_norm pools time and space: any layout

    def _model_inputs(self, X, fit=False):
        """Frames ``(n, T, C, H, W)`` from any accepted layout, then the base's."""
        return super()._model_inputs(self._as_frames(X), fit=fit)

    @staticmethod
    def _as_frames(X):
        """``(n, T, C, H, W)`` view of any accepted input layout."""
        if X.ndim == 3:
            return X[:, :, :, np.newaxis, np.newaxis]   # features as channels, 1x1 grid
        if X.ndim == 4:
            return X[:, :, np.newaxis]                  # one channel
        return X
