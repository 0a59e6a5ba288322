r"""The one weight initialisation of sklstm's networks.

Every weight and bias starts uniform in :math:`\pm 1/\sqrt{k}`, with
:math:`k` the fan-in of a unit: the hidden size for a recurrent cell (as
``torch.nn.LSTM`` initialises), ``in_channels * kernel_height * kernel_width``
for a convolution and ``in_features`` for a linear layer (what
``torch.nn.Conv2d`` and ``torch.nn.Linear`` draw by default).
"""

import math

import torch
from torch import nn

__all__ = ["init_uniform_"]


def init_uniform_(parameters, fan_in):
    r"""Fill tensors in place from :math:`U(-1/\sqrt{k}, 1/\sqrt{k})`, ``k = fan_in``.

    Parameters
    ----------
    parameters : nn.Module or iterable of Tensor
        A module (all its parameters, in registration order) or the tensors
        to fill, in the order they are drawn.
    fan_in : int
        :math:`k`; the hidden size for a recurrent cell.

    Examples
    --------
    >>> import torch
    >>> cell = torch.nn.Linear(3, 16)
    >>> init_uniform_(cell, 16)
    >>> bool(cell.weight.abs().max() <= 0.25)
    True
    """
    if isinstance(parameters, nn.Module):
        parameters = parameters.parameters()
    bound = 1.0 / math.sqrt(fan_in)
    with torch.no_grad():
        for tensor in parameters:
            tensor.uniform_(-bound, bound)
