"""Argument checks shared by the torch modules (the estimators check theirs in fit)."""

__all__ = ["check_sizes", "check_dropout"]


def check_sizes(**sizes):
    """Raise ``ValueError`` unless every keyword is an int >= 1, in the order given."""
    for name, value in sizes.items():
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def check_dropout(dropout):
    """Raise ``ValueError`` unless ``0 <= dropout < 1``."""
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
