r"""An LSTM encoder with attention over its hidden states.

The encoder (a fused ``nn.LSTM``) produces hidden states
:math:`h_1, \dots, h_T`; the last one is the query :math:`q = h_T`. Each step
gets a score, the scores are normalised with a softmax into attention weights
:math:`\alpha_t`, and the context vector is their weighted sum of the hidden
states. Context and query are combined into an attentional state that the
linear head reads (Luong et al. 2015):

.. math::

    \begin{array}{ll}
    e_t = \mathrm{score}(h_t, q), \quad
    \alpha_t = \frac{\exp e_t}{\sum_s \exp e_s}, \quad
    c = \sum_t \alpha_t h_t \\
    \tilde{h} = \tanh(W_c [c; q] + b_c), \quad \hat{y} = W_o \tilde{h} + b_o
    \end{array}

with the score

* ``"additive"`` (Bahdanau et al. 2015): :math:`v^\top \tanh(W_h h_t + W_q q + b)`;
* ``"dot"`` (Luong et al. 2015): :math:`h_t^\top q`;
* ``"general"`` (Luong et al. 2015): :math:`h_t^\top W_a q`.
"""

import torch
from torch import nn

from ._checks import check_dropout, check_sizes

__all__ = ["AttentionLSTMNet", "SCORES"]

SCORES = ("additive", "dot", "general")


class AttentionLSTMNet(nn.Module):
    """LSTM encoder, attention over its states, a combining layer and a head.

    Parameters
    ----------
    input_size, hidden_size, output_size : int
    attention : {"additive", "dot", "general"}, default="additive"
        The score function (see the module docstring).
    num_layers : int, default=1
        Encoder layers; attention reads the top layer.
    dropout : float, default=0.0
        Between encoder layers and before the head.

    Inputs: x
        ``(N, T, H_in)``.

    Outputs: y
        ``(N, H_out)``; :meth:`attention` returns the weights ``(N, T)``.

    Examples
    --------
    >>> import torch
    >>> net = AttentionLSTMNet(2, 8, 1, attention="general")
    >>> x = torch.zeros(4, 10, 2)
    >>> net(x).shape
    torch.Size([4, 1])
    >>> bool(torch.allclose(net.attention(x).sum(dim=1), torch.ones(4)))
    True
    """

    def __init__(self, input_size, hidden_size, output_size, *, attention="additive",
                 num_layers=1, dropout=0.0):
        super().__init__()
        if attention not in SCORES:
            raise ValueError(f"attention must be one of {SCORES}, got {attention!r}")
        check_sizes(input_size=input_size, hidden_size=hidden_size,
                    output_size=output_size, num_layers=num_layers)
        check_dropout(dropout)
        self.attention_type = attention
        self.encoder = nn.LSTM(input_size, hidden_size, num_layers=num_layers,
                               batch_first=True, dropout=dropout if num_layers > 1 else 0.0)
        if attention == "additive":
            self.key = nn.Linear(hidden_size, hidden_size, bias=False)      # W_h
            self.query = nn.Linear(hidden_size, hidden_size)                # W_q, b
            self.energy = nn.Linear(hidden_size, 1, bias=False)             # v
        elif attention == "general":
            self.query = nn.Linear(hidden_size, hidden_size, bias=False)    # W_a
        self.combine = nn.Linear(2 * hidden_size, hidden_size)              # W_c
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, output_size)

    def _encode(self, x):
        states, _ = self.encoder(x)                        # (N, T, H)
        query = states[:, -1]                              # (N, H)
        if self.attention_type == "additive":
            scores = self.energy(torch.tanh(
                self.key(states) + self.query(query).unsqueeze(1))).squeeze(2)
        elif self.attention_type == "general":
            scores = torch.bmm(states, self.query(query).unsqueeze(2)).squeeze(2)
        else:
            scores = torch.bmm(states, query.unsqueeze(2)).squeeze(2)
        weights = torch.softmax(scores, dim=1)             # (N, T)
        return states, query, weights

    def attention(self, x):
        """Attention weights ``(N, T)``: non-negative, each row sums to 1."""
        return self._encode(x)[2]

    def forward(self, x):
        states, query, weights = self._encode(x)
        context = torch.bmm(weights.unsqueeze(1), states).squeeze(1)         # (N, H)
        attended = torch.tanh(self.combine(torch.cat([context, query], 1)))  # (N, H)
        return self.head(self.dropout(attended))                             # (N, H_out)

    def extra_repr(self):
        return f"attention={self.attention_type!r}"
