"""Windows read on demand: what :class:`~sklstm.Windower` returns for panels.

A single series' windows are one strided view of the series
(:func:`numpy.lib.stride_tricks.sliding_window_view`). The windows of a panel
are not: each series restarts the padding, so a dense copy would cost
``n_rows x window x n_channels`` values, 32 GB for an M5-sized panel at
window 28. The same holds for windows with known-future steps
(:mod:`sklstm._future`), whose future steps come from other columns.

:class:`LazyWindows` holds the rows as the Windower validated them
(``O(n_rows x n_columns)``) and two integers per window, and computes any
window, or any selection of windows, time steps and channels, by index
arithmetic when it is read. Value ``(i, t, c)`` of the full window array is

==========================  ================================================
channel ``c`` is            value at history step ``t < T`` / future step ``T + k - 1``
==========================  ================================================
a plain column ``j``        ``values[r, j]`` / NaN (not known ahead)
known ahead (covariate m)   ``values[r', leads[0, m]]`` / ``values[row_i, leads[k - 1, m]]``
the marker (last)           0 / 1
==========================  ================================================

where ``r`` is the row ``T - 1 - t`` rows before window ``i``'s own row in
its series (``r'`` the one before that, for the value known at ``r``), both
clipped to the series' first row: the ``"edge"`` padding; with ``"zero"``
padding the steps before the series' start are 0. This is exactly what the
dense Windower output holds, row for row.

It behaves as a read-only 3-D array where the estimators need one:

* ``shape``, ``ndim``, ``dtype``, ``size`` and ``len``;
* indexing whose keys keep all three axes (slices, integer or boolean row
  masks, lists of steps or channels) returns another ``LazyWindows``
  holding only the selection, so scikit-learn's splitters, early stopping
  and calibration cut it without a copy;
* a key with an integer on some axis, and ``np.asarray``, materialise
  exactly the selection (the estimators do so one chunk or batch at a time);
* ``copy()`` and ``reshape()`` give dense arrays;
* arithmetic and ufuncs (``windows / 1000``, ``np.isnan(windows)``) work
  on the dense windows;
* it pickles as its arrays.
"""

import numbers

import numpy as np

__all__ = ["LazyWindows", "panel_windows"]

# channel kinds of the full layout
_PLAIN, _KNOWN, _MARKER = 0, 1, 2


class RowMaskError(IndexError, ValueError):
    """A row mask that does not fit the windows (an ``IndexError``, as NumPy's, and a
    ``ValueError``: bad input)."""


def _index_dtype(n):
    return np.int32 if n < 2**31 - 1 else np.int64


class LazyWindows(np.lib.mixins.NDArrayOperatorsMixin):
    """A read-only ``(n_samples, n_timesteps, n_channels)`` array of windows,
    computed from the rows it is cut from when read.

    Build it with :func:`panel_windows` (the Windower does). Parameters are
    the internal index arrays; see the module docstring for the value each
    element holds.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns), float32 or float64
        The validated rows, grouped or not.
    order : ndarray of shape (n_rows,) or None
        ``values`` row of each position in series order (``None``: the rows
        are already grouped by series, position = row).
    position, first : ndarray of shape (n_samples,), int
        Each window's own position, and its series' first position, in
        series order.
    window : int
        History steps ``T``.
    kinds, columns : ndarray of shape (n_channels_full,), int
        Each channel of the full layout: its kind (plain, known ahead,
        marker) and its column in ``values`` (plain) or covariate number
        (known ahead).
    leads : ndarray of shape (n_future, n_known), int
        Column of lead ``k`` of each known covariate (``(0, 0)`` without).
    zero_pad : bool
        Zeros before a series' start instead of its first row.
    steps, channels : ndarray of int
        The selected steps and channels of the full layout.
    """

    def __init__(self, values, order, position, first, window, kinds, columns, leads,
                 zero_pad, steps, channels):
        self.values = values
        self.order = order
        self.position = position
        self.first = first
        self.window = window
        self.kinds = kinds
        self.columns = columns
        self.leads = leads
        self.zero_pad = zero_pad
        self.steps = steps
        self.channels = channels

    # ----------------------------------------------------------- array protocol

    @property
    def shape(self):
        return (len(self.position), len(self.steps), len(self.channels))

    ndim = 3

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def size(self):
        return int(np.prod(self.shape, dtype=np.int64))

    def __len__(self):
        return len(self.position)

    def __repr__(self):
        return f"LazyWindows(shape={self.shape}, dtype={self.dtype})"

    def __array__(self, dtype=None, copy=None):
        if copy is False:
            raise ValueError("LazyWindows computes its values when read; "
                             "np.asarray(..., copy=False) cannot return a view.")
        out = self._materialize()
        return out if dtype is None else out.astype(dtype, copy=False)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """Arithmetic and ufuncs act on the dense windows (and return dense arrays)."""
        if any(isinstance(out, LazyWindows) for out in kwargs.get("out", ())):
            raise TypeError("LazyWindows is read-only; it cannot be a ufunc's out=.")
        inputs = [np.asarray(x) if isinstance(x, LazyWindows) else x for x in inputs]
        return getattr(ufunc, method)(*inputs, **kwargs)

    def astype(self, dtype, copy=True):
        """The windows as ``dtype``: the same object when it already is (``copy=False``),
        else windows over the rows converted once (``O(n_rows x n_columns)``)."""
        if np.dtype(dtype) == self.dtype and not copy:
            return self
        return self._with(values=self.values.astype(dtype))

    def copy(self):
        """A dense, writable copy of the windows (``np.asarray`` does the same)."""
        return self._materialize()

    def reshape(self, *shape):
        """The dense windows reshaped (a copy of every value)."""
        return self._materialize().reshape(*shape)

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __getitem__(self, key):
        rows, steps, channels = self._split_key(key)
        scalar = [isinstance(k, numbers.Integral) for k in (rows, steps, channels)]
        selected = self._with(
            position=np.atleast_1d(self.position[rows]),
            first=np.atleast_1d(self.first[rows]),
            steps=np.atleast_1d(self.steps[steps]),
            channels=np.atleast_1d(self.channels[channels]))
        if not any(scalar):
            return selected
        dense = selected._materialize()
        return dense[tuple(0 if one else slice(None) for one in scalar)]

    def _split_key(self, key):
        if not isinstance(key, tuple):
            key = (key,)
        if any(k is None for k in key):
            raise IndexError("LazyWindows does not add axes (None in the key); "
                             "index np.asarray(windows) instead.")
        if any(k is Ellipsis for k in key):
            at = next(i for i, k in enumerate(key) if k is Ellipsis)
            fill = (slice(None),) * (3 - len(key) + 1)
            key = key[:at] + fill + key[at + 1:]
        if len(key) > 3:
            raise IndexError(f"too many indices for windows of shape {self.shape}")
        key = key + (slice(None),) * (3 - len(key))
        rows = key[0]
        if isinstance(rows, list):
            rows = np.asarray(rows)
        if isinstance(rows, np.ndarray) and rows.dtype == bool and len(rows) != len(self):
            raise RowMaskError(
                f"boolean row mask of length {len(rows)} for {len(self)} windows; pass "
                "one value per window (row of the table the Windower read).")
        return rows, key[1], key[2]

    def series_tail(self, fraction):
        """Boolean mask of the last ``fraction`` of each series' windows.

        A series contributes ``round(fraction * n)`` of its ``n`` windows here,
        its latest by position, whatever the order of the rows: the held-out
        part of a panel is its most recent time steps, every series' own,
        not the series that happen to come last in the table.
        """
        mask = np.zeros(len(self), dtype=bool)
        if not len(self):
            return mask
        order = np.lexsort((self.position, self.first))
        series = self.first[order]
        starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
        sizes = np.diff(np.r_[starts, len(order)])
        rank = np.arange(len(order)) - np.repeat(starts, sizes)
        held = np.repeat(np.rint(fraction * sizes).astype(np.int64), sizes)
        mask[order] = rank >= np.repeat(sizes, sizes) - held
        return mask

    def _with(self, **changes):
        state = dict(vars(self))
        state.update(changes)
        return LazyWindows(**state)

    # ------------------------------------------------------------- materialise

    def _rows_at(self, offsets):
        """``values`` rows of positions ``position + offsets``, clipped to each series'
        start, and where positions fell before it: ``(rows, before)``."""
        wanted = self.position[:, np.newaxis] + offsets
        first = self.first[:, np.newaxis]
        before = wanted < first
        at = np.maximum(wanted, first)
        return (at if self.order is None else self.order[at]), before

    def _materialize(self):
        """The selected windows as a dense array ``shape`` of ``dtype``."""
        T = self.window
        out = np.empty(self.shape, dtype=self.dtype)
        kinds, columns = self.kinds[self.channels], self.columns[self.channels]
        past = self.steps < T
        if past.any():
            offsets = self.steps[past] - (T - 1)                      # 1 - T .. 0
            block = np.empty((len(self), int(past.sum()), len(self.channels)), self.dtype)
            rows, before = self._rows_at(offsets)
            plain = kinds == _PLAIN
            # whole rows, then the channels: a row gather is a few memcpy calls
            block[:, :, plain] = self.values.take(rows, axis=0)[:, :, columns[plain]]
            known = kinds == _KNOWN
            if known.any():                 # the value known one row earlier: lead 1
                prior, _ = self._rows_at(offsets - 1)
                block[:, :, known] = self.values.take(prior, axis=0)[
                    :, :, self.leads[0, columns[known]]]
            block[:, :, kinds == _MARKER] = 0
            if self.zero_pad:
                block[before] = 0
            out[:, past] = block
        if not past.all():
            ahead = self.steps[~past] - T                             # 0 .. h - 1
            block = np.full((len(self), len(ahead), len(self.channels)), np.nan, self.dtype)
            known = kinds == _KNOWN
            if known.any():
                rows = self.position if self.order is None else self.order[self.position]
                lead = self.leads[ahead][:, columns[known]]           # (s, k)
                block[:, :, known] = self.values.take(rows, axis=0)[:, lead]
            block[:, :, kinds == _MARKER] = 1
            out[:, ~past] = block
        return out


def panel_windows(values, series, window, *, zero_pad=False, plan=None, columns=None):
    """Lazy windows of every row of ``values``, restarting at each series.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_columns), float
        The rows (without the series id), as validated.
    series : ndarray of shape (n_rows,), int, or None
        Each row's series code; ``None``: one series.
    window : int
        History steps.
    zero_pad : bool, default=False
        Zeros before each series' first row instead of repeating it.
    plan : tuple or None
        The Windower's lead plan ``(base, leads, covariates)``: fold the lead
        columns into known-future steps. ``None``: plain windows of every column.

    Returns
    -------
    LazyWindows
        Of shape ``(n_rows, window, n_columns)``, or ``(n_rows, window + h,
        len(base) + n_covariates + 1)`` with a plan.
    """
    n = len(values)
    index = _index_dtype(n)
    if series is None:
        order = None
        first = np.zeros(n, dtype=index)
        position = np.arange(n, dtype=index)
    else:
        # factorized codes number series by first appearance: grouped rows never decrease
        grouped = n == 0 or bool((np.diff(series) >= 0).all())
        order = None if grouped else np.argsort(series, kind="stable").astype(index)
        ordered = series if order is None else series[order]
        starts = np.flatnonzero(np.diff(ordered)) + 1 if n else np.empty(0, dtype=int)
        lengths = np.diff(np.concatenate([[0], starts, [n]]))
        first_sorted = np.repeat(np.concatenate([[0], starts]).astype(index), lengths)
        position = np.empty(n, dtype=index)
        if order is None:
            position[:] = np.arange(n, dtype=index)
            first = first_sorted
        else:
            position[order] = np.arange(n, dtype=index)
            first = np.empty(n, dtype=index)
            first[order] = first_sorted
    features = (np.arange(values.shape[1]) if columns is None else np.asarray(columns)
                ).astype(np.intp)
    if plan is None:
        kinds = np.full(len(features), _PLAIN, dtype=np.intp)
        columns = features
        leads = np.zeros((0, 0), dtype=np.intp)
        n_steps = window
    else:
        base, leads, _ = plan
        n_known = leads.shape[1]
        kinds = np.concatenate([np.full(len(base), _PLAIN), np.full(n_known, _KNOWN),
                                [_MARKER]]).astype(np.intp)
        columns = np.concatenate([features[base], np.arange(n_known), [0]]).astype(np.intp)
        leads = features[np.asarray(leads, dtype=np.intp)]
        n_steps = window + leads.shape[0]
    return LazyWindows(values, order, position, first, window, kinds, columns, leads,
                       zero_pad, np.arange(n_steps), np.arange(len(kinds)))

