r"""A linear autoregressive skip beside any network (LSTNet's highway, Lai et al. 2018).

.. math::

    \hat y = f(x) + W \operatorname{vec}(x) + b,

where :math:`f` is the recurrent network, :math:`x` the window in model
units :math:`(T, C)` and :math:`W` a :math:`(O, T C)` matrix, zero at the
start. The skip is ridge on the lags trained jointly with the network, so
the network only has to learn what a linear model of the window misses.
Recurrent models are poor at carrying a series' scale and its seasonal
pattern through a saturating state; the skip carries both.
"""

import torch
from torch import nn

from .quantile import WeightedHead

__all__ = ["LinearSkip"]


class LinearSkip(WeightedHead, nn.Module):
    r"""``body(x)`` plus a linear function of the flattened window.

    Parameters
    ----------
    body : nn.Module
        The network, ``(N, T, C) -> (N, O)``.
    n_timesteps, n_channels : int
        The window's shape :math:`(T, C)`.
    n_outputs : int
        :math:`O`, the body's output size.

    Inputs: x
        :math:`(N, T, C)`.

    Outputs: y
        :math:`(N, O)`.
    """

    def __init__(self, body, n_timesteps, n_channels, n_outputs):
        super().__init__()
        self.body = body
        self.n_timesteps, self.n_channels, self.n_outputs = n_timesteps, n_channels, n_outputs
        self.skip = nn.Linear(n_timesteps * n_channels, n_outputs)
        self.reset_parameters()

    def reset_parameters(self):
        """Start from the network alone: the skip's weights and bias are zero."""
        nn.init.zeros_(self.skip.weight)
        nn.init.zeros_(self.skip.bias)

    def forward(self, x):
        # x: (N, T, C) -> skip term (N, O)
        return self.body(x) + self.skip(torch.flatten(x, 1))


    def extra_repr(self):
        return f"n_timesteps={self.n_timesteps}, n_channels={self.n_channels}"
