r"""Convolutional LSTM (Shi et al. 2015, arXiv:1506.04214) for sequences of frames.

Input-to-state and state-to-state transitions are convolutions (:math:`*`);
the peephole terms are Hadamard products (:math:`\circ`) with weights that
have the shape of the state, as in the paper's equation (3):

.. math::

    \begin{array}{ll}
    i_t = \sigma(W_{xi} * X_t + W_{hi} * H_{t-1} + W_{ci} \circ C_{t-1} + b_i) \\
    f_t = \sigma(W_{xf} * X_t + W_{hf} * H_{t-1} + W_{cf} \circ C_{t-1} + b_f) \\
    C_t = f_t \circ C_{t-1} + i_t \circ \tanh(W_{xc} * X_t + W_{hc} * H_{t-1} + b_c) \\
    o_t = \sigma(W_{xo} * X_t + W_{ho} * H_{t-1} + W_{co} \circ C_t + b_o) \\
    H_t = o_t \circ \tanh(C_t)
    \end{array}

Shapes: frames are ``(N, T, C, H, W)``; states ``(N, C_h, H, W)``.
:class:`ConvLSTMCell` is a cell of the shared time-loop engine
(:mod:`sklstm.nn.engine`): the input convolution of all steps runs as one call
before the time loop, and :class:`ConvLSTMNet` stacks the cells with
:class:`~sklstm.nn.RecurrentStack`.
"""

import torch
from torch import nn
from torch.nn import functional as F

from ._checks import check_dropout, check_sizes
from ._init import init_uniform_
from .engine import RecurrentStack

__all__ = ["ConvLSTMCell", "ConvLSTMNet"]


def _check_conv_args(kernel_size, grid):
    check_sizes(kernel_size=kernel_size)
    if kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be odd for 'same' padding, got {kernel_size}")
    if len(grid) != 2:
        raise ValueError(f"grid must be (height, width), got {tuple(grid)!r}")
    check_sizes(height=grid[0], width=grid[1])


class ConvLSTMCell(nn.Module):
    """One ConvLSTM layer's cell; ``forward`` is one step of the engine.

    Parameters
    ----------
    in_channels, hidden_channels : int
    kernel_size : int
        Odd kernel size of both convolutions ("same" padding).
    grid : tuple of int
        ``(height, width)`` of the frames, the shape of the peephole weights.
    peephole : bool, default=True
        Keep the Hadamard peephole terms.

    Inputs: xw_t, (h_{t-1}, c_{t-1}), below_t
        The input convolution of step ``t``, ``(N, 4 C_h, H, W)``; states
        ``(N, C_h, H, W)``; ``below_t`` is not read (None).

    Outputs: h_t, (h_t, c_t)
    """

    uses_below = False    # the engine's protocol: no lower-layer cell state is read

    def __init__(self, in_channels, hidden_channels, kernel_size, grid, peephole=True):
        super().__init__()
        check_sizes(in_channels=in_channels, hidden_channels=hidden_channels)
        _check_conv_args(kernel_size, grid)
        self.in_channels = in_channels
        self.hidden_channels = hidden_channels
        self.kernel_size = kernel_size
        self.peephole = peephole
        # on a 1x1 grid only the kernel's centre tap meets data (the others see
        # the zero padding): the convolutions are then run as matmuls
        self.pointwise = tuple(grid) == (1, 1)
        self.center = kernel_size // 2
        self.conv_x = nn.Conv2d(in_channels, 4 * hidden_channels, kernel_size, padding="same")
        self.conv_h = nn.Conv2d(hidden_channels, 4 * hidden_channels, kernel_size,
                                padding="same", bias=False)
        if peephole:
            # W_ci, W_cf (on C_{t-1}) and W_co (on C_t), one map per channel
            self.peephole_weight = nn.Parameter(torch.empty(3, hidden_channels, *grid))
        self.reset_parameters()

    def reset_parameters(self):
        r"""Uniform in :math:`\pm 1/\sqrt{k}`, ``k`` the fan-in of each unit.

        The convolutions read ``in_channels * kernel_size**2`` and
        ``hidden_channels * kernel_size**2`` values per unit (the
        ``torch.nn.Conv2d`` default); the peephole weights use
        ``k = hidden_channels``, as a recurrent cell's weights use its hidden size.
        """
        area = self.kernel_size * self.kernel_size
        init_uniform_(self.conv_x, self.in_channels * area)
        init_uniform_(self.conv_h, self.hidden_channels * area)
        if self.peephole:
            init_uniform_([self.peephole_weight], self.hidden_channels)

    def project(self, x):
        """Input convolution of every step: ``(N, T, C, H, W) -> (N, T, 4 C_h, H, W)``."""
        N, T = x.shape[:2]
        if self.pointwise:
            weight = self.conv_x.weight[:, :, self.center, self.center]
            return F.linear(x.flatten(2), weight, self.conv_x.bias)[..., None, None]
        return self.conv_x(x.flatten(0, 1)).unflatten(0, (N, T))

    def initial_state(self, x):
        """Zero ``(h, c)`` for frames like ``x``: two ``(N, C_h, H, W)`` tensors."""
        zeros = x.new_zeros(x.shape[0], self.hidden_channels, *x.shape[3:])
        return zeros, zeros

    def _conv_h(self, h):
        if self.pointwise:
            weight = self.conv_h.weight[:, :, self.center, self.center]
            return F.linear(h.flatten(1), weight)[..., None, None]
        return self.conv_h(h)

    def forward(self, xw, state, below=None):
        h, c = state
        gates = xw + self._conv_h(h)                              # (N, 4 C_h, H, W)
        pre_i, pre_f, pre_o, pre_g = gates.chunk(4, dim=1)
        if self.peephole:
            pre_i = pre_i + self.peephole_weight[0] * c
            pre_f = pre_f + self.peephole_weight[1] * c
        ingate, forgetgate = torch.sigmoid(pre_i), torch.sigmoid(pre_f)
        c = forgetgate * c + ingate * torch.tanh(pre_g)
        if self.peephole:
            pre_o = pre_o + self.peephole_weight[2] * c
        h = torch.sigmoid(pre_o) * torch.tanh(c)
        return h, (h, c)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.hidden_channels}, kernel_size={self.kernel_size}, "
                f"peephole={self.peephole}")


class ConvLSTMNet(nn.Module):
    r"""Stacked ConvLSTM layers and a head on the last hidden state.

    .. math::

        \hat{y} = \mathrm{head}\big(\mathrm{dropout}(H_T^{(L)})\big)

    The layers run on :class:`~sklstm.nn.RecurrentStack`, which applies the
    same dropout to the frames each layer passes to the next.

    Parameters
    ----------
    in_channels : int
    grid : tuple of int
        ``(height, width)``.
    hidden_channels : int or list of int
        Channels of each layer (an int: one layer).
    output_size : int
        Outputs of the dense head (ignored when ``frame_channels`` is set).
    kernel_size : int, default=3
    peephole : bool, default=True
    frame_channels : int or None, default=None
        Predict a frame: a 1x1 convolution maps the last hidden state to
        ``frame_channels`` channels on the input grid, returned flattened as
        ``(N, frame_channels * H * W)``. Otherwise a linear layer reads the
        flattened last hidden state.
    dropout : float, default=0.0
        Elementwise dropout on the hidden frames between stacked layers and
        on the last hidden state before the head (training mode only).
    values_per_pixel : int, default=1
        With ``frame_channels``: values predicted for each pixel of the frame
        (the levels of a quantile head), innermost in the output, so column
        ``p * values_per_pixel + k`` is pixel ``p``'s value ``k``.

    Inputs: x
        ``(N, T, C, H, W)``.

    Outputs: y
        ``(N, output_size)`` or
        ``(N, frame_channels * H * W * values_per_pixel)``.

    Examples
    --------
    >>> import torch
    >>> net = ConvLSTMNet(1, (8, 8), [4, 4], 0, frame_channels=1, dropout=0.1)
    >>> net(torch.zeros(2, 5, 1, 8, 8)).shape
    torch.Size([2, 64])
    """

    def __init__(self, in_channels, grid, hidden_channels, output_size, *, kernel_size=3,
                 peephole=True, frame_channels=None, dropout=0.0, values_per_pixel=1):
        super().__init__()
        check_sizes(in_channels=in_channels)
        _check_conv_args(kernel_size, grid)
        if frame_channels is None:
            check_sizes(output_size=output_size)
        else:
            check_sizes(frame_channels=frame_channels, values_per_pixel=values_per_pixel)
        check_dropout(dropout)
        grid = tuple(int(g) for g in grid)
        self.stack = RecurrentStack(
            lambda layer, i, h: ConvLSTMCell(i, h, kernel_size, grid, peephole=peephole),
            in_channels, hidden_channels, dropout=dropout)
        top = self.stack.hidden_sizes[-1]
        self.dropout = nn.Dropout(dropout)
        if frame_channels is None:
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(top * grid[0] * grid[1],
                                                              output_size))
        else:
            self.head = nn.Sequential(
                nn.Conv2d(top, frame_channels * values_per_pixel, 1), nn.Flatten())
        self.values_per_pixel = values_per_pixel

    @property
    def cells(self):
        """The ConvLSTM cell of each layer, bottom first."""
        return [directions[0].cell for directions in self.stack.layers]

    def forward(self, x):
        h = self.dropout(self.stack(x)[:, -1])                    # (N, C_h, H, W)
        k = self.values_per_pixel
        if k == 1:
            return self.head(h)                                   # (N, outputs)
        y = self.head[0](h)                                       # (N, C k, H, W)
        y = y.reshape(y.shape[0], -1, k, y.shape[-2], y.shape[-1])
        return y.permute(0, 1, 3, 4, 2).flatten(1)                # (N, C H W k)
