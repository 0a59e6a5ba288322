"""The variant registry: short names of the recurrent regressors.

``sklstm compare --variants`` and :func:`sklstm.compare.make_pipeline` name
the regressors by these keys. A variant whose data layout does not fit a
forecasting table says so in :func:`check_variant`.
"""

import importlib.util

from .convlstm import ConvLSTMRegressor
from .quantized import QuantizedLSTMRegressor
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

__all__ = ["VARIANTS", "DEFAULT_VARIANTS", "check_variant", "available_variants"]

#: Short names accepted by ``--variants``, mapped to the regressor classes.
VARIANTS = {
    "lstm": LSTMRegressor,
    "gru": GRURegressor,
    "bilstm": BiLSTMRegressor,
    "stacked": StackedLSTMRegressor,
    "peephole": PeepholeLSTMRegressor,
    "cifg": CIFGLSTMRegressor,
    "nested": NestedLSTMRegressor,
    "highway": HighwayLSTMRegressor,
    "attention": AttentionLSTMRegressor,
    "convlstm": ConvLSTMRegressor,
    "quantized": QuantizedLSTMRegressor,
    "tree": TreeLSTMRegressor,
}

#: Compared when no variants are named: the fused variants, which keep the
#: default ``sklstm compare`` run near a minute on two cores.
DEFAULT_VARIANTS = ["lstm", "gru", "bilstm", "stacked"]


def check_variant(name, *, n_inputs=1):
    """Check that variant ``name`` can forecast a table of ``n_inputs`` columns.

    On the windows of a forecasting table ``(n_samples, window, n_inputs)``
    (the target series first, then exogenous columns):

    - ``"convlstm"`` reads each time step as a 1x1 frame whose channels are
      the columns, an LSTM with convolutional (here pointwise) gates and
      peepholes; it takes any table.
    - ``"tree"`` reads each column as a node of a hierarchy and forecasts
      every node. On a single series the hierarchy is the root alone; it
      cannot take exogenous columns (they are not nodes whose values are
      forecast), and it needs DGL.

    Parameters
    ----------
    name : str
        A key of :data:`VARIANTS`.
    n_inputs : int, default=1
        Input columns per time step: 1 for the series alone, more with
        exogenous columns.

    Raises
    ------
    ValueError
        For an unknown name, or a combination the variant cannot run, with
        the reason and the way out.
    ImportError
        If the variant needs an optional dependency that is not installed.

    Examples
    --------
    >>> check_variant("lstm", n_inputs=3)
    >>> check_variant("tree", n_inputs=3)
    Traceback (most recent call last):
    ...
    ValueError: variant 'tree' forecasts the nodes of a hierarchy ...
    """
    if name not in VARIANTS:
        raise ValueError(
            f"unknown variant {name!r}; choose from {', '.join(VARIANTS)}."
        )
    if name == "tree":
        if n_inputs > 1:
            raise ValueError(
                "variant 'tree' forecasts the nodes of a hierarchy from their own "
                f"windows; on one series it is the root alone and cannot read "
                f"{n_inputs - 1} exogenous column(s). Drop the exogenous columns, "
                "or compare the other variants."
            )
        if importlib.util.find_spec("dgl") is None:
            raise ImportError(
                "variant 'tree' needs DGL; install it with "
                "`pip install 'sklstm[tree]'` (dgl==1.1.3)."
            )


def available_variants(*, n_inputs=1):
    """The variants that :func:`check_variant` accepts for ``n_inputs`` columns.

    Parameters
    ----------
    n_inputs : int, default=1
        Input columns per time step.

    Returns
    -------
    names : list of str
        Keys of :data:`VARIANTS`, in registry order.
    """
    names = []
    for name in VARIANTS:
        try:
            check_variant(name, n_inputs=n_inputs)
        except (ValueError, ImportError):
            continue
        names.append(name)
    return names
