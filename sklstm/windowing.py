"""Sliding windows over a series, as a row-preserving scikit-learn transformer.

:class:`Windower` maps ``(n_samples, n_features)`` to
``(n_samples, window, n_features)``: row ``t`` of the output is the ``window``
rows of the input that end at ``t``. Because the number of rows never changes,
``y`` stays aligned with ``X`` and a ``Pipeline`` works with ``GridSearchCV``,
``cross_validate`` and ``TimeSeriesSplit`` as it is.

:func:`forecast_xy` builds the ``(X, y)`` pair for h-step-ahead forecasting.
"""

import numbers

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._validation import Interval, Options, check_args, check_params

__all__ = ["Windower", "forecast_xy"]


def _flatten_is_on(windower):
    if not windower.flatten:
        raise AttributeError(
            "get_feature_names_out is only available with flatten=True: the 3-D "
            "output (n_samples, window, n_features) has no 2-D columns to name."
        )
    return True


def _is_column_key(value):
    if isinstance(value, str):
        return bool(value)
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


class Windower(TransformerMixin, BaseEstimator):
    """Turn a series into one sliding window per row, keeping every row.

    Row ``t`` of the output holds input rows ``t - window + 1, ..., t`` (oldest
    first). The first ``window - 1`` rows have no full history; their missing
    rows are filled according to ``padding``. Windows never look ahead, so a
    target aligned with row ``t`` of the input stays aligned with row ``t``
    of the output.

    Parameters
    ----------
    window : int, default=12
        Rows per window (the sequence length the next estimator sees).
    padding : {"edge", "zero"}, default="edge"
        How the rows before the start are filled: ``"edge"`` repeats the first
        row, ``"zero"`` uses zeros.
    flatten : bool, default=False
        Return ``(n_samples, window * n_features)`` instead of a 3-D array,
        for classical scikit-learn models. Columns are ordered oldest lag
        first, features fastest; :meth:`get_feature_names_out` names them.
    series_id : str, int or None, default=None
        The column that says which series a row belongs to, for a panel of
        many series in one table (a column name for a DataFrame, a column
        index for an array). Windows then restart at every series: each
        series' first rows are padded, so no window holds rows of two
        series. Rows keep their order and count, and the rows of one series
        are taken in the order they appear (sort by time within a series
        first). The id column is not a feature: it is left out of the
        windows. ``None`` windows all rows as one series.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` saw a DataFrame with string column names.

    See Also
    --------
    forecast_xy : builds a (series, next-h-values) pair to window.
    sklstm.LSTMRegressor : a regressor that reads the windows.

    Notes
    -----
    Without ``flatten`` and ``series_id`` the output is a read-only view (made
    with :func:`numpy.lib.stride_tricks.sliding_window_view`) of a padded copy
    of the input: memory is O(n_samples x n_features), not O(x window). With
    ``series_id`` the windows of the series are gathered into one array, a
    copy of O(n_samples x window x n_features).

    Each call to ``transform`` windows only the rows it is given. In
    cross-validation the first ``window - 1`` rows of every test fold are
    therefore padded rather than preceded by the end of the training fold;
    keep test folds much longer than the window.

    A 1-D NumPy array is rejected (as everywhere in scikit-learn) because it is
    ambiguous; pass ``x.reshape(-1, 1)``. A pandas Series is one column.

    With ``flatten=True`` the output is 2-D with the column names of
    :meth:`get_feature_names_out`, and ``set_output(transform="pandas")``
    (alone or on a ``Pipeline``) returns a DataFrame with the input's index.
    A 3-D output has no columns to name, so without ``flatten`` ``set_output``
    is not available (``Pipeline.set_output(transform="pandas")`` raises
    ``ValueError``), and a global ``sklearn.set_config(transform_output="pandas")``
    leaves the windows a NumPy array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import Windower
    >>> X = np.arange(10.0).reshape(5, 2)       # (n_samples, n_features)
    >>> Xw = Windower(window=3).fit_transform(X)
    >>> Xw.shape                                # (n_samples, window, n_features)
    (5, 3, 2)
    >>> Xw[4]                                   # rows 2, 3, 4
    array([[4., 5.],
           [6., 7.],
           [8., 9.]])
    >>> Xw[0]                                   # edge padding before row 0
    array([[0., 1.],
           [0., 1.],
           [0., 1.]])
    >>> Windower(window=2, flatten=True).fit(X).get_feature_names_out()
    array(['x0_lag1', 'x1_lag1', 'x0_lag0', 'x1_lag0'], dtype=object)
    """

    _parameter_constraints = {
        "window": Interval(int, 1),
        "padding": Options(["edge", "zero"]),
        "flatten": Options([True, False]),
        "series_id": Options([None], extra=_is_column_key,
                             extra_text="a column name (str) or index (int >= 0)"),
    }

    def __init__(self, window=12, *, padding="edge", flatten=False, series_id=None):
        self.window = window
        self.padding = padding
        self.flatten = flatten
        self.series_id = series_id

    def fit(self, X, y=None):
        """Check the parameters and record the input columns.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or pandas Series
            The series.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        check_params(self, self._parameter_constraints)
        self._validate(X, reset=True)
        return self

    def transform(self, X):
        """Window ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or pandas Series
            The series, with the columns seen in ``fit``.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, window, n_features)
            Or ``(n_samples, window * n_features)`` with ``flatten=True``.
        """
        check_is_fitted(self)
        X, series = self._validate(X, reset=False)
        if series is None:
            windows = self._windows(X)                               # (n, w, F), a view
        else:
            windows = np.empty((len(X), self.window, X.shape[1]), dtype=X.dtype)
            order = np.argsort(series, kind="stable")                # rows grouped by series
            starts = np.flatnonzero(np.diff(series[order])) + 1
            for rows in np.split(order, starts):                     # each series' rows
                windows[rows] = self._windows(X[rows])
        if self.flatten:
            return windows.reshape(len(X), -1)                       # (n, w * F)
        return windows

    def _windows(self, X):
        """Windows of one series ``(n, F)``, padded before its first row: ``(n, w, F)``."""
        n_pad = self.window - 1
        pad = (np.repeat(X[:1], n_pad, axis=0) if self.padding == "edge"
               else np.zeros((n_pad, X.shape[1]), dtype=X.dtype))
        padded = np.concatenate([pad, X])                            # (n + w - 1, F)
        windows = sliding_window_view(padded, self.window, axis=0)  # (n, F, w)
        return windows.transpose(0, 2, 1)                            # (n, w, F)

    @available_if(_flatten_is_on)
    def get_feature_names_out(self, input_features=None):
        """Names of the flattened columns, such as ``temp_lag3``.

        ``lag0`` is the row itself, ``lag1`` the row before, and so on.

        Parameters
        ----------
        input_features : array-like of str, optional
            Input column names; defaults to ``feature_names_in_`` or
            ``x0, x1, ...``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``window * n_features`` names in output column order.
        """
        check_is_fitted(self)
        if input_features is None:
            input_features = getattr(
                self, "feature_names_in_",
                [f"x{i}" for i in range(self.n_features_in_)],
            )
        elif len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features should have length equal to number of features "
                f"({self.n_features_in_}), got {len(input_features)}."
            )
        if self.series_id is not None:                     # the id is not a feature
            drop = self._id_index(list(input_features))
            input_features = [f for i, f in enumerate(input_features) if i != drop]
        names = [f"{name}_lag{lag}" for lag in range(self.window - 1, -1, -1)
                 for name in input_features]
        return np.asarray(names, dtype=object)

    def _validate(self, X, *, reset):
        """Checked float features and, with ``series_id``, each row's series code."""
        if isinstance(X, pd.Series):
            X = X.to_frame()
        if self.series_id is None:
            return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32]), None
        if not isinstance(X, pd.DataFrame):
            X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
            X = pd.DataFrame(X)
        else:
            validate_data(self, X, reset=reset, skip_check_array=True)
        column = X.columns[self._id_index(list(X.columns))]
        ids = X[column]
        if ids.isna().any():
            raise ValueError(
                f"Windower: the series_id column {self.series_id!r} has "
                f"{int(ids.isna().sum())} missing value(s); every row needs the id of its "
                "series. Fill or drop those rows.")
        features = check_array(X.drop(columns=[column]), dtype=[np.float64, np.float32],
                               ensure_min_features=1, input_name="X")
        return features, pd.factorize(ids)[0]

    def _id_index(self, columns):
        """Position of the ``series_id`` column among ``columns``."""
        key = self.series_id
        if isinstance(key, str):
            names = [str(c) for c in columns]
            if key in names:
                return names.index(key)
            raise ValueError(
                f"Windower: series_id={key!r} is not a column of X; its columns are "
                f"{names[:10]}{' ...' if len(names) > 10 else ''}. Pass the name of the id "
                "column (or its index for an array).")
        if key < len(columns):
            return key
        raise ValueError(
            f"Windower: series_id={key} but X has {len(columns)} column(s), numbered from "
            "0. Pass the index of the id column (or its name for a DataFrame).")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _float_dtype(frame):
    """float32 when every column of ``frame`` is float32, else float64."""
    return np.float32 if all(dt == np.float32 for dt in frame.dtypes) else np.float64


def forecast_xy(series, *, horizon=1, exog=None):
    """Build ``(X, y)`` for forecasting the next ``horizon`` values of a series.

    Row ``t`` of ``X`` holds what is known at time ``t`` (the series value and
    the exogenous columns at ``t``); row ``t`` of ``y`` holds the next
    ``horizon`` values of the series, ``series[t + 1], ..., series[t + horizon]``.
    The last ``horizon`` rows, whose future is not observed, are trimmed. Feed
    ``X`` to a :class:`Windower` so that each row becomes the window of history
    ending at ``t``.

    Parameters
    ----------
    series : array-like of shape (n_samples,) or (n_samples, 1), or pandas Series
        The series to forecast.
    horizon : int, default=1
        Steps ahead to forecast; ``y`` gets one column per step.
    exog : array-like of shape (n_samples, n_exog) or DataFrame, optional
        Exogenous columns observed alongside the series, appended to ``X``
        after the series column.

    Returns
    -------
    X : ndarray of shape (n_samples - horizon, 1 + n_exog) or DataFrame
        Inputs, float32 when every input column is float32 (memory is not
        doubled), else float64; a DataFrame (index kept) when ``series`` is a pandas object.
    y : ndarray of shape (n_samples - horizon, horizon) or DataFrame
        Targets; column ``k`` is ``k + 1`` steps ahead (named ``name_t+k``).

    Raises
    ------
    ValueError
        If the series is not one column, is not finite, is too short for the
        horizon, or ``exog`` has a different length.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import forecast_xy
    >>> X, y = forecast_xy(np.arange(6.0), horizon=2)
    >>> X.ravel()
    array([0., 1., 2., 3.])
    >>> y
    array([[1., 2.],
           [2., 3.],
           [3., 4.],
           [4., 5.]])
    """
    check_args("forecast_xy", horizon=(horizon, Interval(int, 1)))
    is_pandas = isinstance(series, (pd.Series, pd.DataFrame))
    frame = series.to_frame() if isinstance(series, pd.Series) else pd.DataFrame(series)
    if frame.shape[1] != 1:
        raise ValueError(
            f"series must be one column, got shape {frame.shape}. Pass the target "
            "column as series and the others as exog."
        )
    name = str(frame.columns[0]) if is_pandas else "y"
    dtype = _float_dtype(frame)
    values = frame.to_numpy(dtype=dtype)
    n = len(values)
    if not np.isfinite(values).all():
        raise ValueError("series contains NaN or infinity; fill or drop those values first.")
    if n <= horizon:
        raise ValueError(
            f"series has {n} values, too short to forecast horizon={horizon} steps "
            f"ahead: at least {horizon + 1} are needed."
        )
    if exog is not None:
        exog_frame = exog.to_frame() if isinstance(exog, pd.Series) else pd.DataFrame(exog)
        if len(exog_frame) != n:
            raise ValueError(
                f"exog has {len(exog_frame)} rows but series has {n}; they must be "
                "aligned row for row."
            )
        if not is_pandas or not isinstance(exog, (pd.Series, pd.DataFrame)):
            exog_frame.index = frame.index
        frame = pd.concat([frame.set_axis([name], axis=1), exog_frame], axis=1)
        dtype = _float_dtype(frame)
    steps = [values[k + 1: n - horizon + k + 1, 0] for k in range(horizon)]
    y = np.column_stack(steps)                          # (n - h, h)
    X = frame.iloc[: n - horizon]                       # (n - h, 1 + n_exog)
    if not is_pandas:
        return X.to_numpy(dtype=dtype), y.astype(dtype, copy=False)
    y = pd.DataFrame(y, index=X.index, columns=[f"{name}_t+{k + 1}" for k in range(horizon)])
    return X, y
