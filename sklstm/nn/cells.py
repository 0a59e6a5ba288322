r"""Recurrent cells for the time-loop engine (:mod:`sklstm.nn.engine`).

Every cell splits its work in two, so that the engine can hoist the part that
does not depend on the past out of the time loop:

* ``project(x)``: the input-to-hidden projection of *all* time steps in one
  matmul, :math:`W_x x_t + b` for every gate, shape ``(N, T, G * H)``;
* ``forward(xw_t, state, below_t)``: one step. The recurrent matmuls of all
  gates are fused into one ``addmm``; the rest is elementwise.

Each cell also has ``sequence(x, below, reverse)``, which runs all steps of a
layer at once through a whole-sequence kernel of :mod:`sklstm.nn._fused_cells`
(one autograd node per layer instead of several per step). The engine uses it
when it can; the one-step ``forward`` is the reference the kernels are tested
against, and the path traced for ONNX export.

Gate blocks are stored in the order in which the step consumes them (sigmoid
gates first, the tanh candidate last) so that one ``sigmoid`` call covers all
sigmoid gates. ``below_t`` is the cell state of the layer below at the same
step; only :class:`HighwayLSTMCell` reads it.

Shapes: ``xw_t`` is ``(N, G * H)``, every state tensor ``(N, H)``.
"""

import torch
from torch import nn
from torch.nn import functional as F

from . import _fused_cells
from ._checks import check_sizes
from ._init import init_uniform_

__all__ = ["LSTMCell", "PeepholeLSTMCell", "CIFGLSTMCell", "NestedLSTMCell",
           "HighwayLSTMCell"]


class _Cell(nn.Module):
    """Shared parameters: ``weight_ih`` (G*H, F), ``weight_hh`` (H, G*H), ``bias`` (G*H).

    ``weight_hh`` is stored transposed (``h @ weight_hh``), so the step needs
    no transpose, which would add an autograd node per step.
    """

    n_gates = 4
    n_states = 2          # (h, c)
    uses_below = False    # whether the step reads the cell state of the layer below
    _kernel = None        # the whole-sequence kernel of sklstm.nn._fused_cells

    def __init__(self, input_size, hidden_size):
        super().__init__()
        check_sizes(input_size=input_size, hidden_size=hidden_size)
        self.input_size = input_size
        self.hidden_size = hidden_size
        gh = self.n_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(gh, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, gh))
        self.bias = nn.Parameter(torch.empty(gh))

    def reset_parameters(self):
        """Uniform in :math:`\\pm 1/\\sqrt{H}`, as ``torch.nn.LSTM``."""
        init_uniform_(self, self.hidden_size)

    def project(self, x):
        """Input projection of every step: ``(N, T, F) -> (N, T, G * H)``."""
        return F.linear(x, self.weight_ih, self.bias)

    def initial_state(self, x):
        """Zero state for a batch like ``x``: a tuple of ``(N, H)`` tensors."""
        zeros = x.new_zeros(x.shape[0], self.hidden_size)
        return (zeros,) * self.n_states

    def sequence(self, x, below=None, reverse=False):
        """Every step at once, from the zero state: ``(N, T, F) -> (h, c)``.

        ``h`` and ``c`` (the cell state, ``state[1]`` of the step) are
        ``(N, T, H)`` in input order; ``below`` ``(N, T, H)`` is read by
        highway cells only. Same equations as ``forward`` step by step.
        """
        return _fused_cells.run_layer(self._kernel, reverse, x, below, self.weight_ih,
                                      self.bias, self.weight_hh, *self._extras())

    def _extras(self):
        """The parameters the kernel takes after ``weight_hh``."""
        return ()

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}"


class LSTMCell(_Cell):
    r"""The LSTM cell of ``torch.nn.LSTM`` (Hochreiter & Schmidhuber 1997).

    .. math::

        \begin{array}{ll}
        i_t = \sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i) \\
        f_t = \sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f) \\
        o_t = \sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o) \\
        g_t = \tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

    Gate blocks are stored as ``(i, f, o, g)``; ``torch.nn.LSTM`` stores
    ``(i, f, g, o)`` and one bias per side (here ``b = b_{ih} + b_{hh}``).

    Inputs: xw_t, (h_{t-1}, c_{t-1})
        Projected input ``(N, 4H)``; state tensors ``(N, H)``.

    Outputs: h_t, (h_t, c_t)
    """

    _kernel = _fused_cells.LSTM

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.reset_parameters()

    def forward(self, xw, state, below=None):
        h, c = state
        H = self.hidden_size
        gates = torch.addmm(xw, h, self.weight_hh)          # (N, 4H)
        ingate, forgetgate, outgate = torch.sigmoid(gates[:, :3 * H]).chunk(3, 1)
        cellgate = torch.tanh(gates[:, 3 * H:])
        c = torch.addcmul(forgetgate * c, ingate, cellgate)
        h = outgate * torch.tanh(c)
        return h, (h, c)


class PeepholeLSTMCell(_Cell):
    r"""LSTM with diagonal peephole connections (Gers & Schmidhuber 2000).

    The input and forget gates see the previous cell state, the output gate
    the new one, each through a diagonal weight vector :math:`p`:

    .. math::

        \begin{array}{ll}
        i_t = \sigma(W_{i} x_t + R_{i} h_{t-1} + p_i \odot c_{t-1} + b_i) \\
        f_t = \sigma(W_{f} x_t + R_{f} h_{t-1} + p_f \odot c_{t-1} + b_f) \\
        g_t = \tanh(W_{g} x_t + R_{g} h_{t-1} + b_g) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t \\
        o_t = \sigma(W_{o} x_t + R_{o} h_{t-1} + p_o \odot c_t + b_o) \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

    With :math:`p_i = p_f = p_o = 0` this is :class:`LSTMCell`.

    Inputs: xw_t, (h_{t-1}, c_{t-1})
        Projected input ``(N, 4H)``; state tensors ``(N, H)``.

    Outputs: h_t, (h_t, c_t)
    """

    _kernel = _fused_cells.PEEPHOLE

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.peephole_if = nn.Parameter(torch.empty(2, hidden_size))   # p_i, p_f
        self.peephole_o = nn.Parameter(torch.empty(hidden_size))       # p_o
        self.reset_parameters()

    def _extras(self):
        return self.peephole_if, self.peephole_o

    def forward(self, xw, state, below=None):
        h, c = state
        H = self.hidden_size
        gates = torch.addmm(xw, h, self.weight_hh)          # (N, 4H): i, f, o, g
        pre_if = gates[:, :2 * H].view(-1, 2, H)                  # (N, 2, H)
        ingate, forgetgate = torch.sigmoid(
            torch.addcmul(pre_if, self.peephole_if, c.unsqueeze(1))).unbind(1)
        cellgate = torch.tanh(gates[:, 3 * H:])
        c = torch.addcmul(forgetgate * c, ingate, cellgate)
        outgate = torch.sigmoid(torch.addcmul(gates[:, 2 * H:3 * H], self.peephole_o, c))
        h = outgate * torch.tanh(c)
        return h, (h, c)


class CIFGLSTMCell(_Cell):
    r"""Coupled input-forget gate LSTM (CIFG; Greff et al. 2017).

    The forget gate is not learned: :math:`f_t = 1 - i_t`, so the cell has
    three gate blocks, not four. Greff et al. build each variant on their
    peephole "vanilla" LSTM; here CIFG couples the gates of the plain LSTM
    (:class:`PeepholeLSTMCell` is the peephole variant).

    .. math::

        \begin{array}{ll}
        i_t = \sigma(W_{i} x_t + R_{i} h_{t-1} + b_i) \\
        f_t = 1 - i_t \\
        o_t = \sigma(W_{o} x_t + R_{o} h_{t-1} + b_o) \\
        g_t = \tanh(W_{g} x_t + R_{g} h_{t-1} + b_g) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t
            = c_{t-1} + i_t \odot (g_t - c_{t-1}) \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

    Inputs: xw_t, (h_{t-1}, c_{t-1})
        Projected input ``(N, 3H)``; state tensors ``(N, H)``.

    Outputs: h_t, (h_t, c_t)
    """

    n_gates = 3
    _kernel = _fused_cells.CIFG

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.reset_parameters()

    def forward(self, xw, state, below=None):
        h, c = state
        H = self.hidden_size
        gates = torch.addmm(xw, h, self.weight_hh)          # (N, 3H): i, o, g
        ingate, outgate = torch.sigmoid(gates[:, :2 * H]).chunk(2, 1)
        cellgate = torch.tanh(gates[:, 2 * H:])
        c = torch.lerp(c, cellgate, ingate)                       # (1 - i) c + i g
        h = outgate * torch.tanh(c)
        return h, (h, c)


class NestedLSTMCell(_Cell):
    r"""Nested LSTM (Moniz & Krueger 2017, arXiv:1801.10308).

    The outer cell's memory update is computed by an inner LSTM: the inner
    cell gets :math:`\tilde{h}_{t-1} = f_t \odot c_{t-1}` as its hidden state
    and :math:`\tilde{x}_t = i_t \odot g_t` as its input, and the outer memory
    becomes the inner output, :math:`c_t = \tilde{h}_t`:

    .. math::

        \begin{array}{ll}
        i_t, f_t, o_t = \sigma(W x_t + U h_{t-1} + b), \quad
        g_t = \tanh(W_g x_t + U_g h_{t-1} + b_g) \\
        \tilde{x}_t = i_t \odot g_t, \quad \tilde{h}_{t-1} = f_t \odot c_{t-1} \\
        \tilde{i}_t, \tilde{f}_t, \tilde{o}_t
            = \sigma(\tilde{W} \tilde{x}_t + \tilde{U} \tilde{h}_{t-1} + \tilde{b}), \quad
        \tilde{g}_t = \tanh(\tilde{W}_g \tilde{x}_t + \tilde{U}_g \tilde{h}_{t-1}
            + \tilde{b}_g) \\
        \tilde{c}_t = \tilde{f}_t \odot \tilde{c}_{t-1} + \tilde{i}_t \odot \tilde{g}_t \\
        c_t = \tilde{h}_t = \tilde{o}_t \odot \tanh(\tilde{c}_t) \\
        h_t = o_t \odot \tanh(c_t)
        \end{array}

    With ``depth > 1`` the inner cell is itself nested, recursively; the
    innermost level uses the plain update. Activations follow the paper's
    formulation, in which the inner cell receives
    :math:`(f_t \odot c_{t-1}, i_t \odot g_t)` with :math:`g_t` the standard
    LSTM candidate: sigmoid gates and tanh candidates and outputs at every
    level (the paper's :math:`\sigma_c = \sigma_h = \tanh`).

    Parameters
    ----------
    input_size, hidden_size : int
        Features in, units per level.
    depth : int, default=1
        Inner levels.

    Inputs: xw_t, (h_{t-1}, c_{t-1}, \tilde{c}_{t-1}, ...)
        Projected input ``(N, 4H)``; ``depth + 2`` state tensors ``(N, H)``.

    Outputs: h_t, (h_t, c_t, \tilde{c}_t, ...)
    """

    _kernel = _fused_cells.NESTED

    def __init__(self, input_size, hidden_size, depth=1):
        super().__init__(input_size, hidden_size)
        check_sizes(depth=depth)
        self.depth = depth
        self.n_states = depth + 2
        # level k >= 1 reads [x~, h~] (2H) through one fused weight
        self.inner_weight = nn.ParameterList(
            nn.Parameter(torch.empty(4 * hidden_size, 2 * hidden_size)) for _ in range(depth))
        self.inner_bias = nn.ParameterList(
            nn.Parameter(torch.empty(4 * hidden_size)) for _ in range(depth))
        self.reset_parameters()

    def _extras(self):
        return (*self.inner_weight, *self.inner_bias)

    def forward(self, xw, state, below=None):
        h, *memories = state                                      # depth + 1 memories
        gates = torch.addmm(xw, h, self.weight_hh)            # (N, 4H)
        new_memories = list(memories)
        h = self._level(0, gates, memories, new_memories)
        return h, (h, *new_memories)

    def _level(self, k, gates, memories, new_memories):
        H = self.hidden_size
        ingate, forgetgate, outgate = torch.sigmoid(gates[:, :3 * H]).chunk(3, 1)
        cellgate = torch.tanh(gates[:, 3 * H:])
        if k == self.depth:                                       # innermost: plain update
            c = torch.addcmul(forgetgate * memories[k], ingate, cellgate)
        else:
            inner_in = torch.cat([ingate * cellgate, forgetgate * memories[k]], 1)  # (N, 2H)
            inner_gates = F.linear(inner_in, self.inner_weight[k], self.inner_bias[k])
            c = self._level(k + 1, inner_gates, memories, new_memories)
        new_memories[k] = c
        return outgate * torch.tanh(c)

    def extra_repr(self):
        return f"{super().extra_repr()}, depth={self.depth}"


class HighwayLSTMCell(_Cell):
    r"""LSTM cell with a depth gate to the layer below (Zhang et al. 2016, arXiv:1510.08983).

    For layer :math:`l \ge 2` with input :math:`x^l_t = h^{l-1}_t`, a depth
    gate lets the lower layer's cell state flow straight into this one:

    .. math::

        \begin{array}{ll}
        i_t, f_t, o_t = \sigma(W x^l_t + R h^l_{t-1} + b), \quad
        g_t = \tanh(W_g x^l_t + R_g h^l_{t-1} + b_g) \\
        d^l_t = \sigma(W_d x^l_t + R_d h^l_{t-1} + w_1 \odot c^l_{t-1}
            + w_2 \odot c^{l-1}_t + b_d) \\
        c^l_t = d^l_t \odot c^{l-1}_t + f_t \odot c^l_{t-1} + i_t \odot g_t \\
        h^l_t = o_t \odot \tanh(c^l_t)
        \end{array}

    With the depth gate shut (:math:`d = 0`) this is :class:`LSTMCell`. The
    paper's gate also reads the recurrent state through :math:`R_d`, which is
    kept here as part of the fused recurrent matmul.

    Inputs: xw_t, (h_{t-1}, c_{t-1}), below_t
        Projected input ``(N, 5H)``; state tensors and the lower layer's
        cell state ``c^{l-1}_t``, all ``(N, H)``.

    Outputs: h_t, (h_t, c_t)
    """

    n_gates = 5
    uses_below = True
    _kernel = _fused_cells.HIGHWAY

    def __init__(self, input_size, hidden_size):
        super().__init__(input_size, hidden_size)
        self.depth_weight = nn.Parameter(torch.empty(2, hidden_size))   # w_1, w_2
        self.reset_parameters()

    def _extras(self):
        return (self.depth_weight,)

    def forward(self, xw, state, below=None):
        h, c = state
        H = self.hidden_size
        gates = torch.addmm(xw, h, self.weight_hh)            # (N, 5H): i, f, o, d, g
        ingate, forgetgate, outgate = torch.sigmoid(gates[:, :3 * H]).chunk(3, 1)
        pre_d = torch.addcmul(gates[:, 3 * H:4 * H], self.depth_weight[0], c)
        depthgate = torch.sigmoid(torch.addcmul(pre_d, self.depth_weight[1], below))
        cellgate = torch.tanh(gates[:, 4 * H:])
        c = torch.addcmul(torch.addcmul(forgetgate * c, ingate, cellgate), depthgate, below)
        h = outgate * torch.tanh(c)
        return h, (h, c)
