r"""Quantile forecasts: a non-crossing head over any network, and the pinball loss.

A network trained for quantiles :math:`\tau_1 < \dots < \tau_Q` (the median
:math:`\tau_m = 0.5` among them) outputs :math:`Q` raw values
:math:`r_1, \dots, r_Q` per output. :class:`QuantileHead` turns them into
quantiles that cannot cross, whatever the weights:

.. math::

    q_m = r_m, \qquad
    q_{m+j} = q_m + \sum_{i=1}^{j} \operatorname{softplus}(r_{m+i}), \qquad
    q_{m-j} = q_m - \sum_{i=1}^{j} \operatorname{softplus}(r_{m-i}).

Each sum is a running sum of non-negative terms, taken in order, so the
quantiles are non-decreasing in :math:`\tau` in floating point too (rounding
is monotone), not only in exact arithmetic. :class:`PinballLoss` is the
training objective.
"""

import copy

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["QuantileHead", "PinballLoss", "pinball", "head_body", "map_body", "exportable_head",
           "WeightedHead"]


class QuantileHead(nn.Module):
    r"""Non-crossing quantiles from a network's raw outputs.

    Parameters
    ----------
    body : torch.nn.Module
        Maps a batch to ``(N, n_outputs * n_quantiles)`` raw values, output
        major: column ``o * n_quantiles + k`` is output ``o``'s ``k``-th
        quantile.
    n_quantiles : int
        Quantile levels per output, :math:`Q`.
    median_index : int
        Position of the median (the anchor :math:`m`) among the levels.

    Inputs: x
        Whatever ``body`` takes.

    Outputs: q
        Tensor of shape :math:`(N, \text{n\_outputs}, Q)`, non-decreasing
        along the last axis.

    Examples
    --------
    >>> import torch
    >>> head = QuantileHead(torch.nn.Linear(4, 2 * 3), n_quantiles=3, median_index=1)
    >>> q = head(torch.randn(5, 4))
    >>> q.shape
    torch.Size([5, 2, 3])
    >>> bool((q.diff(dim=-1) >= 0).all())
    True
    """

    def __init__(self, body, n_quantiles, median_index):
        super().__init__()
        self.body = body
        self.n_quantiles = int(n_quantiles)
        self.median_index = int(median_index)
        m = self.median_index
        # lower offsets run outwards from the median: gather r_{m-1}, ..., r_0,
        # sum them cumulatively, and gather back into level order
        self.register_buffer("_below", torch.arange(m - 1, -1, -1), persistent=False)

    def forward(self, x):
        r = self.body(x)
        r = r.reshape(r.shape[0], -1, self.n_quantiles)                  # (N, O, Q)
        m = self.median_index
        median = r[..., m:m + 1]                                         # (N, O, 1)
        parts = []
        if m > 0:
            down = torch.cumsum(F.softplus(r[..., self._below]), dim=-1)   # outwards
            parts.append(median - down[..., self._below])                # level order
        parts.append(median)
        if m + 1 < self.n_quantiles:
            parts.append(median + torch.cumsum(F.softplus(r[..., m + 1:]), dim=-1))
        return torch.cat(parts, dim=-1)

    def with_body(self, body):
        """The same head over another body (the quantized or exportable twin)."""
        return QuantileHead(body, self.n_quantiles, self.median_index)

    def exportable(self):
        """A copy that exporters can trace (the body's ``exportable()`` when it has one)."""
        return exportable_head(self)

    def extra_repr(self):
        return f"n_quantiles={self.n_quantiles}, median_index={self.median_index}"


def head_body(module):
    """The network under its output heads (a :class:`QuantileHead`, a positive output), or
    ``module`` itself. A head is a module with ``body`` and ``with_body``."""
    while hasattr(module, "with_body"):
        module = module.body
    return module


def exportable_head(head):
    """``head`` over a traceable copy of its body (the body's ``exportable()`` if it has one)."""
    exportable = getattr(head.body, "exportable", None)
    return head.with_body(exportable() if exportable is not None else copy.deepcopy(head.body))


class WeightedHead:
    """``with_body`` and ``exportable`` of a head that has weights of its own.

    Mixed into an ``nn.Module`` whose network sits in ``self.body``
    (:class:`~sklstm.nn.skip.LinearSkip`, :class:`~sklstm.nn.decoder.FutureDecoder`).
    """

    def with_body(self, body):
        """The same head (its trained weights) over another body."""
        twin = copy.copy(self)
        twin._modules = dict(self._modules, body=body)
        return twin

    def exportable(self):
        """A copy that exporters can trace (the body's ``exportable()`` when it has one)."""
        return exportable_head(self)


def map_body(module, function):
    """Apply ``function`` to the network under any output heads; keep the heads."""
    if hasattr(module, "with_body"):
        return module.with_body(map_body(module.body, function))
    return function(module)


def pinball(q, y, quantiles):
    """Elementwise pinball losses of quantiles ``q`` (N, O, Q) for targets ``y`` (N, O)."""
    diff = y.unsqueeze(-1) - q
    return torch.maximum(quantiles * diff, (quantiles - 1.0) * diff)


class PinballLoss(nn.Module):
    r"""Mean pinball (quantile) loss over samples, outputs and levels.

    .. math::

        L = \frac{1}{N O Q} \sum_{n, o, k}
            \max\bigl(\tau_k (y_{no} - q_{nok}),\ (\tau_k - 1)(y_{no} - q_{nok})\bigr)

    Parameters
    ----------
    quantiles : sequence of float
        The levels :math:`\tau_k`, in the order of the last axis of the input.

    Inputs: q, y
        Quantiles :math:`(N, O, Q)` and targets :math:`(N, O)`.
    """

    def __init__(self, quantiles):
        super().__init__()
        self.register_buffer("quantiles", torch.as_tensor(quantiles, dtype=torch.float32))

    def forward(self, q, y):
        return pinball(q, y, self.quantiles).mean()
