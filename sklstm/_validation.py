"""Input and parameter validation: the one place that words input errors.

Every estimator turns user input into checked arrays here, so each kind of bad
input (NaN, empty, wrong rank, sparse, mismatched ``y``, a wrong sequence shape
at predict time, a bad hyperparameter) is detected once and described once.

Sequences are checked without being copied: a strided view, such as the
:class:`~sklstm.Windower`'s windows, stays a view, and finiteness is checked
chunk by chunk (:func:`row_chunks`), so checking ``(n, window, features)``
windows costs O(one chunk) of memory, not O(n x window).

Sequences are read oldest time step first. Lag columns listed newest first,
as forecasting libraries build them (``lag_1, lag_2, ...``: skforecast), are
recognised by their names in ``fit`` and turned around, in ``fit`` and at
predict time alike (:func:`reads_newest_first`).
"""

import numbers
import re

import numpy as np
import scipy.sparse as sp
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

from ._future import check_layout, find_layout, history
from ._lazy_windows import LazyWindows

__all__ = [
    "TIME_ORDERS",
    "Interval",
    "Options",
    "check_args",
    "check_params",
    "check_sequences",
    "check_target",
    "chunk_rows",
    "flatten_target",
    "gather",
    "inherit_rules",
    "newest_first_lags",
    "reads_newest_first",
    "row_chunks",
]

#: Elements of one chunk of sequences that is read, converted or reduced at a
#: time (1 MiB of float32; with its float64 temporaries a chunk's work holds
#: about 6 MiB). Chunks are whole rows: see :func:`chunk_rows`.
CHUNK_ELEMENTS = 2**18


# --------------------------------------------------------------------------
# hyperparameters
# --------------------------------------------------------------------------


class Interval:
    """Rule: a number of ``kind`` (``int`` or ``float``) in a range.

    Parameters
    ----------
    kind : {int, float}
        ``int`` accepts integral numbers only; ``float`` accepts any real.
    low, high : float or None
        Bounds; ``None`` is unbounded.
    closed : {"both", "left", "right", "neither"}
        Which bounds are included.
    allow_none : bool
        Whether ``None`` is also a valid value.
    reason : str, optional
        Why the range is what it is, appended to the error message.
    """

    def __init__(self, kind, low=None, high=None, *, closed="both", allow_none=False,
                 reason=""):
        self.kind = kind
        self.reason = reason
        self.low = low
        self.high = high
        self.closed = closed
        self.allow_none = allow_none

    def is_valid(self, value):
        if value is None:
            return self.allow_none
        base = numbers.Integral if self.kind is int else numbers.Real
        if isinstance(value, bool) or not isinstance(value, base):
            return False
        if not np.isfinite(value):
            return False
        left = self.closed in ("both", "left")
        right = self.closed in ("both", "right")
        if self.low is not None and (value < self.low or (value == self.low and not left)):
            return False
        if self.high is not None and (value > self.high or (value == self.high and not right)):
            return False
        return True

    def describe(self):
        name = "an int" if self.kind is int else "a float"
        left = "[" if self.closed in ("both", "left") else "("
        right = "]" if self.closed in ("both", "right") else ")"
        low = "-inf" if self.low is None else self.low
        high = "inf" if self.high is None else self.high
        text = f"{name} in {left}{low}, {high}{right}"
        text = text + " or None" if self.allow_none else text
        return f"{text} ({self.reason})" if self.reason else text


class Options:
    """Rule: one of a fixed set of values (or a custom predicate).

    Parameters
    ----------
    values : iterable
        The accepted values, compared with ``==``.
    extra : callable, optional
        A predicate that accepts further values (for example optimizer classes).
    extra_text : str
        How ``extra`` is described in error messages.
    """

    def __init__(self, values, *, extra=None, extra_text=""):
        self.values = tuple(values)
        self.extra = extra
        self.extra_text = extra_text

    def is_valid(self, value):
        if any(value is v or (isinstance(value, type(v)) and value == v) for v in self.values):
            return True
        return self.extra is not None and self.extra(value)

    def describe(self):
        if not self.values:
            return self.extra_text
        text = "one of " + ", ".join(repr(v) for v in self.values)
        return f"{text} or {self.extra_text}" if self.extra_text else text


def inherit_rules(cls):
    """Extend a subclass's own ``_parameter_constraints`` with its parent's.

    Called from ``__init_subclass__``: a subclass lists only the rules it adds
    or changes, and the merged dict replaces its own.
    """
    own = cls.__dict__.get("_parameter_constraints")
    if own is not None:
        cls._parameter_constraints = {**super(cls, cls)._parameter_constraints, **own}


def check_params(estimator, constraints):
    """Check ``estimator``'s hyperparameters against ``constraints``.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator whose ``get_params(deep=False)`` is checked.
    constraints : dict
        Maps a parameter name to a rule with ``is_valid`` and ``describe``.

    Raises
    ------
    ValueError
        Naming the parameter, the bad value and what is expected.
    """
    params = estimator.get_params(deep=False)
    _check_values(type(estimator).__name__, {name: (params[name], rule)
                                             for name, rule in constraints.items()})


def check_args(function, **checks):
    """Check a public function's arguments with the estimators' rules and wording.

    Parameters
    ----------
    function : str
        The function's name, as the error message names it.
    **checks : tuple of (value, rule)
        One keyword per argument: its value and the rule it must meet.

    Raises
    ------
    ValueError
        Naming the function, the argument, the bad value and what is expected.

    Examples
    --------
    >>> check_args("forecast_xy", horizon=(0, Interval(int, 1)))
    Traceback (most recent call last):
    ...
    ValueError: forecast_xy: invalid value horizon=0; expected an int in [1, inf].
    """
    _check_values(function, checks)


def _check_values(owner, checks):
    for name, (value, rule) in checks.items():
        if not rule.is_valid(value):
            raise ValueError(
                f"{owner}: invalid value {name}={value!r}; expected {rule.describe()}."
            )


# --------------------------------------------------------------------------
# arrays
# --------------------------------------------------------------------------

_SHAPES = {
    3: "(n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)",
}


def _reject_sparse(name, value, cls):
    if sp.issparse(value):
        raise TypeError(
            f"{cls} got a sparse {name} ({type(value).__name__}); sequences must "
            f"be dense. Convert it with {name}.toarray()."
        )


#: A lag column's name: ``lag_<k>``, the value ``k`` steps before the target.
_LAG_NAME = re.compile(r"lag_([1-9][0-9]*)")

#: Values of an estimator's ``time_order`` (read with ``getattr``; absent
#: means ``"auto"``).
TIME_ORDERS = ("auto", "oldest_first", "newest_first")


def newest_first_lags(names):
    """Whether column names are lags listed newest first (``lag_1, lag_2, ...``).

    Parameters
    ----------
    names : array-like of str or None
        Column names, such as a fitted estimator's ``feature_names_in_``.

    Returns
    -------
    bool
        ``True`` when every name is ``lag_<k>`` with ``k`` a positive integer
        and ``k`` strictly increases from column to column: the newest value
        comes first, so time runs backwards along the columns. This is the
        layout of skforecast's forecasters (``lags=3`` gives ``lag_1, lag_2,
        lag_3``; ``lags=[1, 2, 12]`` gives ``lag_1, lag_2, lag_12``). Any other
        name, such as an exogenous column or a window feature after the lags,
        gives ``False``: the columns are then not one series' past.

    Examples
    --------
    >>> newest_first_lags(["lag_1", "lag_2", "lag_12"])
    True
    >>> newest_first_lags(["lag_3", "lag_2", "lag_1"])
    False
    >>> newest_first_lags(["lag_1", "lag_2", "temperature"])
    False
    """
    if names is None or len(names) < 2:
        return False
    lags = [_LAG_NAME.fullmatch(str(name)) for name in names]
    if not all(lags):
        return False
    steps = [int(lag.group(1)) for lag in lags]
    return all(a < b for a, b in zip(steps[:-1], steps[1:]))


def reads_newest_first(estimator):
    """Whether ``estimator`` reverses the time axis of its input.

    Decided in ``fit`` by :func:`check_sequences` and kept as
    ``estimator._reverse_time``, so predict time applies the same order
    whether it gets a DataFrame or a bare array (skforecast fits on a
    DataFrame of ``lag_<k>`` columns and predicts each recursive step from a
    NumPy row in the same order).

    Parameters
    ----------
    estimator : BaseEstimator
        A fitted estimator (``False`` when it was never fitted).

    Returns
    -------
    bool
    """
    return bool(getattr(estimator, "_reverse_time", False))


def _decide_time_order(estimator, X):
    """``fit``: whether the columns of ``X`` run newest first (see ``time_order``)."""
    order = getattr(estimator, "time_order", "auto")
    if order == "newest_first":
        return True
    if order == "oldest_first":
        return False
    return X.ndim == 2 and newest_first_lags(getattr(estimator, "feature_names_in_", None))


def _accepted_shapes(max_ndim):
    return _SHAPES.get(max_ndim, f"an array with 2 to {max_ndim} dimensions")


def check_sequences(estimator, X, y=None, *, reset, max_ndim=3, y_required=False,
                    dtype=np.float32, allow_nan=False, future=False):
    """Validate sequence input and return it as float32 with a feature axis.

    Parameters
    ----------
    estimator : BaseEstimator
        Used for its name, and (``reset=False``) for the shape seen in ``fit``,
        stored as ``estimator._sequence_shape``.
    X : array-like of shape (n_samples, n_timesteps[, ...])
        Sequences. A 2-D ``X`` is a univariate series per row and gets a
        trailing feature axis of size 1.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs), optional
        Targets; validated together with ``X`` when given or required.
    reset : bool
        ``True`` in ``fit``: record ``n_features_in_`` and the sequence shape.
        ``False`` at predict time: check ``X`` against them.
    max_ndim : int, default=3
        The highest rank of ``X`` the estimator accepts.
    y_required : bool, default=False
        Whether ``y`` must be given (``fit``): ``y=None`` then raises.
    dtype : numpy dtype or None, default=np.float32
        The returned ``X``'s dtype; ``None`` keeps float32 and float64 as given
        (other numbers become float64), and keeps a float array, or a view of
        one, without copying it.
    allow_nan : bool, default=False
        Let NaN through in ``X`` and ``y`` (infinity is still an error). When
        NaN is refused and the estimator has a ``missing`` parameter, the
        error names ``missing="mask"``.
    future : bool, default=False
        Whether the estimator reads windows with known-future steps
        (:mod:`sklstm._future`). ``True``: with ``reset`` the layout is found
        and stored as ``estimator._future_layout`` (``None`` for plain
        windows); later calls must carry the same one. NaN is then allowed
        at the future steps of channels not known ahead.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, ...), of ``dtype``
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs), or None
        As validated; :func:`check_target` makes it 2-D float64.

    Notes
    -----
    ``X`` is checked for NaN and infinity one chunk of rows at a time
    (:func:`row_chunks`), with scikit-learn's own check and wording, so the
    check of a strided view never allocates an array of its full size.

    The returned sequences run oldest time step first. When ``fit``
    (``reset=True``) gets a DataFrame whose columns are lags named newest
    first (``lag_1, lag_2, ...``, see :func:`newest_first_lags`), or the
    estimator has ``time_order="newest_first"``, the time axis is reversed (a
    view, no copy), and the same reversal is applied to every later call
    (``reset=False``), DataFrame or bare array. ``time_order="oldest_first"``
    keeps the columns as given. ``feature_names_in_`` keeps the order the
    columns came in.
    """
    cls = type(estimator).__name__
    _reject_sparse("X", X, cls)
    if not reset:
        _check_sequence_shape(estimator, getattr(X, "shape", None))
    check = dict(
        allow_nd=True,
        dtype=[np.float64, np.float32],
        ensure_all_finite=True,
        accept_sparse=False,
    )
    if allow_nan:
        check["ensure_all_finite"] = "allow-nan"
    x_check = {**check, "ensure_all_finite": False}     # X: chunk by chunk, below
    try:
        if isinstance(X, LazyWindows):      # read on demand: validated chunk by chunk
            X, y = _validate_lazy(estimator, X, y, reset=reset, y_required=y_required,
                                  allow_nan=allow_nan)
        elif y is not None or y_required:
            _reject_sparse("y", y, cls)
            if allow_nan:        # check_X_y would refuse NaN in y: check both alike
                X, y = validate_data(estimator, X, y, reset=reset,
                                     validate_separately=(x_check,
                                                          {**check, "ensure_2d": False}))
                check_consistent_length(X, y)
            else:
                X, y = validate_data(
                    estimator, X, y, reset=reset, multi_output=True, y_numeric=True,
                    **x_check
                )
        else:
            X = validate_data(estimator, X, reset=reset, **x_check)
        layout = _check_future(estimator, X, reset, allow_nan) if future else None
        _check_finite(history(X, layout), cls, allow_nan)
    except ValueError as error:
        if allow_nan or "NaN" not in str(error) or not hasattr(estimator, "missing"):
            raise
        first = str(error).splitlines()[0]          # "Input X contains NaN."
        raise ValueError(
            f"{first} {cls} has missing='raise'. To fit and predict on data with gaps, "
            "set missing='mask' (missing inputs are zero-filled and flagged by an "
            "availability channel, missing targets are left out of the loss), or fill "
            "the gaps first, for example with sklearn.impute.SimpleImputer.") from None
    if reset:
        estimator._reverse_time = _decide_time_order(estimator, X)
    if reads_newest_first(estimator) and X.ndim >= 2:
        X = X[:, ::-1]                                  # oldest step first
    if X.ndim > max_ndim:
        raise ValueError(
            f"{cls} expects X of shape {_accepted_shapes(max_ndim)}, got an array "
            f"with {X.ndim} dimensions, shape {X.shape}. Reshape X, or use a "
            f"regressor that accepts {X.ndim}-D input."
        )
    if 0 in X.shape[1:]:
        raise ValueError(
            f"{cls} got X of shape {X.shape} with an empty axis; every sequence "
            "needs at least one time step and one feature."
        )
    if X.ndim == 2:
        X = X[:, :, np.newaxis]
    if reset:
        estimator._sequence_shape = X.shape[1:]
    else:
        _check_sequence_shape(estimator, X.shape)
    return (X if dtype is None else X.astype(dtype, copy=False)), y


def _validate_lazy(estimator, X, y, *, reset, y_required, allow_nan):
    """``validate_data`` for :class:`~sklstm._lazy_windows.LazyWindows`: record or
    check ``n_features_in_`` and validate ``y``, without materialising ``X``."""
    validate_data(estimator, X, reset=reset, skip_check_array=True)
    if y is None and not y_required:
        return X, None
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the "
                         "target y is None.")
    _reject_sparse("y", y, type(estimator).__name__)
    y = check_array(y, ensure_2d=False, dtype=[np.float64, np.float32],
                    ensure_all_finite="allow-nan" if allow_nan else True, input_name="y")
    check_consistent_length(X, y)
    return X, y


def _check_future(estimator, X, reset, allow_nan):
    """Find and check the known-future layout of ``X``; store it in ``fit``."""
    fitted = None if reset else getattr(estimator, "_future_layout", None)
    pattern = None
    if X.ndim == 3 and X.size and (reset or fitted is not None):
        chunks = row_chunks(len(X), chunk_rows(X.shape[1:]))
        pattern = find_layout(X, chunks)
    cls = type(estimator).__name__
    if fitted is not None and pattern != tuple(fitted[:2]):
        raise ValueError(
            f"{cls} was fitted on windows of {fitted[0]} history and {fitted[1]} "
            f"known-future steps (a last channel marking the future steps with 1), but "
            "X does not have that layout. Window X with the Windower fitted with the "
            "model, on the same lead columns.")
    layout = None
    if pattern is not None:
        known = check_layout(cls, X, pattern, allow_nan=allow_nan,
                             fitted=None if fitted is None else fitted[2], chunks=chunks)
        layout = (*pattern, known)
    if reset:
        estimator._future_layout = layout
    return layout


def _check_finite(X, cls, allow_nan):
    """scikit-learn's NaN and infinity check of ``X``, one chunk of rows at a time."""
    if len(X) == 0 or X.size == 0:
        return
    for rows in row_chunks(len(X), chunk_rows(X.shape[1:])):
        assert_all_finite(np.asarray(X[rows]), allow_nan=allow_nan, estimator_name=cls,
                          input_name="X")


def chunk_rows(row_shape):
    """Rows per chunk for sequences of one row's shape ``row_shape``.

    A function of the shape alone, so a computation that goes chunk by chunk
    (:func:`~sklstm._window_norm.channel_stats`, the input-scaling pass of
    ``fit``) splits the same rows into the same chunks whatever the layout
    of the array in memory.

    Examples
    --------
    >>> chunk_rows((168, 1))
    1560
    >>> chunk_rows((10, 3, 512, 512))
    1
    """
    return max(1, CHUNK_ELEMENTS // int(np.prod(row_shape, dtype=np.int64)))


def row_chunks(n_rows, size):
    """Slices ``[0, size), [size, 2 size), ...`` covering ``n_rows`` rows.

    Examples
    --------
    >>> list(row_chunks(5, 2))
    [slice(0, 2, None), slice(2, 4, None), slice(4, 5, None)]
    """
    return [slice(start, min(start + size, n_rows)) for start in range(0, n_rows, size)]


def gather(X, rows):
    """Rows ``rows`` (a slice or indices) of sequences ``X`` as a C-contiguous float32 copy.

    Every chunk or batch the estimators compute on is made here, so the same
    row gives the same numbers whether ``X`` was a strided view, a
    contiguous array or float64 (converted element by element, as a whole
    float64 array converted to float32 would be).
    """
    return np.ascontiguousarray(X[rows], dtype=np.float32)


def flatten_target(estimator, y, max_ndim, fitted_shape=None):
    """Give targets of rank > 2 (frames) one column per element; return their shape.

    Parameters
    ----------
    estimator : BaseEstimator
        Named in error messages.
    y : array-like of shape (n_samples, ...)
        Targets as the user passed them.
    max_ndim : int
        The highest rank the estimator accepts.
    fitted_shape : tuple of int, optional
        The per-sample shape seen when fitting started; ``y`` must match it.

    Returns
    -------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Unchanged when its rank is at most 2.
    shape : tuple of int
        One sample's target shape, ``y.shape[1:]`` before flattening; what
        ``predict`` returns per sample.
    """
    cls = type(estimator).__name__
    if y is None or sp.issparse(y):
        return y, ()                    # check_sequences words these
    shape = getattr(y, "shape", None)
    if shape is None:                   # a list, or an object with __array__
        shape = np.asarray(y).shape
    if len(shape) <= 2:
        return y, tuple(shape[1:])
    y = np.asarray(y)
    ndim = y.ndim
    if ndim > max_ndim:
        raise ValueError(
            f"{cls} takes y of shape (n_samples,) or (n_samples, n_outputs)"
            + (" or frames (n_samples, height, width) or (n_samples, channels, height, "
               "width)" if max_ndim > 2 else "")
            + f", got shape {y.shape}. Reshape y to one of those.")
    if fitted_shape is not None and tuple(y.shape[1:]) != tuple(fitted_shape):
        raise ValueError(f"y frames have shape {y.shape[1:]}, but {cls} was started with "
                         f"{tuple(fitted_shape)}. Pass targets of the same shape, or call "
                         "fit to start over.")
    return y.reshape(len(y), -1), tuple(y.shape[1:])


def check_target(y):
    """Return ``y`` as a 2-D float64 array of shape (n_samples, n_outputs)."""
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 1:
        y = y[:, np.newaxis]
    if y.ndim != 2 or y.shape[1] == 0:
        raise ValueError(
            f"y must have shape (n_samples,) or (n_samples, n_outputs) with "
            f"n_outputs >= 1, got shape {y.shape}."
        )
    return y


def _check_sequence_shape(estimator, shape):
    """Compare a sequence shape at predict time with the one seen in ``fit``."""
    if shape is None or len(shape) < 3:
        return  # 2-D input: validate_data words the n_features_in_ check
    fitted = tuple(estimator._sequence_shape)
    got = tuple(shape[1:])
    if got != fitted:
        cls = type(estimator).__name__
        raise ValueError(
            f"X has sequences of shape {got} (n_timesteps, ...), but {cls} was "
            f"fitted on sequences of shape {fitted}. Window the data as in fit "
            f"(same window length, features and grid)."
        )
