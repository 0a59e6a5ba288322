"""Sliding windows over a series, as a row-preserving scikit-learn transformer.

:class:`Windower` maps ``(n_samples, n_features)`` to
``(n_samples, window, n_features)``: row ``t`` of the output is the ``window``
rows of the input that end at ``t``. Because the number of rows never changes,
``y`` stays aligned with ``X`` and a ``Pipeline`` works with ``GridSearchCV``,
``cross_validate`` and ``TimeSeriesSplit`` as it is.

:func:`forecast_xy` builds the ``(X, y)`` pair for h-step-ahead forecasting.
"""

import numbers
import re

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._lazy_windows import panel_windows
from ._validation import Interval, Options, check_args, check_params

__all__ = ["Windower", "forecast_xy"]


def _flatten_is_on(windower):
    if not windower.flatten:
        raise AttributeError(
            "get_feature_names_out is only available with flatten=True: the 3-D "
            "output (n_samples, window, n_features) has no 2-D columns to name."
        )
    return True


#: A lead column of forecast_xy: ``name_lead{k}``, the value of ``name`` k steps ahead.
_LEAD = re.compile(r"^(?P<name>.+)_lead(?P<step>[1-9][0-9]*)$")


def _lead_plan(names):
    """Where the lead columns among feature ``names`` go: ``(base, leads, covariates)``.

    ``base`` indexes the other columns, ``leads`` is an ``(h, n_covariates)``
    index array (row ``k - 1``: every covariate's ``_lead{k}`` column) and
    ``covariates`` their names in order of first appearance; ``None`` when
    no column is a lead.
    """
    steps = {}
    for i, label in enumerate(names):
        match = _LEAD.match(str(label))
        if match:
            steps.setdefault(match["name"], {})[int(match["step"])] = i
    if not steps:
        return None
    horizon = max(max(found) for found in steps.values())
    for name, found in steps.items():
        missing = [k for k in range(1, horizon + 1) if k not in found]
        if missing:
            raise ValueError(
                f"Windower: future covariate {name!r} has lead columns for steps "
                f"{sorted(found)} but not {[f'{name}_lead{k}' for k in missing][:5]}; every "
                f"covariate known ahead needs the leads 1 to {horizon}, as forecast_xy "
                "builds them. Add the missing columns, drop the covariate's leads, or "
                "use leads='keep' to window them as plain columns.")
    covariates = list(steps)
    leads = np.array([[steps[name][k] for name in covariates]
                      for k in range(1, horizon + 1)], dtype=np.intp)
    used = set(leads.ravel().tolist())
    base = np.array([i for i in range(len(names)) if i not in used], dtype=np.intp)
    return base, leads, covariates


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
    leads : {"fold", "keep"}, default="fold"
        What to do with the lead columns of covariates known ahead
        (``name_lead1 ... name_leadh`` from :func:`forecast_xy`'s
        ``future_covariates``), found by their names in a DataFrame.
        ``"fold"``: each window gets ``h`` future time steps after its
        history, where the covariate's lead ``k`` sits at step ``k`` (see
        Notes); the models read them one step at a time. ``"keep"``: they are
        plain columns, repeated at every step of the window. With
        ``flatten=True``, or without lead columns, both are the same.

    Attributes
    ----------
    n_features_in_ : int
        Number of input columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, when ``fit`` saw a DataFrame with string column names.
    known_future_ : list of str
        The covariates whose lead columns were folded into future steps, in
        channel order (empty when there are none).

    See Also
    --------
    forecast_xy : builds a (series, next-h-values) pair to window.
    sklstm.LSTMRegressor : a regressor that reads the windows.

    Notes
    -----
    Without ``flatten`` and ``series_id`` the output is a read-only view (made
    with :func:`numpy.lib.stride_tricks.sliding_window_view`) of a padded copy
    of the input: memory is O(n_samples x n_features), not O(x window). With
    ``series_id`` (or folded leads) it is a
    :class:`~sklstm._lazy_windows.LazyWindows`: the validated rows and two
    integers per row, from which any window, or any selection of rows, steps
    and channels, is computed when it is read. It has ``shape``, ``dtype``
    and ``len``, row masks and slices cut it without a copy, every sklstm
    estimator reads it a batch at a time, and ``np.asarray(windows)`` gives
    the dense array (the values a dense copy would hold, row for row). So a
    panel's windows cost O(n_samples x n_features) too, whatever the window.

    Each call to ``transform`` windows only the rows it is given. In
    cross-validation the first ``window - 1`` rows of every test fold are
    therefore padded rather than preceded by the end of the training fold;
    keep test folds much longer than the window.

    **Known-future steps.** With lead columns and ``leads="fold"`` the output
    is ``(n_samples, window + h, n_channels + 1)``, the layout of
    :mod:`sklstm._future`. The channels are the other (non-lead) columns in
    their order, then one channel per covariate known ahead, then a marker
    that is 0 on the ``window`` history steps and 1 on the ``h`` future
    steps. A covariate's channel holds its value at each step: on the
    history, its lead 1 of the row before (the first row of a series repeats
    its own); on future step ``k``, its lead ``k`` of the window's last row.
    The other channels (the target, past covariates) are NaN on the future
    steps: they are not known yet. A window then costs ``(window + h) x
    (n_channels + 1)`` values instead of ``window x (n_other + n_covariates x
    h)``, read on demand as above.
    Every sklstm estimator recognises the layout by its marker.

    A 1-D NumPy array is rejected (as everywhere in scikit-learn) because it is
    ambiguous; pass ``x.reshape(-1, 1)``. A pandas Series is one column.

    NaN passes through unchanged (edge padding repeats a NaN first row): the
    next estimator's ``missing`` setting decides what a missing value means.
    Infinity is rejected.

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
        "leads": Options(["fold", "keep"]),
    }

    def __init__(self, window=12, *, padding="edge", flatten=False, series_id=None,
                 leads="fold"):
        self.window = window
        self.padding = padding
        self.flatten = flatten
        self.series_id = series_id
        self.leads = leads

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
        self._plan = None
        names = getattr(self, "feature_names_in_", None)
        if names is not None and self.leads == "fold" and not self.flatten:
            if self.series_id is not None:
                names = np.delete(names, self._id_index(list(names)))
            self._plan = _lead_plan(list(names))
        self.known_future_ = [] if self._plan is None else list(self._plan[2])
        return self

    def transform(self, X):
        """Window ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or pandas Series
            The series, with the columns seen in ``fit``.

        Returns
        -------
        X_windows : ndarray or LazyWindows of shape (n_samples, window, n_features)
            A strided view for one series, windows read on demand
            (:class:`~sklstm._lazy_windows.LazyWindows`) with ``series_id`` or
            folded leads (then ``(n_samples, window + h, n_channels + 1)``), a
            dense ``(n_samples, window * n_features)`` array with ``flatten=True``.
        """
        check_is_fitted(self)
        X, series, features = self._validate(X, reset=False)
        plan = getattr(self, "_plan", None)
        if series is None and plan is None:
            windows = self._windows(X)                               # (n, w, F), a view
        else:                                                        # read on demand
            windows = panel_windows(X, series, self.window, plan=plan, columns=features,
                                    zero_pad=self.padding == "zero")
        if self.flatten:
            return np.asarray(windows).reshape(len(windows), -1)     # (n, w * F)
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
        """Checked float values; with ``series_id``, each row's series code; and the
        columns of the values that are features (``None``: all of them)."""
        if isinstance(X, pd.Series):
            X = X.to_frame()
        if self.series_id is None:
            return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32],
                                 ensure_all_finite="allow-nan"), None, None
        if not isinstance(X, pd.DataFrame):
            X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
            if X.dtype.kind == "f":       # read in place: the id column is skipped, not cut
                return self._validate_float_table(X)
            X = pd.DataFrame(X)
        else:
            validate_data(self, X, reset=reset, skip_check_array=True)
        column = X.columns[self._id_index(list(X.columns))]
        codes = self._series_codes(X[column])
        features = check_array(X.drop(columns=[column]), dtype=[np.float64, np.float32],
                               ensure_min_features=1, ensure_all_finite="allow-nan",
                               input_name="X")
        return features, codes, None

    def _validate_float_table(self, X):
        """An all-float array with its id column: ``(X, codes, feature columns)``."""
        column = self._id_index(range(X.shape[1]))
        features = np.delete(np.arange(X.shape[1]), column)
        if len(features) == 0:
            raise ValueError("Windower: X holds only the series_id column; add the "
                             "series' values as other columns.")
        codes = self._series_codes(X[:, column])
        for rows in range(0, len(X), 1 << 20):            # infinity, a block at a time
            if np.isinf(X[rows:rows + (1 << 20)][:, features]).any():
                raise ValueError("Input X contains infinity or a value too large for "
                                 f"{X.dtype!r}.")
        return X, codes, features

    def _series_codes(self, ids):
        """Each row's series number (first appearance order), refusing a missing id."""
        missing = pd.isna(ids)
        if missing.any():
            raise ValueError(
                f"Windower: the series_id column {self.series_id!r} has "
                f"{int(missing.sum())} missing value(s); every row needs the id of its "
                "series. Fill or drop those rows.")
        codes = pd.factorize(ids)[0]
        return codes.astype(np.int32 if len(codes) < 2**31 - 1 else np.int64)

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
        tags.input_tags.allow_nan = True
        return tags


def _float_dtype(frame):
    """float32 when every column of ``frame`` is float32, else float64."""
    return np.float32 if all(dt == np.float32 for dt in frame.dtypes) else np.float64


#: How forecast_xy's error messages list the roles a column of ``data`` can take.
_ROLES = ("target=, series_id=, time=, past_covariates= (or exog=), future_covariates=, "
          "static_covariates=")


def forecast_xy(data, horizon=1, *, target=None, series_id=None, time=None, exog=None,
                past_covariates=None, future_covariates=None, static_covariates=None):
    """Build ``(X, y)`` for forecasting the next ``horizon`` values of one or many series.

    Row ``t`` of ``X`` holds what is known at time ``t``; row ``t`` of ``y``
    holds the next ``horizon`` values of the same series,
    ``target[t + 1], ..., target[t + horizon]``. Rows whose future is not
    observed (the last ``horizon`` rows of each series) are dropped. Feed
    ``X`` to a :class:`Windower` so that each row becomes the window of
    history ending at ``t``.

    ``data`` comes in two forms:

    - **One series**: a pandas Series, a 1-D array, or one column (an
      ``(n, 1)`` array or a one-column DataFrame), with no role argument but
      ``exog``. ``X`` is the series, then the ``exog`` columns.
    - **A long table**: a DataFrame in which every column has a role, named
      by ``target``, ``series_id``, ``time``, ``past_covariates`` (or
      ``exog``), ``future_covariates`` and ``static_covariates``. Giving any
      role but ``exog`` selects this form.

    In a long table, rows are grouped by ``series_id`` (series in the order
    of their first row) and ordered by ``time`` within each series. Each
    role puts its columns in ``X`` as follows, in this column order:

    ================================  ==========================================
    column(s) of ``X``                 value at row ``t``
    ================================  ==========================================
    ``target``                        the target at ``t`` (input channel 0)
    past covariates, then ``exog``    their values at ``t`` (observed up to ``t``)
    ``name_lead1 ... name_leadh``     future covariate ``name`` at ``t + 1 ... t + h``,
                                      covariate by covariate
    static covariates                 the series' value (checked constant)
    ``series_id``                     the series' id, for ``Windower(series_id=...)``
    ================================  ==========================================

    Parameters
    ----------
    data : array-like of shape (n_samples,) or (n_samples, 1), Series or DataFrame
        One series, or a long table with one row per (series, time step).
    horizon : int, default=1
        Steps ahead to forecast; ``y`` gets one column per step.
    target : str, optional
        Long table: the column to forecast. Required in that form.
    series_id : str, optional
        Long table: the column that says which series a row belongs to. It
        is kept as the last column of ``X`` (values unchanged), for
        ``Windower(series_id=...)``. ``None``: the whole table is one series.
    time : str, optional
        Long table: the column that orders the rows of each series (dates,
        numbers: anything pandas can sort). It orders the rows and is then
        left out of ``X``; ``data.loc[X.index, time]`` gives it back. Two rows
        of one series at the same time are an error. ``None``: rows are
        taken in the order they appear within each series.
    exog : array-like of shape (n_samples, n_exog) or DataFrame, optional
        Values observed alongside ``data``, aligned row for row: past
        covariates that are not columns of ``data``. A NumPy ``exog`` in a
        long table gets the column names ``exog0, exog1, ...``; a pandas one
        must have ``data``'s index.
    past_covariates : str or list of str, optional
        Long table: columns observed up to ``t``, put in ``X`` at row ``t``.
    future_covariates : str or list of str, optional
        Long table: columns known ahead (a planned promotion, a price, a
        holiday). For each, ``X`` gets the lead columns ``name_lead1`` ...
        ``name_lead{horizon}`` holding its values at ``t + 1 ... t + horizon``
        of the same series. A column may be both a past and a future
        covariate, which adds its value at ``t`` too.
    static_covariates : str or list of str, optional
        Long table: columns constant within each series (a category, a
        store), put in ``X`` as they are (strings stay strings: encode them,
        for example with a ``OneHotEncoder`` in a ``ColumnTransformer``).

    Returns
    -------
    X : ndarray or DataFrame of shape (n_rows, n_columns)
        Inputs. One series: ``(n_samples - horizon, 1 + n_exog)``, a NumPy
        array for NumPy input (float32 when every input column is float32,
        else float64), else a DataFrame with the input's index. Long table: a
        DataFrame in the column order above, every column keeping its dtype,
        indexed by the labels of the rows of ``data`` it was built from.
    y : ndarray or DataFrame of shape (n_rows, horizon)
        Targets; column ``k`` is ``k + 1`` steps ahead, named
        ``target_t+1 ... target_t+horizon`` in a DataFrame (index as ``X``).
        float32 when the target is float32, else float64.

    Raises
    ------
    ValueError
        One series: it is not one column, holds NaN or infinity, is too short
        for the horizon, or ``exog`` has a different length. Long table: a
        column without a role (the message lists the roles), a role naming a
        missing column, a column in two roles, a missing ``target``, a
        repeated (series, time) pair, a static covariate that varies within a
        series, infinity in the target, or no series longer than ``horizon``.
    TypeError
        A role argument with a NumPy ``data``, or a non-numeric target.

    See Also
    --------
    Windower : windows ``X`` row by row, per series with ``series_id``.

    Notes
    -----
    A long table's rows are the time steps: ``time`` only orders them, and a
    missing row is not filled in (row ``t + 1`` is the next row of the series,
    whatever its time). Keep one row per step, with a NaN target where
    nothing was observed (a closed day).

    In a long table, NaN passes through unchanged, in ``X`` and in ``y``;
    the model's ``missing`` setting decides what happens to it. Rows with a
    NaN target are kept. One series alone keeps its former rule and rejects
    NaN: pass it as a one-column DataFrame with ``target=`` to let NaN
    through.

    A series with at most ``horizon`` rows contributes no row. ``X`` and
    ``y`` keep the index labels of ``data`` (not a new ``RangeIndex``), so
    ``data.loc[X.index]`` gives the rows' times, ids and any other column
    back, for plotting and for splitting by date; the labels are unique when
    ``data``'s are.

    Examples
    --------
    One series:

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

    A long table of two shops, with a planned promotion:

    >>> import pandas as pd
    >>> sales = pd.DataFrame({
    ...     "shop": ["a", "b", "a", "b", "a", "b"],
    ...     "day": [1, 1, 2, 2, 3, 3],
    ...     "units": [10.0, 50.0, 11.0, 51.0, 12.0, 52.0],
    ...     "promo": [0, 1, 1, 0, 0, 1],
    ... })
    >>> X, y = forecast_xy(sales, horizon=1, target="units", series_id="shop",
    ...                    time="day", future_covariates=["promo"])
    >>> X
       units  promo_lead1 shop
    0   10.0            1    a
    2   11.0            0    a
    1   50.0            0    b
    3   51.0            1    b
    >>> y
       units_t+1
    0       11.0
    2       12.0
    1       51.0
    3       52.0
    """
    check_args("forecast_xy", horizon=(horizon, Interval(int, 1)))
    roles = {"target": target, "series_id": series_id, "time": time,
             "past_covariates": past_covariates, "future_covariates": future_covariates,
             "static_covariates": static_covariates}
    if all(value is None for value in roles.values()):
        return _forecast_series(data, horizon, exog)
    return _forecast_table(data, horizon, exog=exog, **roles)


def _forecast_series(series, horizon, exog):
    """:func:`forecast_xy` for one series given alone (the one-series form)."""
    is_pandas = isinstance(series, (pd.Series, pd.DataFrame))
    frame = series.to_frame() if isinstance(series, pd.Series) else pd.DataFrame(series)
    if frame.shape[1] != 1:
        raise ValueError(
            f"forecast_xy: without target=, data is one series, and a series must be one "
            f"column; got shape {frame.shape}. Pass the target column as the series and the "
            "others as exog, or pass a DataFrame with target= and a role for every other "
            f"column ({_ROLES})."
        )
    name = str(frame.columns[0]) if is_pandas else "y"
    dtype = _float_dtype(frame)
    values = frame.to_numpy(dtype=dtype)
    n = len(values)
    if not np.isfinite(values).all():
        raise ValueError(
            "series contains NaN or infinity; fill or drop those values first. To keep "
            "NaN for the model's missing='mask', pass the series as a one-column "
            "DataFrame with target='name'.")
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


def _show(value):
    """A value as an error message shows it: strings quoted, numbers and dates plain."""
    return repr(str(value)) if isinstance(value, str) else str(value)


def _column_list(role, value):
    """A list-valued role (``past_covariates`` ...) as a list of column labels."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not np.iterable(value):
        return [value]
    names = list(value)
    repeated = sorted({str(n) for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"forecast_xy: {role} names {repeated} more than once; name each "
                         "column once.")
    return names


def _check_columns(data, single, lists):
    """Check that every column of ``data`` has exactly one role (past + future allowed)."""
    columns = list(data.columns)
    shown = f"{[str(c) for c in columns[:20]]}{' ...' if len(columns) > 20 else ''}"
    if data.columns.has_duplicates:
        raise ValueError(
            f"forecast_xy: data has repeated column names "
            f"{sorted({str(c) for c in data.columns[data.columns.duplicated()]})}; "
            "rename them so that each role names one column.")
    owners = {}
    for role, names in [*((r, [v]) for r, v in single.items() if v is not None),
                        *lists.items()]:
        for name in names:
            if name not in data.columns:
                raise ValueError(
                    f"forecast_xy: {role}={name!r} is not a column of data; its columns are "
                    f"{shown}.")
            owners.setdefault(name, []).append(role)
    for name, roles in owners.items():
        if len(roles) > 1 and sorted(roles) != ["future_covariates", "past_covariates"]:
            raise ValueError(
                f"forecast_xy: column {name!r} is given two roles, {' and '.join(roles)}; "
                "give each column one role (only a covariate may be both past and future).")
    unroled = [str(c) for c in columns if c not in owners]
    if unroled:
        raise ValueError(
            f"forecast_xy: column(s) {unroled} of data have no role; nothing is used or "
            f"dropped silently. Give each column a role ({_ROLES}), or drop it from "
            "data first.")


def _forecast_table(data, horizon, *, target, series_id, time, exog, past_covariates,
                    future_covariates, static_covariates):
    """:func:`forecast_xy` for a long table whose columns have roles."""
    if isinstance(data, pd.Series):
        data = data.to_frame()
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"forecast_xy: target=, series_id=, time= and the covariate roles name columns "
            f"of a pandas DataFrame, but data is a {type(data).__name__}. Wrap it in a "
            "DataFrame with column names, or pass one series alone without roles.")
    if isinstance(exog, str) or (isinstance(exog, (list, tuple)) and exog
                                 and all(isinstance(e, str) for e in exog)):
        raise TypeError(
            f"forecast_xy: exog takes values aligned row for row with data, got the "
            f"name(s) {exog!r}; to use columns of data, pass past_covariates={exog!r}.")
    if target is None:
        raise ValueError(
            "forecast_xy: target= is missing. With series_id=, time= or covariate roles, "
            "data is a long table, and target names the column to forecast.")
    single = {"target": target, "series_id": series_id, "time": time}
    for role, value in single.items():
        if value is not None and (not isinstance(value, str) and np.iterable(value)):
            raise TypeError(f"forecast_xy: {role} takes one column name, got {value!r}.")
    past = _column_list("past_covariates", past_covariates)
    future = _column_list("future_covariates", future_covariates)
    static = _column_list("static_covariates", static_covariates)
    _check_columns(data, single, {"past_covariates": past, "future_covariates": future,
                                  "static_covariates": static})
    n = len(data)
    if n == 0:
        raise ValueError("forecast_xy: data has no rows.")
    if exog is not None:
        is_pandas = isinstance(exog, (pd.Series, pd.DataFrame))
        frame = exog.to_frame() if isinstance(exog, pd.Series) else pd.DataFrame(exog)
        if len(frame) != n:
            raise ValueError(f"forecast_xy: exog has {len(frame)} rows but data has {n}; "
                             "they must be aligned row for row.")
        if not is_pandas:
            frame = frame.set_axis([f"exog{j}" for j in range(frame.shape[1])], axis=1)
            frame.index = data.index
        elif not frame.index.equals(data.index):
            raise ValueError("forecast_xy: exog's index differs from data's; align them row "
                             "for row (for example exog.set_axis(data.index)).")
        clash = [str(c) for c in frame.columns if c in data.columns]
        if clash:
            raise ValueError(f"forecast_xy: exog column(s) {clash} are also columns of data; "
                             "rename them, or name data's columns in past_covariates.")
        data = pd.concat([data, frame], axis=1)
        past = past + list(frame.columns)
    values = data[target]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise TypeError(f"forecast_xy: the target column {target!r} must be numeric, got "
                        f"dtype {values.dtype}.")
    dtype = np.float32 if values.dtype == np.float32 else np.float64
    values = values.to_numpy(dtype=dtype, na_value=np.nan)
    if np.isinf(values).any():
        raise ValueError(
            f"forecast_xy: the target column {target!r} contains infinity in "
            f"{int(np.isinf(values).sum())} row(s); replace it (NaN is let through for the "
            "model's missing setting).")

    # --- group by series (in order of first appearance), order by time
    if series_id is None:
        codes, ids = np.zeros(n, dtype=np.intp), [None]           # one series
    else:
        if data[series_id].isna().any():
            raise ValueError(
                f"forecast_xy: the series_id column {series_id!r} has "
                f"{int(data[series_id].isna().sum())} missing value(s); every row needs the "
                "id of its series. Fill or drop those rows.")
        codes, ids = pd.factorize(data[series_id], sort=False)
    if time is None:
        order = np.argsort(codes, kind="stable")                   # (n,) rows by series
    else:
        stamps = data[time]
        if stamps.isna().any():
            raise ValueError(
                f"forecast_xy: the time column {time!r} has {int(stamps.isna().sum())} "
                "missing value(s); every row needs its time to be ordered.")
        try:
            ticks = pd.factorize(stamps, sort=True)[0]            # time ranks
        except TypeError as exc:
            raise TypeError(f"forecast_xy: the time column {time!r} cannot be sorted "
                            f"({exc}); give it one type (dates or numbers).") from None
        order = np.lexsort((ticks, codes))                         # by series, then time
        same = (np.diff(codes[order]) == 0) & (np.diff(ticks[order]) == 0)
        if same.any():
            row = order[np.flatnonzero(same)[0]]
            where = ("" if series_id is None
                     else f"series {_show(ids[codes[row]])} of {series_id!r} has ")
            raise ValueError(
                f"forecast_xy: {where}more than one row at time {stamps.iloc[row]} (column "
                f"{time!r}; {int(same.sum())} repeated row(s) in all); each series needs "
                "one row per time step. Aggregate the repeated rows (for example with "
                "groupby(...).sum()) or drop them first.")
    grouped = codes[order]                                         # (n,) series of row i
    lengths = np.bincount(grouped, minlength=len(ids))             # (n_series,)
    first = np.concatenate([[0], np.cumsum(lengths)[:-1]])         # each series' 1st row
    step = np.arange(n) - first[grouped]                           # position in its series
    keep = np.flatnonzero(step < lengths[grouped] - horizon)       # has a full future
    if keep.size == 0:
        raise ValueError(
            f"forecast_xy: no series has more than horizon={horizon} rows (the longest has "
            f"{lengths.max()}), so no row has a full future to forecast. Use a shorter "
            "horizon or longer series.")

    for name in static:
        counts = data[name].groupby(codes, sort=False).nunique(dropna=False)
        varying = np.flatnonzero(counts.to_numpy() > 1)
        if varying.size:
            code = counts.index[varying[0]]
            seen = pd.unique(data[name].to_numpy()[codes == code])
            where = "the table" if series_id is None else f"series {_show(ids[code])}"
            raise ValueError(
                f"forecast_xy: static covariate {name!r} is not constant within {where} "
                f"(values {', '.join(map(_show, seen[:5]))}{' ...' if len(seen) > 5 else ''}"
                f"; {varying.size} series vary in all); a static covariate has one value "
                "per series. Give it another role, such as past_covariates.")

    # --- assemble: target, past, future leads, statics, series id
    rows = order[keep]                                             # rows of data kept
    index = data.index[rows]
    columns = {}
    for name in [target, *past]:
        columns[name] = data[name].iloc[rows].reset_index(drop=True)
    for name in future:
        for lead in range(1, horizon + 1):
            label = f"{name}_lead{lead}"
            if label in columns or label in data.columns:
                raise ValueError(
                    f"forecast_xy: the lead column {label!r} of future covariate {name!r} "
                    "would repeat a column name; rename that column of data.")
            columns[label] = data[name].iloc[order[keep + lead]].reset_index(drop=True)
    for name in [*static, *([] if series_id is None else [series_id])]:
        columns[name] = data[name].iloc[rows].reset_index(drop=True)
    X = pd.concat(columns, axis=1).set_axis(index, axis=0)
    ahead = values[order]                                          # targets, grouped
    y = pd.DataFrame({f"{target}_t+{k}": ahead[keep + k] for k in range(1, horizon + 1)},
                     index=index)
    return X, y
