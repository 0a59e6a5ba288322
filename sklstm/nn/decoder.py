r"""A recurrent decoder over the known-future steps of a window, after any encoder.

A window with known-future steps (see :mod:`sklstm._future`) holds ``T``
history steps and then ``h`` future steps, on which only the covariates
known ahead have values (the others are zero-filled) and a marker channel
is 1. :class:`FutureDecoder` reads the whole window with the variant's own
network (the encoder, any module ``(N, T + h, C) -> (N, D)``: the encoder
continued over the future steps, so that it sees what is planned), starts
an LSTM from the encoder's summary and runs it over the future steps, one
step per forecast step, reading step :math:`k`'s known inputs when it
forecasts step :math:`k` (sequence to sequence, Sutskever et al. 2014; the
decoders of DeepAR and of darts' and neuralforecast's recurrent models read
future covariates the same way):

.. math::

    \begin{array}{ll}
    e = \mathrm{encoder}(x_{1:T+h}) \\
    h_0 = \tanh(W_{h} e + b_{h}), \quad c_0 = \tanh(W_{c} e + b_{c}) \\
    h_k, c_k = \mathrm{LSTMCell}([u_{T+k}; v_{T-h+k}], (h_{k-1}, c_{k-1})),
        \quad k = 1, \dots, h \\
    \hat{y}_k = W_o [h_k; e] + b_o
    \end{array}

where :math:`u_{T+k}` is the window's future step :math:`k` restricted to the
channels known ahead (and the marker, a constant input, so that a decoder
with no covariate still runs), and :math:`v_{T-h+k}` the history step one
horizon earlier restricted to the lag channels (the target: in a day-ahead
forecast, the same half-hour yesterday; DeepAR feeds lagged targets the same
way), when the history holds ``h`` steps. The summary :math:`e` also reaches
every output directly, so a covariate that does not matter costs nothing.

Measured (``benchmarks/known_future.py``, the docs' real-data page): the
encoder reading the future steps as well as the history, against the
history alone, moved a 40-series retail panel (one step ahead, a promotion
known ahead) from MASE 0.67 to 0.50 and kept a simulated temperature-driven
day-ahead demand at the same error.
"""

import torch
from torch import nn

from ._checks import check_sizes
from .quantile import WeightedHead

__all__ = ["FutureDecoder"]


class FutureDecoder(WeightedHead, nn.Module):
    r"""Encoder over the history, LSTM decoder over the known-future steps.

    Parameters
    ----------
    body : nn.Module
        The encoder, ``(N, T + h, C) -> (N, D)``.
    n_history : int
        History steps :math:`T` at the start of each window.
    future_channels : sequence of int
        Channels of the input the decoder reads at each future step.
    context_size : int
        :math:`D`, the encoder's output size.
    hidden_size : int
        Units of the decoder's LSTM.
    n_per_step : int
        Outputs per future step (1, or the number of quantile levels).
    lag_channels : sequence of int, default=()
        Channels of the history read at step ``k`` one horizon earlier,
        :math:`v_{T-h+k}`; left out when ``n_history < n_future``.
    n_future : int, optional
        The number of future steps :math:`h`; needed with ``lag_channels``.

    Inputs: x
        :math:`(N, T + h, C)`, in model units, with no NaN.

    Outputs: y
        :math:`(N, h \cdot \text{n\_per\_step})`, step major: column
        ``k * n_per_step + j`` is output ``j`` of future step ``k``.

    Examples
    --------
    >>> import torch
    >>> encoder = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(9 * 3, 8))
    >>> net = FutureDecoder(encoder, 6, [1, 2], context_size=8, hidden_size=4,
    ...                     n_per_step=1)
    >>> net(torch.zeros(5, 6 + 3, 3)).shape     # 6 history steps, 3 future steps
    torch.Size([5, 3])
    """

    def __init__(self, body, n_history, future_channels, *, context_size, hidden_size,
                 n_per_step=1, lag_channels=(), n_future=None):
        super().__init__()
        check_sizes(n_history=n_history, context_size=context_size, hidden_size=hidden_size,
                    n_per_step=n_per_step)
        if not len(future_channels):
            raise ValueError("FutureDecoder needs at least one future channel (the marker).")
        if len(lag_channels) and n_future is None:
            raise ValueError("FutureDecoder: lag_channels need n_future, the number of "
                             "future steps.")
        lag_channels = list(lag_channels) if n_future and n_future <= n_history else []
        self.body = body
        self.n_history = int(n_history)
        self.n_future = n_future
        self.n_per_step = int(n_per_step)
        self.register_buffer("_future", torch.as_tensor(list(future_channels)),
                             persistent=False)
        self.register_buffer("_lags", torch.as_tensor(lag_channels, dtype=torch.long),
                             persistent=False)
        self.init_h = nn.Linear(context_size, hidden_size)
        self.init_c = nn.Linear(context_size, hidden_size)
        self.rnn = nn.LSTM(len(future_channels) + len(lag_channels), hidden_size,
                           batch_first=True)
        self.head = nn.Linear(hidden_size + context_size, n_per_step)

    def forward(self, x):
        T = self.n_history
        e = self.body(x)                                                 # (N, D)
        u = x[:, T:].index_select(2, self._future)                       # (N, h, K)
        if len(self._lags):                  # step k also reads history step T - h + k
            h = self.n_future
            u = torch.cat([u, x[:, T - h:T].index_select(2, self._lags)], dim=2)
        h0 = torch.tanh(self.init_h(e)).unsqueeze(0)                     # (1, N, H)
        c0 = torch.tanh(self.init_c(e)).unsqueeze(0)
        h, _ = self.rnn(u, (h0, c0))                                     # (N, h, H)
        context = e.unsqueeze(1).expand(-1, h.shape[1], -1)              # (N, h, D)
        y = self.head(torch.cat([h, context], dim=2))                    # (N, h, P)
        return y.flatten(1)                                              # (N, h * P)


    def extra_repr(self):
        return (f"n_history={self.n_history}, future_channels={self._future.tolist()}, "
                f"n_per_step={self.n_per_step}")
