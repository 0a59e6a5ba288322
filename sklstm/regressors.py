"""The sequence regressors: one short class per variant.

Each class is its parameters (``_variant_params``, see
:class:`~sklstm.base.SequenceRegressor`) plus the module it builds. All common
parameters, validation, seeding, target scaling and training come from the base.
"""

from .base import SequenceRegressor
from .nn import FusedRecurrentNet

__all__ = [
    "LSTMRegressor",
    "GRURegressor",
    "BiLSTMRegressor",
    "StackedLSTMRegressor",
]

class _FusedRegressor(SequenceRegressor):
    """A regressor on PyTorch's fused ``nn.LSTM`` / ``nn.GRU`` kernels."""

    _cell = "lstm"
    _bidirectional = False

    def _build_module(self, input_shape, n_outputs):
        return FusedRecurrentNet(
            input_shape[-1], self.hidden_size, n_outputs, cell=self._cell,
            num_layers=self.num_layers, dropout=self.dropout,
            bidirectional=self._bidirectional,
        )


class LSTMRegressor(_FusedRegressor):
    r"""Long short-term memory regressor (Hochreiter & Schmidhuber 1997).

    A fused ``torch.nn.LSTM`` reads the sequence; a linear head maps the top
    layer's last hidden state :math:`h_T` to the targets. Per time step:

    .. math::

        \begin{array}{ll}
        i_t = \sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i) \\
        f_t = \sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f) \\
        g_t = \tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g) \\
        o_t = \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`
    (``hidden_size``, ``num_layers``, ``dropout``, ``lr``, ``max_epochs``, ...).

    See Also
    --------
    GRURegressor : fewer gates, often as accurate and faster.
    BiLSTMRegressor : reads the window in both directions.
    StackedLSTMRegressor : two layers by default.
    sklstm.Windower : turns a series into the windows this model reads.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 12, 2))        # (n_samples, n_timesteps, n_features)
    >>> y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    >>> reg = LSTMRegressor(max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """


class GRURegressor(_FusedRegressor):
    r"""Gated recurrent unit regressor (Cho et al. 2014).

    A fused ``torch.nn.GRU`` reads the sequence; a linear head maps the last
    hidden state to the targets. Per time step:

    .. math::

        \begin{array}{ll}
        r_t = \sigma(W_{ir} x_t + W_{hr} h_{t-1} + b_r) \\
        z_t = \sigma(W_{iz} x_t + W_{hz} h_{t-1} + b_z) \\
        n_t = \tanh(W_{in} x_t + r_t \odot (W_{hn} h_{t-1} + b_{hn})) \\
        h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}
        \end{array}

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`.

    See Also
    --------
    LSTMRegressor : the LSTM counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import GRURegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 12, 2))        # (n_samples, n_timesteps, n_features)
    >>> y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    >>> reg = GRURegressor(max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _cell = "gru"


class BiLSTMRegressor(_FusedRegressor):
    r"""Bidirectional LSTM regressor (Graves & Schmidhuber 2005).

    Two LSTMs read the window, one forwards and one backwards; the head sees
    both final states, :math:`[\overrightarrow{h}_T; \overleftarrow{h}_1]`, so
    each direction contributes ``hidden_size`` features.

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`.

    See Also
    --------
    LSTMRegressor : one direction only.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import BiLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 12, 2))        # (n_samples, n_timesteps, n_features)
    >>> y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    >>> reg = BiLSTMRegressor(max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _bidirectional = True


class StackedLSTMRegressor(_FusedRegressor):
    r"""Deep (stacked) LSTM regressor, ``num_layers=2`` by default.

    Layer :math:`l > 1` reads the hidden states of layer :math:`l - 1`
    (:math:`x_t^{(l)} = h_t^{(l-1)}`), with ``dropout`` between layers.

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`; only the
    default of ``num_layers`` differs.

    See Also
    --------
    LSTMRegressor : the single-layer model.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import StackedLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(64, 12, 2))        # (n_samples, n_timesteps, n_features)
    >>> y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    >>> reg = StackedLSTMRegressor(max_epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _variant_params = {"num_layers": 2}
