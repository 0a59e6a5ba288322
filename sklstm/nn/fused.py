"""Regression networks on PyTorch's fused recurrent kernels (``nn.LSTM``, ``nn.GRU``)."""

from torch import nn

from ._checks import check_dropout, check_sizes

__all__ = ["FusedRecurrentNet"]

_RNNS = {"lstm": nn.LSTM, "gru": nn.GRU}


class FusedRecurrentNet(nn.Module):
    r"""A fused ``nn.LSTM`` or ``nn.GRU`` encoder with a linear head.

    The encoder runs over the whole sequence; the head reads the top layer's
    final hidden state (both directions' final states, concatenated, when
    ``bidirectional=True``):

    .. math::

        \hat{y} = W_o \, \mathrm{dropout}(h_T^{(L)}) + b_o

    Parameters
    ----------
    input_size : int
        Features per time step.
    hidden_size : int
        Units per recurrent layer and direction.
    output_size : int
        Regression outputs.
    cell : {"lstm", "gru"}, default="lstm"
        The recurrent kernel.
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the head.
    bidirectional : bool, default=False
        Also run the sequence backwards (Graves & Schmidhuber 2005).

    Inputs: x
        Tensor of shape :math:`(N, T, H_{in})`.

    Outputs: y
        Tensor of shape :math:`(N, H_{out})`.

    Examples
    --------
    >>> import torch
    >>> net = FusedRecurrentNet(3, 8, 2, cell="gru", bidirectional=True)
    >>> net(torch.zeros(4, 10, 3)).shape
    torch.Size([4, 2])
    """

    def __init__(self, input_size, hidden_size, output_size, *, cell="lstm",
                 num_layers=1, dropout=0.0, bidirectional=False):
        super().__init__()
        if cell not in _RNNS:
            raise ValueError(f"cell must be one of {sorted(_RNNS)}, got {cell!r}")
        check_sizes(input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size, num_layers=num_layers)
        check_dropout(dropout)
        self.cell = cell
        self.num_directions = 2 if bidirectional else 1
        self.rnn = _RNNS[cell](
            input_size, hidden_size, num_layers=num_layers, batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0, bidirectional=bidirectional,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(self.num_directions * hidden_size, output_size)

    def forward(self, x):
        _, state = self.rnn(x)
        h_n = state[0] if self.cell == "lstm" else state
        # h_n: (num_layers * num_directions, N, H) -> top layer, all directions
        top = h_n[-self.num_directions:]                  # (D, N, H)
        features = top.transpose(0, 1).reshape(x.shape[0], -1)  # (N, D * H)
        return self.head(self.dropout(features))          # (N, H_out)

    def extra_repr(self):
        return f"cell={self.cell!r}"
