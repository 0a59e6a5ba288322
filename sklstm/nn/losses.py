r"""Training losses: one registry of point losses, and the masked, weighted mean.

Every regressor's ``loss=`` names an entry of :data:`LOSSES`. An entry is a
:class:`PointLoss`: its elementwise loss :math:`\ell(\hat y, y)` on targets
in model units, the torch criterion that takes the plain mean of it, and
what the estimator must do around it (a positive output, non-negative
targets). Adding a loss is one :class:`PointLoss` passed to
:func:`register_loss`, and a test against an independent computation.

=================== ===================================================== =================
name                elementwise loss :math:`\ell(\hat y, y)`              scikit-learn twin
=================== ===================================================== =================
``squared_error``   :math:`(\hat y - y)^2`                                ``mean_squared_error``
``absolute_error``  :math:`|\hat y - y|`                                  ``mean_absolute_error``
``huber``           :math:`\tfrac12 d^2` if :math:`|d| \le \delta`,       ``HuberRegressor``'s loss
                    else :math:`\delta(|d| - \tfrac12\delta)`;
                    :math:`d = \hat y - y`, :math:`\delta = 1`
``poisson``         :math:`\hat y - y \log \hat y` (plus a constant)       ``mean_poisson_deviance``
=================== ===================================================== =================

The targets are in model units: standardised, so Huber's :math:`\delta = 1`
is one training standard deviation of the target. Poisson needs
:math:`\hat y > 0` and :math:`y \ge 0`: its module output goes through
:class:`PositiveOutput` (:math:`\hat y = e^{\eta}`) and its targets are only
divided by a positive scale, never centred (see
:class:`~sklstm.base.SequenceRegressor`).

:class:`MaskedLoss` is what the regressors train with when ``fit`` gets a
``sample_weight`` or ``missing="mask"`` is set: the per-target loss (or,
with quantiles, the pinball loss averaged over the levels) of each observed
target, weighted by its row's weight,

.. math::

    L = \frac{\sum_{n, o} w_n m_{no} \ell_{no}}{\sum_{n, o} w_n m_{no}},

where :math:`m_{no}` is 1 where target :math:`y_{no}` is observed and 0 where
it is NaN. Rows of weight 0 and missing targets add nothing; equal weights
give the plain mean.
"""

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .quantile import exportable_head, pinball

__all__ = ["LOSSES", "PointLoss", "register_loss", "MaskedLoss", "PositiveOutput"]

#: Largest log-mean a :class:`PositiveOutput` passes to ``exp`` (``e**30`` model units).
MAX_LOG_OUTPUT = 30.0


def _squared(prediction, target):
    return (prediction - target) ** 2


def _absolute(prediction, target):
    return (prediction - target).abs()


def _huber(prediction, target):
    return F.huber_loss(prediction, target, reduction="none", delta=1.0)


def _poisson(prediction, target):
    # the Poisson negative log-likelihood of a positive mean, without the log(y!) term
    return prediction - target * torch.log(prediction + torch.finfo(prediction.dtype).tiny)


class _MeanOf(nn.Module):
    """The plain mean of an elementwise loss (the criterion without weights or gaps)."""

    def __init__(self, elementwise):
        super().__init__()
        self.elementwise = elementwise

    def forward(self, prediction, target):
        return self.elementwise(prediction, target).mean()


def _poisson_criterion():
    return _MeanOf(_poisson)


@dataclass(frozen=True)
class PointLoss:
    """One entry of the loss registry.

    Parameters
    ----------
    name : str
        The value of ``loss=`` (scikit-learn's name where it has one).
    elementwise : callable
        ``elementwise(prediction, target)`` -> the loss of each element, a
        tensor of the inputs' shape (model units, no reduction).
    criterion : callable
        Builds the torch module that returns the plain mean of
        ``elementwise`` (torch's own loss where it has one).
    positive_output : bool, default=False
        The module's output must be positive: it goes through
        :class:`PositiveOutput`, and targets are scaled without centring.
    nonnegative_target : bool, default=False
        ``fit`` refuses negative targets.
    """

    name: str
    elementwise: object
    criterion: object
    positive_output: bool = False
    nonnegative_target: bool = False


#: ``{name: PointLoss}``: the values of every regressor's ``loss=``.
LOSSES = {}


def register_loss(loss):
    """Add ``loss`` (a :class:`PointLoss`) to :data:`LOSSES`; return it."""
    if not isinstance(loss, PointLoss):
        raise TypeError(f"register_loss takes a PointLoss, got {type(loss).__name__}.")
    LOSSES[loss.name] = loss
    return loss


register_loss(PointLoss("squared_error", _squared, nn.MSELoss))
register_loss(PointLoss("absolute_error", _absolute, nn.L1Loss))
register_loss(PointLoss("huber", _huber, lambda: nn.HuberLoss(delta=1.0)))
register_loss(PointLoss("poisson", _poisson, _poisson_criterion, positive_output=True,
                        nonnegative_target=True))


class PositiveOutput(nn.Module):
    r"""A network whose outputs are made positive: :math:`\hat y = e^{\eta}`.

    The log link of a Poisson loss. :math:`\eta` is clamped at
    ``MAX_LOG_OUTPUT`` so that an untrained network cannot overflow.

    Inputs: the wrapped network's inputs. Outputs: its outputs, exponentiated.
    """

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, *inputs):
        return torch.exp(self.body(*inputs).clamp(max=MAX_LOG_OUTPUT))

    def with_body(self, body):
        """The same link over another body (the quantized or exportable twin)."""
        return PositiveOutput(body)

    def exportable(self):
        """A copy that exporters can trace (the body's ``exportable()`` when it has one)."""
        return exportable_head(self)


class MaskedLoss(nn.Module):
    r"""Weighted mean of the per-target loss over observed targets.

    Parameters
    ----------
    quantiles : sequence of float or None, default=None
        ``None``: the point loss ``loss``. Levels: the pinball loss of a
        quantile head, averaged over the levels.
    loss : str, default="squared_error"
        A name in :data:`LOSSES`; unused with ``quantiles``.

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

    def __init__(self, quantiles=None, loss="squared_error"):
        super().__init__()
        self.register_buffer("quantiles", None if quantiles is None
                             else torch.as_tensor(quantiles, dtype=torch.float32))
        self.loss = loss
        self._elementwise = LOSSES[loss].elementwise

    def forward(self, prediction, target):
        y, weight = target[:, :-1], target[:, -1:]
        observed = ~torch.isnan(y)
        y = torch.where(observed, y, torch.zeros_like(y))
        if self.quantiles is None:
            loss = self._elementwise(prediction, y)
        else:
            loss = pinball(prediction, y, self.quantiles).mean(dim=-1)
        weight = weight * observed
        return (loss * weight).sum() / weight.sum().clamp_min(torch.finfo(loss.dtype).tiny)

    def extra_repr(self):
        return f"loss={self.loss!r}"
