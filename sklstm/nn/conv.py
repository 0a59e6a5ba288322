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

Shapes: frames are ``(N, T, C, H, W)``; states ``(N, C_h, H, W)``. The
input convolution of all steps runs as one call before the time loop.
"""

import math

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["ConvLSTMCell", "ConvLSTMNet"]


class ConvLSTMCell(nn.Module):
    """One ConvLSTM layer's cell; ``forward`` is one step.

    Parameters
    ----------
    in_channels, hidden_channels : int
    kernel_size : int
        Odd kernel size of both convolutions ("same" padding).
    grid : tuple of int
        ``(height, width)`` of the frames, the shape of the peephole weights.
    peephole : bool, default=True
        Keep the Hadamard peephole terms.

    Inputs: xw_t, (h_{t-1}, c_{t-1})
        The input convolution of step ``t``, ``(N, 4 C_h, H, W)``; states
        ``(N, C_h, H, W)``.

    Outputs: h_t, (h_t, c_t)
    """

    def __init__(self, in_channels, hidden_channels, kernel_size, grid, peephole=True):
        super().__init__()
        self.hidden_channels = hidden_channels
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
        self.conv_x.reset_parameters()
        self.conv_h.reset_parameters()
        if self.peephole:
            bound = 1.0 / math.sqrt(self.hidden_channels)
            nn.init.uniform_(self.peephole_weight, -bound, bound)

    def project(self, x):
        """Input convolution of every step: ``(N, T, C, H, W) -> (N, T, 4 C_h, H, W)``."""
        N, T = x.shape[:2]
        if self.pointwise:
            weight = self.conv_x.weight[:, :, self.center, self.center]
            return F.linear(x.flatten(2), weight, self.conv_x.bias)[..., None, None]
        return self.conv_x(x.flatten(0, 1)).unflatten(0, (N, T))

    def _conv_h(self, h):
        if self.pointwise:
            weight = self.conv_h.weight[:, :, self.center, self.center]
            return F.linear(h.flatten(1), weight)[..., None, None]
        return self.conv_h(h)

    def forward(self, xw, state):
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


class ConvLSTMNet(nn.Module):
    """Stacked ConvLSTM layers and a head on the last hidden state.

    Parameters
    ----------
    in_channels : int
    grid : tuple of int
        ``(height, width)``.
    hidden_channels : list of int
        Channels of each layer.
    output_size : int
        Outputs of the dense head (ignored when ``frame_channels`` is set).
    kernel_size : int, default=3
    peephole : bool, default=True
    frame_channels : int or None, default=None
        Predict a frame: a 1x1 convolution maps the last hidden state to
        ``frame_channels`` channels on the input grid, returned flattened as
        ``(N, frame_channels * H * W)``. Otherwise a linear layer reads the
        flattened last hidden state.

    Inputs: x
        ``(N, T, C, H, W)``.

    Outputs: y
        ``(N, output_size)`` or ``(N, frame_channels * H * W)``.

    Examples
    --------
    >>> import torch
    >>> net = ConvLSTMNet(1, (8, 8), [4, 4], 0, frame_channels=1)
    >>> net(torch.zeros(2, 5, 1, 8, 8)).shape
    torch.Size([2, 64])
    """

    def __init__(self, in_channels, grid, hidden_channels, output_size, *, kernel_size=3,
                 peephole=True, frame_channels=None):
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd for 'same' padding, got {kernel_size}")
        sizes = [in_channels, *hidden_channels]
        self.cells = nn.ModuleList(
            ConvLSTMCell(sizes[k], sizes[k + 1], kernel_size, grid, peephole=peephole)
            for k in range(len(hidden_channels)))
        top = hidden_channels[-1]
        if frame_channels is None:
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(top * grid[0] * grid[1],
                                                              output_size))
        else:
            self.head = nn.Sequential(nn.Conv2d(top, frame_channels, 1), nn.Flatten())

    def forward(self, x):
        for cell in self.cells:
            xw = cell.project(x).unbind(1)                        # T x (N, 4 C_h, H, W)
            zeros = x.new_zeros(x.shape[0], cell.hidden_channels, *x.shape[3:])
            state, hs = (zeros, zeros), []
            for xw_t in xw:
                h, state = cell(xw_t, state)
                hs.append(h)
            x = torch.stack(hs, 1)                                # (N, T, C_h, H, W)
        return self.head(x[:, -1])                                # (N, outputs)
