"""Pure PyTorch modules behind the regressors (no scikit-learn imports here)."""

from .fused import FusedRecurrentNet

__all__ = ["FusedRecurrentNet"]
