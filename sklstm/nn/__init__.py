"""Pure PyTorch modules behind the regressors (no scikit-learn imports here)."""

from .engine import CellRecurrentNet, RecurrentLayer, RecurrentStack
from .fused import FusedRecurrentNet

__all__ = ["FusedRecurrentNet", "CellRecurrentNet", "RecurrentLayer", "RecurrentStack"]
