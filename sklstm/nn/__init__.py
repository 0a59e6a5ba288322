"""Pure PyTorch modules behind the regressors (no scikit-learn imports here)."""

from .attention import AttentionLSTMNet
from .engine import CellRecurrentNet, RecurrentLayer, RecurrentStack
from .fused import FusedRecurrentNet

__all__ = ["FusedRecurrentNet", "AttentionLSTMNet", "CellRecurrentNet", "RecurrentLayer",
           "RecurrentStack"]
