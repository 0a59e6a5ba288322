r"""The training loss with sample weights and missing targets.

:class:`MaskedLoss` is what the regressors train with when ``fit`` gets a
``sample_weight`` or ``missing="mask"`` is set: the squared error (or, with
quantiles, the pinball loss averaged over the levels) of each observed target,
weighted by its row's weight,

.. math::

    L = \frac{\sum_{n, o} w_n m_{no} \ell_{no}}{\sum_{n, o} w_n m_{no}},

where :math:`m_{no}` is 1 where target :math:`y_{no}` is observed and 0 where
it is NaN. Rows of weight 0 and missing targets add nothing; equal weights
give the plain mean.
"""

import torch
from torch import nn

from .quantile import pinball

__all__ = ["MaskedLoss"]


class MaskedLoss(nn.Module):
    r"""Weighted mean of the per-target loss over observed targets.

    Parameters
    ----------
    quantiles : sequence of float or None, default=None
        ``None``: squared error. Levels: the pinball loss of a quantile head,
        averaged over the levels.

    Inputs: prediction, target
        Predictions :math:`(N, O)` (or :math:`(N, O, Q)` with quantiles), and
        targets packed with their weights, :math:`(N, O + 1)`: the targets
        (NaN where missing), then the row's weight.

    Examples
    --------
    >>> import torch
    >>> loss = MaskedLoss()
    >>> pred = torch.zeros(2, 2)
    >>> target = torch.tensor([[1.0, float("nan"), 1.0], [2.0, 2.0, 0.0]])
    >>> loss(pred, target)           # only y[0, 0] is observed with weight > 0
    tensor(1.)
    """

    def __init__(self, quantiles=None):
        super().__init__()
        self.register_buffer("quantiles", None if quantiles is None
                             else torch.as_tensor(quantiles, dtype=torch.float32))

    def forward(self, prediction, target):
        y, weight = target[:, :-1], target[:, -1:]
        observed = ~torch.isnan(y)
        y = torch.where(observed, y, torch.zeros_like(y))
        if self.quantiles is None:
            loss = (prediction - y) ** 2
        else:
            loss = pinball(prediction, y, self.quantiles).mean(dim=-1)
        weight = weight * observed
        return (loss * weight).sum() / weight.sum().clamp_min(torch.finfo(loss.dtype).tiny)
