"""The sequence regressors: one short class per variant.

Each class is its parameters (``_variant_params``, see
:class:`~sklstm.base.SequenceRegressor`) plus the module it builds. All common
parameters, validation, seeding, target scaling and training come from the base.
"""

from ._validation import Interval, Options
from .base import SequenceRegressor
from .nn import CellRecurrentNet, FusedRecurrentNet
from .nn.attention import SCORES, AttentionLSTMNet

__all__ = [
    "LSTMRegressor",
    "GRURegressor",
    "BiLSTMRegressor",
    "StackedLSTMRegressor",
    "PeepholeLSTMRegressor",
    "CIFGLSTMRegressor",
    "NestedLSTMRegressor",
    "HighwayLSTMRegressor",
    "AttentionLSTMRegressor",
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


class _CellRegressor(SequenceRegressor):
    """A regressor on a custom cell run by the engine of :mod:`sklstm.nn.engine`."""

    _cell = "lstm"

    def _build_module(self, input_shape, n_outputs):
        return CellRecurrentNet(
            self._cell, input_shape[-1], self.hidden_size, n_outputs,
            num_layers=self.num_layers, dropout=self.dropout, **self._cell_params(),
        )

    def _cell_params(self):
        return {}


class PeepholeLSTMRegressor(_CellRegressor):
    r"""LSTM regressor whose gates see the cell state (Gers & Schmidhuber 2000).

    Diagonal peephole weights let the input and forget gates read
    :math:`c_{t-1}` and the output gate read :math:`c_t` (equations in
    :class:`~sklstm.nn.cells.PeepholeLSTMCell`), which helps with precise
    timing. Runs on sklstm's time-loop engine, not the fused kernel.

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`.

    See Also
    --------
    LSTMRegressor : the fused LSTM without peepholes.
    CIFGLSTMRegressor : coupled input and forget gates.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import PeepholeLSTMRegressor
    >>> X = np.random.RandomState(0).normal(size=(64, 12, 2))
    >>> reg = PeepholeLSTMRegressor(max_epochs=3, random_state=0).fit(X, X[:, -1, 0])
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _cell = "peephole"


class CIFGLSTMRegressor(_CellRegressor):
    r"""Coupled input-forget gate LSTM regressor (Greff et al. 2017).

    The forget gate is tied to the input gate, :math:`f_t = 1 - i_t`, so the
    cell has three gate blocks instead of four (equations in
    :class:`~sklstm.nn.cells.CIFGLSTMCell`). Greff et al. found it about as
    accurate as the full LSTM with fewer parameters.

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`.

    See Also
    --------
    GRURegressor : another coupled-gate recurrent unit.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import CIFGLSTMRegressor
    >>> X = np.random.RandomState(0).normal(size=(64, 12, 2))
    >>> reg = CIFGLSTMRegressor(max_epochs=3, random_state=0).fit(X, X[:, -1, 0])
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _cell = "cifg"


class NestedLSTMRegressor(_CellRegressor):
    r"""Nested LSTM regressor (Moniz & Krueger 2017, arXiv:1801.10308).

    The outer cell's memory update is computed by an inner LSTM, which has its
    own memory: depth by nesting rather than stacking (equations in
    :class:`~sklstm.nn.cells.NestedLSTMCell`).

    Parameters
    ----------
    nesting_depth : int, default=1
        Inner LSTM levels inside each cell.
    **common
        The parameters of :class:`~sklstm.base.SequenceRegressor`.

    See Also
    --------
    StackedLSTMRegressor : depth by stacking.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import NestedLSTMRegressor
    >>> X = np.random.RandomState(0).normal(size=(64, 12, 2))
    >>> reg = NestedLSTMRegressor(nesting_depth=2, max_epochs=3, random_state=0)
    >>> reg.fit(X, X[:, -1, 0]).predict(X[:3]).shape
    (3,)
    """

    _cell = "nested"
    _variant_params = {"nesting_depth": 1}
    _parameter_constraints = {
        "nesting_depth": Interval(int, 1),
    }

    def _cell_params(self):
        return {"depth": self.nesting_depth}


class HighwayLSTMRegressor(_CellRegressor):
    r"""Highway LSTM regressor (Zhang et al. 2016, arXiv:1510.08983).

    From the second layer up, a depth gate :math:`d^l_t` adds the lower
    layer's cell state to this layer's update,
    :math:`c^l_t = d^l_t \odot c^{l-1}_t + f_t \odot c^l_{t-1} + i_t \odot g_t`
    (equations in :class:`~sklstm.nn.cells.HighwayLSTMCell`), which eases
    training deep stacks. ``num_layers`` defaults to 2, the least the gate
    needs.

    Parameters are those of :class:`~sklstm.base.SequenceRegressor`, with
    ``num_layers=2``.

    See Also
    --------
    StackedLSTMRegressor : the same stack without depth gates.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import HighwayLSTMRegressor
    >>> X = np.random.RandomState(0).normal(size=(64, 12, 2))
    >>> reg = HighwayLSTMRegressor(max_epochs=3, random_state=0).fit(X, X[:, -1, 0])
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _cell = "highway"
    _variant_params = {"num_layers": 2}
    _parameter_constraints = {
        "num_layers": Interval(int, 2, reason="the depth gate links a layer to the one "
                                              "below, so it needs two layers"),
    }


class AttentionLSTMRegressor(SequenceRegressor):
    r"""LSTM regressor with attention over all encoder states (Bahdanau et al. 2015).

    An LSTM encodes the window; attention weights
    :math:`\alpha_t = \mathrm{softmax}_t(\mathrm{score}(h_t, h_T))` pick out
    the steps that matter, their weighted sum (the context) is combined with
    the last hidden state, and a linear head reads the result (equations in
    :mod:`sklstm.nn.attention`). :meth:`attention_weights` shows which time
    steps each prediction looked at.

    Parameters
    ----------
    attention : {"additive", "dot", "general"}, default="additive"
        Bahdanau's additive score, or Luong's dot or general (bilinear) score.
    **common
        The parameters of :class:`~sklstm.base.SequenceRegressor`.

    See Also
    --------
    LSTMRegressor : reads only the last hidden state.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import AttentionLSTMRegressor
    >>> X = np.random.RandomState(0).normal(size=(64, 12, 2))
    >>> reg = AttentionLSTMRegressor(max_epochs=3, random_state=0).fit(X, X[:, 4, 0])
    >>> weights = reg.attention_weights(X[:5])   # (n_samples, n_timesteps)
    >>> weights.shape, bool(np.allclose(weights.sum(axis=1), 1.0))
    ((5, 12), True)
    """

    _variant_params = {"attention": "additive"}
    _parameter_constraints = {
        "attention": Options(SCORES),
    }

    def _build_module(self, input_shape, n_outputs):
        return AttentionLSTMNet(input_shape[-1], self.hidden_size, n_outputs,
                                attention=self.attention, num_layers=self.num_layers,
                                dropout=self.dropout)

    def attention_weights(self, X):
        """Attention weights of each sample over its time steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Any input :meth:`predict` accepts; in a fitted ``Pipeline`` pass
            ``pipe[:-1].transform(X)`` to ``pipe[-1].attention_weights``.

        Returns
        -------
        weights : ndarray of shape (n_samples, n_timesteps)
            Non-negative; each row sums to 1. Column ``t`` is time step ``t``
            of the window (the last column is the most recent step).
        """
        X, _ = self._predict_inputs(X)
        return self._forward(X, method="attention")
