r"""A recurrent decoder over the known-future steps of a window, after any encoder.

A window with known-future steps (see :mod:`sklstm._future`) holds ``T``
history steps and then ``h`` future steps, on which only the covariates
known ahead have values. :class:`FutureDecoder` reads the history with the
variant's own network (the encoder, any module ``(N, T, C) -> (N, D)``),
starts an LSTM from the encoder's summary and runs it over the future
steps, one step per forecast step, reading step :math:`k`'s known inputs
when it forecasts step :math:`k` (sequence to sequence, Sutskever et al.
2014; the decoder of DeepAR and of darts' and neuralforecast's recurrent
models reads future covariates the same way):

.. math::

    \begin{array}{ll}
    e = \mathrm{encoder}(x_{1:T}) \\
    h_0 = \tanh(W_{h} e + b_{h}), \quad c_0 = \tanh(W_{c} e + b_{c}) \\
    h_k, c_k = \mathrm{LSTMCell}(u_{T+k}, (h_{k-1}, c_{k-1})), \quad k = 1, \dots, h \\
    \hat{y}_k = W_o [h_k; e] + b_o
    \end{array}

where :math:`u_{T+k}` is the window's future step :math:`k` restricted to the
channels known ahead (and the marker, a constant input, so that a decoder
with no covariate still runs). The summary :math:`e` also reaches every
output directly, so a covariate that does not matter costs nothing.
"""

import copy

import torch
from torch import nn

from ._checks import check_sizes
from .quantile import exportable_head

__all__ = ["FutureDecoder"]


class FutureDecoder(nn.Module):
    r"""Encoder over the history, LSTM decoder over the known-future steps.

    Parameters
    ----------
    body : nn.Module
        The encoder, ``(N, T, C_{enc}) -> (N, D)``.
    n_history : int
        History steps :math:`T` at the start of each window.
    history_channels : sequence of int
        Channels of the input the encoder reads.
    future_channels : sequence of int
        Channels of the input the decoder reads at each future step.
    context_size : int
        :math:`D`, the encoder's output size.
    hidden_size : int
        Units of the decoder's LSTM.
    n_per_step : int
        Outputs per future step (1, or the number of quantile levels).

    Inputs: x
        :math:`(N, T + h, C)`, in model units, with no NaN.

    Outputs: y
        :math:`(N, h \cdot \text{n\_per\_step})`, step major: column
        ``k * n_per_step + j`` is output ``j`` of future step ``k``.

    Examples
    --------
    >>> import torch
    >>> encoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6 * 2, 8))
    >>> net = FutureDecoder(encoder, 6, [0, 1], [1, 2], context_size=8, hidden_size=4,
    ...                     n_per_step=1)
    >>> net(torch.zeros(5, 6 + 3, 3)).shape     # 6 history steps, 3 future steps
    torch.Size([5, 3])
    """

    def __init__(self, body, n_history, history_channels, future_channels, *,
                 context_size, hidden_size, n_per_step=1):
        super().__init__()
        check_sizes(n_history=n_history, context_size=context_size, hidden_size=hidden_size,
                    n_per_step=n_per_step)
        if not len(history_channels) or not len(future_channels):
            raise ValueError("FutureDecoder needs at least one history channel and one "
                             "future channel.")
        self.body = body
        self.n_history = int(n_history)
        self.n_per_step = int(n_per_step)
        self.register_buffer("_history", torch.as_tensor(list(history_channels)),
                             persistent=False)
        self.register_buffer("_future", torch.as_tensor(list(future_channels)),
                             persistent=False)
        self.init_h = nn.Linear(context_size, hidden_size)
        self.init_c = nn.Linear(context_size, hidden_size)
        self.rnn = nn.LSTM(len(future_channels), hidden_size, batch_first=True)
        self.head = nn.Linear(hidden_size + context_size, n_per_step)

    def forward(self, x):
        T = self.n_history
        e = self.body(x[:, :T].index_select(2, self._history))          # (N, D)
        u = x[:, T:].index_select(2, self._future)                       # (N, h, K)
        h0 = torch.tanh(self.init_h(e)).unsqueeze(0)                     # (1, N, H)
        c0 = torch.tanh(self.init_c(e)).unsqueeze(0)
        h, _ = self.rnn(u, (h0, c0))                                     # (N, h, H)
        context = e.unsqueeze(1).expand(-1, h.shape[1], -1)              # (N, h, D)
        y = self.head(torch.cat([h, context], dim=2))                    # (N, h, P)
        return y.flatten(1)                                              # (N, h * P)

    def with_body(self, body):
        """The same decoder (its trained weights) over another encoder."""
        twin = copy.copy(self)
        twin._modules = dict(self._modules, body=body)
        return twin

    def exportable(self):
        """A copy that exporters can trace (the body's ``exportable()`` when it has one)."""
        return exportable_head(self)

    def extra_repr(self):
        return (f"n_history={self.n_history}, future_channels={self._future.tolist()}, "
                f"n_per_step={self.n_per_step}")
