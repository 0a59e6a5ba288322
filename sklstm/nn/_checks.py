"""Argument checks shared by the torch modules (the estimators check theirs in fit)."""

import numbers

__all__ = ["check_sizes", "check_dropout"]


def check_sizes(**sizes):
    """Raise ``ValueError`` unless every keyword is an int >= 1, in the order given.

    Examples
    --------
    >>> check_sizes(input_size=3, hidden_size=0)
    Traceback (most recent call last):
        ...
    ValueError: hidden_size must be an int >= 1, got 0.
    """
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}.")


def check_dropout(dropout):
    """Raise ``ValueError`` unless ``dropout`` is a number with ``0 <= dropout < 1``.

    Examples
    --------
    >>> check_dropout(1.0)
    Traceback (most recent call last):
        ...
    ValueError: dropout must be in [0, 1), got 1.0. It is the probability of zeroing a unit.
    """
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) \
            or not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}. It is the "
                         "probability of zeroing a unit.")
