"""sklstm: LSTM variants as scikit-learn regressors, trained through skorch.

Every regressor takes sequences ``X`` of shape ``(n_samples, n_timesteps)`` or
``(n_samples, n_timesteps, n_features)`` and targets ``y`` of shape
``(n_samples,)`` or ``(n_samples, n_outputs)``; :class:`Windower` turns a raw
series into such sequences inside a ``Pipeline``.
"""

from ._version import __version__ as __version__
from .base import SequenceRegressor
from .baselines import (
    LastValueRegressor,
    RidgeLagsRegressor,
    SeasonalNaiveRegressor,
    WindowMeanRegressor,
)
from .convlstm import ConvLSTMRegressor
from .hierarchy import Hierarchy
from .model_selection import PanelSplit
from .persistence import load, save
from .quantized import QuantizedLSTMRegressor
from .reconciliation import ReconciledRegressor, reconcile
from .regressors import (
    AttentionLSTMRegressor,
    BiLSTMRegressor,
    CIFGLSTMRegressor,
    GRURegressor,
    HighwayLSTMRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    StackedLSTMRegressor,
)
from .tree import TreeLSTMRegressor
from .windowing import Windower, forecast_xy

__all__ = [
    "save",
    "load",
    "Windower",
    "forecast_xy",
    "Hierarchy",
    "LastValueRegressor",
    "SeasonalNaiveRegressor",
    "WindowMeanRegressor",
    "RidgeLagsRegressor",
    "SequenceRegressor",
    "LSTMRegressor",
    "GRURegressor",
    "BiLSTMRegressor",
    "StackedLSTMRegressor",
    "PeepholeLSTMRegressor",
    "CIFGLSTMRegressor",
    "NestedLSTMRegressor",
    "HighwayLSTMRegressor",
    "AttentionLSTMRegressor",
    "ConvLSTMRegressor",
    "QuantizedLSTMRegressor",
    "TreeLSTMRegressor",
    "ReconciledRegressor", "reconcile",
    "PanelSplit",
]
