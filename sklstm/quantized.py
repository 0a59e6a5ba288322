"""``QuantizedLSTMRegressor``: quantization-aware training, integer weights for predict."""

from sklearn.utils.validation import check_is_fitted

from ._validation import Interval, Options
from .base import SequenceRegressor
from .nn import FusedRecurrentNet
from .nn.quantile import head_body, map_body
from .nn.quantized import WEIGHT_BITS, QATLSTMNet

__all__ = ["QuantizedLSTMRegressor"]


class QuantizedLSTMRegressor(SequenceRegressor):
    r"""LSTM regressor trained for, and predicting from, low-bit integer weights.

    Training is quantization-aware (Hubara et al. 2016; Jacob et al. 2018):
    every forward pass uses the weights rounded to ``bits``-bit integers with
    one symmetric scale per output row, and the backward pass lets the
    gradient through the rounding unchanged (straight-through estimator), so
    the float weights learn to sit well on the integer grid. Gate
    pre-activations and hidden states are fake-quantized as well, at
    ``activation_bits``, over ranges that observers learn during the first
    ``activation_warmup`` mini-batches and then freeze. The equations are in
    :mod:`sklstm.nn.quantized`.

    After ``fit`` the model is converted to an
    :class:`~sklstm.nn.quantized.IntegerLSTMNet`, kept as
    ``quantized_module_``: ``int8`` weights (4-bit and 2-bit values packed
    two and four per byte), ``float16`` scales, float32 biases and the frozen
    activation ranges. ``predict`` runs that module, dequantizing the weights
    on the fly; its output equals the training network's fake-quantized
    forward pass. :meth:`quantized_state_dict` returns its tensors and
    :meth:`model_size` compares their bytes with a float32
    :class:`~sklstm.LSTMRegressor` of the same shape.

    Parameters
    ----------
    bits : {8, 4, 2}, default=8
        Weight bit width. Two bits give ternary weights :math:`\{-1, 0, 1\}`
        times the row scale.
    activation_bits : int in [2, 16] or None, default=8
        Bit width of gate pre-activations and hidden states; ``None`` turns
        activation quantization off (float32 activations).
    activation_warmup : int, default=100
        Mini-batches during which the activation observers only watch (an
        exponential moving average of each batch's min and max) before their
        ranges freeze and activation fake quantization starts. A model that
        trained for fewer batches quantizes its activations over the range
        seen so far at predict time.
    **kwargs
        The parameters of :class:`~sklstm.base.SequenceRegressor`
        (``hidden_size``, ``num_layers``, ``lr``, ``max_epochs``, ...).

    Attributes
    ----------
    quantized_module_ : sklstm.nn.quantized.IntegerLSTMNet or QuantileHead
        The integer model that ``predict`` runs; with ``quantiles``, a
        :class:`~sklstm.nn.quantile.QuantileHead` (which has no weights) over
        it, so the quantile outputs come from the quantized head too.
    net_, history_, loss_curve_, n_iter_, n_features_in_
        As in :class:`~sklstm.base.SequenceRegressor`; ``net_.module_`` is the
        float training network (kept so that ``partial_fit`` can go on).

    See Also
    --------
    LSTMRegressor : the float32 model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import QuantizedLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 12, 2))
    >>> y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    >>> reg = QuantizedLSTMRegressor(bits=4, max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> reg.quantized_state_dict()["layers.0.weight_packed"].dtype
    torch.uint8
    >>> size = reg.model_size()
    >>> size["weight_bytes"], size["fp32_weight_bytes"]
    (2450, 17536)
    """

    _variant_params = {"bits": 8, "activation_bits": 8, "activation_warmup": 100}
    _parameter_constraints = {
        "bits": Options(WEIGHT_BITS),
        "activation_bits": Interval(int, 2, 16, allow_none=True),
        "activation_warmup": Interval(int, 1),
    }

    def _build_module(self, input_shape, n_outputs):
        return QATLSTMNet(
            input_shape[-1], self.hidden_size, n_outputs, num_layers=self.num_layers,
            dropout=self.dropout, bits=self.bits, activation_bits=self.activation_bits,
            activation_warmup=self.activation_warmup,
        )

    def _after_fit(self):
        """Convert the trained float network to the integer one ``predict`` runs."""
        self.quantized_module_ = map_body(self.net_.module_,
                                          lambda net: net.to_integer()).eval()

    def _inference_module(self):
        return self.quantized_module_

    def quantized_state_dict(self):
        """The deployable tensors: packed integer weights, scales, biases, ranges.

        Returns
        -------
        state : dict of str to Tensor
            ``layers.<l>.weight_packed`` (int8 for 8 bits, else uint8 with
            two or four values per byte, first value in the low bits),
            ``layers.<l>.weight_scale`` (float16, one per row of the
            ``(4 * hidden_size, n_in + hidden_size)`` matrix
            ``[W_x | W_h]``, gate rows ordered i, f, o, g),
            ``layers.<l>.weight_shape``, ``layers.<l>.bias`` (float32),
            ``layers.<l>.gate_range`` / ``hidden_range`` (activation
            ``[lo, hi]``, when activations are quantized) and the head's
            ``head.weight_packed``, ``head.weight_scale``,
            ``head.weight_shape``, ``head.bias``. Load it into
            :class:`~sklstm.nn.quantized.IntegerLSTMNet` to run it;
            :func:`~sklstm.nn.quantized.unpack_int` recovers the integers.
        """
        check_is_fitted(self)
        state = head_body(self.quantized_module_).state_dict()
        return {k: v.detach().cpu().clone() for k, v in state.items()}

    def model_size(self):
        """Bytes of the integer model next to a float32 ``LSTMRegressor`` of the same shape.

        Returns
        -------
        size : dict
            ``weight_bytes`` (packed integer matrices + their scales),
            ``total_bytes`` (also biases and activation ranges),
            ``fp32_weight_bytes`` and ``fp32_total_bytes`` (the weight
            matrices, and all parameters, of the float32 LSTM with the same
            input size, ``hidden_size``, ``num_layers`` and outputs), and
            ``weight_ratio`` = ``weight_bytes / fp32_weight_bytes``.
        """
        check_is_fitted(self)
        m = head_body(self.quantized_module_)
        fp32 = FusedRecurrentNet(m.input_size, m.hidden_size, m.output_size,
                                 num_layers=m.num_layers)
        params = dict(fp32.named_parameters())
        fp32_weights = sum(p.nbytes for name, p in params.items() if "weight" in name)
        size = {
            "bits": self.bits,
            "weight_bytes": m.weight_bytes(),
            "total_bytes": m.total_bytes(),
            "fp32_weight_bytes": fp32_weights,
            "fp32_total_bytes": sum(p.nbytes for p in params.values()),
        }
        size["weight_ratio"] = size["weight_bytes"] / size["fp32_weight_bytes"]
        return size
