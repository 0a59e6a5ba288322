"""``TreeLSTMRegressor``: a Tree-LSTM forecaster of every node of a hierarchy.

A *hierarchy* is a tree of series in which a parent is the sum of its
children: total sales -> category sales -> product sales.
:class:`~sklstm.hierarchy.Hierarchy` checks and holds the tree and its
topology; :class:`TreeLSTMRegressor` forecasts every node with the cell of
Tai et al. (2015) run over it.

Node order is the contract between the two: column ``j`` of the sales matrix
(and channel ``j`` of the windows ``X``) is node ``j`` of the hierarchy,
``Hierarchy.nodes[j]``. ``Hierarchy`` is importable from here too.
"""

import numpy as np
import pandas as pd

from ._validation import Options
from ._window_norm import choose_window_norm
from .base import SequenceRegressor
from .hierarchy import Hierarchy
from .nn.tree import TreeLSTMNet, import_dgl

__all__ = ["Hierarchy", "TreeLSTMRegressor"]


def _is_hierarchy_like(value):
    if isinstance(value, (Hierarchy, pd.DataFrame, np.ndarray, list, tuple, pd.Series)):
        return True
    return False


def _as_hierarchy(hierarchy, n_nodes):
    """Turn the ``hierarchy`` parameter into a :class:`Hierarchy` for ``n_nodes`` nodes."""
    if hierarchy is None:
        return Hierarchy.star(n_nodes)
    if isinstance(hierarchy, Hierarchy):
        result = hierarchy
    elif isinstance(hierarchy, pd.DataFrame):
        result = Hierarchy.from_levels(hierarchy)
    else:
        result = Hierarchy(hierarchy)
    if result.n_nodes != n_nodes:
        raise ValueError(
            f"hierarchy has {result.n_nodes} nodes but X has {n_nodes} node channels "
            f"(X.shape[2]). X must be (n_samples, n_timesteps, n_nodes) with channel j "
            "holding node j's window, in the order of Hierarchy.nodes; window the "
            "sales matrix with all of its node columns.")
    return result


class TreeLSTMRegressor(SequenceRegressor):
    r"""Tree-LSTM forecaster of hierarchical series (Tai et al. 2015, with DGL).

    Every node of a hierarchy (total -> categories -> products) is a series.
    A shared LSTM encodes each node's recent window; a Tree-LSTM cell
    (Child-Sum or N-ary, equations in :mod:`sklstm.nn.tree`) then runs over
    the hierarchy from the leaves to the root, and with
    ``direction="both"`` back from the root to the leaves; a head per node
    reads its state (see :class:`sklstm.nn.tree.TreeLSTMNet`).

    **Inputs.** ``X`` of shape ``(n_samples, n_timesteps, n_nodes)``: channel
    ``j`` is node ``j``'s window, nodes in the order of
    :attr:`Hierarchy.nodes`. :class:`~sklstm.Windower` makes it from a
    ``(n_periods, n_nodes)`` sales matrix whose columns are in that order. A
    2-D ``X`` ``(n_samples, n_timesteps)`` is one node's window: the tree is
    a root alone. Each node channel is standardised with its training mean
    and standard deviation before the encoder (after ``window_norm``, if
    set), so nodes on very different scales share one encoder.

    **Targets.** ``y`` of shape ``(n_samples, n_nodes * horizon)``,
    node-major: column ``j * horizon + k`` is node ``j`` at step ``k + 1``
    (node ``j``'s block is what :func:`~sklstm.forecast_xy` gives for its
    column). ``horizon`` is ``n_outputs / n_nodes``, which must be an
    integer. A 1-D ``y`` ``(n_samples,)`` is the root's next value alone.

    Parameters
    ----------
    hierarchy : None, array-like of int, DataFrame or Hierarchy, default=None
        The tree. A parent array (``parents[j]`` is node ``j``'s parent,
        ``-1`` for the root), a DataFrame with one column per level below the
        root and one row per leaf (see :meth:`Hierarchy.from_levels` for the
        node order it implies), or a :class:`Hierarchy`. ``None`` builds a
        star: node 0 is the root and every other node a leaf under it.
        Checked in ``fit``; a bad tree, or one whose node count is not
        ``X.shape[2]``, raises ``ValueError``.
    cell : {"childsum", "nary"}, default="childsum"
        Child-Sum Tree-LSTM (any number of children, order-free) or N-ary
        Tree-LSTM (one set of recurrent weights per child position, ``N`` =
        the largest number of children; missing children are zero states).
    direction : {"up", "both"}, default="both"
        ``"up"``: one bottom-up pass. ``"both"``: a top-down pass follows, so
        each node also sees its ancestors' context; heads read both states.
    coherent : bool, default=False
        Predict the leaves only and sum them up through :attr:`Hierarchy.S`,
        in original units, so every parent equals the sum of its children.
        Needs every node's target (not a 1-D ``y``); only leaf columns train
        the model.
    **common
        The parameters of :class:`~sklstm.base.SequenceRegressor`
        (``hidden_size`` sizes the encoder and the tree cells, ``num_layers``
        the encoder). With ``window_norm``, each node channel is normalised
        by its own window statistics, and each node's target is expressed in
        (and mapped back from) its own node's window units;
        ``target_channel`` is not used, except that ``None`` normalises the
        inputs only. With ``coherent=True`` leaves are mapped back first,
        then summed.

    Attributes
    ----------
    hierarchy_ : Hierarchy
        The tree used in ``fit``.
    horizon_ : int
        Steps forecast per node.
    net_, history_, loss_curve_, n_iter_, n_features_in_
        As :class:`~sklstm.base.SequenceRegressor` (``n_features_in_`` is
        the number of time steps).

    See Also
    --------
    sklstm.Hierarchy : builds and checks the tree.
    sklstm.datasets.make_hierarchical_sales : synthetic hierarchical sales.
    sklstm.Windower : turns the sales matrix into windows.

    Notes
    -----
    DGL is an optional dependency (the ``tree`` extra, ``dgl==1.1.3``);
    without it ``fit`` raises an ``ImportError`` that says how to install
    it. Importing :mod:`sklstm` never needs it.

    ``direction="both"`` is the default from a comparison on
    :func:`~sklstm.datasets.make_hierarchical_sales` (2 categories x 3
    products, 600 days, window 14, last 120 days held out, 5 seeds): the
    mean over levels of the hold-out RMSE was 40.5 for ``"both"`` and 41.2
    for ``"up"``, a difference within the spread between seeds. The
    products were forecast better with ``"both"`` in 4 of 5 seeds, and in 3
    of 3 with ``coherent=True``, where only the leaves are forecast and the
    top-down pass is their only view of the rest of the tree. It costs 1.2
    to 2.2 times the epoch time of ``"up"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm.tree import TreeLSTMRegressor
    >>> rng = np.random.RandomState(0)
    >>> leaves = rng.normal(size=(60, 8, 2))                  # two products
    >>> X = np.concatenate([leaves.sum(2, keepdims=True), leaves], axis=2)
    >>> X.shape                                               # (n_samples, T, n_nodes)
    (60, 8, 3)
    >>> y = X[:, -1, :]                                       # every node
    >>> reg = TreeLSTMRegressor(hierarchy=[-1, 0, 0], coherent=True, max_epochs=3,
    ...                         random_state=0).fit(X, y)
    >>> pred = reg.predict(X[:4])
    >>> pred.shape
    (4, 3)
    >>> np.allclose(pred[:, 0], pred[:, 1] + pred[:, 2])
    True
    """

    _onnx_exportable = False   # DGL message passing has no ONNX form
    _supports_missing = False  # channel j is node j: no room for availability channels
    _variant_params = {"hierarchy": None, "cell": "childsum", "direction": "both",
                       "coherent": False}
    _parameter_constraints = {
        "hierarchy": Options([None], extra=_is_hierarchy_like,
                             extra_text="a parent array, a DataFrame of levels or a "
                                        "Hierarchy"),
        "cell": Options(["childsum", "nary"]),
        "direction": Options(["up", "both"]),
        "coherent": Options([True, False]),
    }

    # ---------------------------------------------------------------- hooks

    def _prepare_fit(self, X, y):
        """Need DGL; resolve the tree and how target columns map to nodes and steps."""
        import_dgl()
        n_nodes = X.shape[2]
        self.hierarchy_ = _as_hierarchy(self.hierarchy, n_nodes)
        h = self.hierarchy_
        root_only = self._target_shape == ()
        n_outputs = y.shape[1]
        if root_only:
            if self.coherent:
                raise ValueError(
                    "coherent=True needs every node's target, y of shape (n_samples, "
                    f"n_nodes * horizon) with n_nodes={n_nodes}, but y is 1-D (the root "
                    "only). Pass every node's next values, or set coherent=False.")
            self.horizon_ = 1
            self._output_nodes = np.array([h.root])
        else:
            if n_outputs % n_nodes:
                raise ValueError(
                    f"y has {n_outputs} columns, which is not a multiple of the "
                    f"{n_nodes} nodes. Pass y of shape (n_samples, n_nodes * horizon), "
                    "node-major (column j * horizon + k is node j, step k + 1), or a "
                    "1-D y for the root alone.")
            self.horizon_ = n_outputs // n_nodes
            self._output_nodes = h.leaves if self.coherent else np.arange(n_nodes)
        target_nodes = np.array([h.root]) if root_only else np.arange(n_nodes)
        self._column_nodes = np.repeat(target_nodes, self.horizon_)
        # target column of each model output (the target's columns are node-major)
        self._model_columns = np.arange(1) if root_only else (
            self.horizon_ * self._output_nodes[:, np.newaxis]
            + np.arange(self.horizon_)).ravel()
        super()._prepare_fit(X, y)

    def _build_module(self, input_shape, n_outputs):
        # n_outputs is horizon values (times quantile levels) per output node
        return TreeLSTMNet(
            self.hierarchy_, self.hidden_size, n_outputs // len(self._output_nodes),
            output_nodes=self._output_nodes, cell=self.cell, direction=self.direction,
            num_layers=self.num_layers, dropout=self.dropout,
        )

    def _resolve_window_norm(self, X, y):
        """``"auto"``: compare each node's persistence forecast with its target's mean."""
        if self.window_norm != "auto":
            return self.window_norm
        last = X[:, -1, :][:, self._column_nodes].astype(np.float64)      # (n, n_outputs)
        return choose_window_norm(last, y)

    def _normalized_channels(self, n_channels):
        """Every channel is a node's series, and a target: ``window_norm`` applies to all."""
        return np.ones(n_channels, dtype=bool)

    def _target_stats(self, loc, scale):
        """Every node's window location and scale, ``(n_samples, n_nodes)``, for its own target."""
        return loc, scale

    def _encode_target(self, y, stats, fit=False):
        """Node-wise window units, standardised; the model's columns only."""
        if stats is not None:
            loc, scale = self._column_stats(stats, self._column_nodes)
            y = (y - loc) / scale
        y = super()._encode_target(y, None, fit=fit)
        return y[:, self._model_columns]

    def _decode_target(self, y, stats):
        """Model outputs back to original units; sum leaves up when coherent."""
        cols = self._model_columns
        y = y * self._y_scaler.scale_[cols] + self._y_scaler.mean_[cols]
        if stats is not None:
            loc, scale = self._column_stats(stats, self._column_nodes[cols])
            y = y * scale + loc
        if not self.coherent:
            return y
        h = self.hierarchy_
        leaves = y.reshape(len(y), h.n_leaves, self.horizon_)          # (n, L, horizon)
        nodes = np.einsum("il,nls->nis", h.S, leaves)                  # (n, V, horizon)
        return nodes.reshape(len(y), -1)

    def _window_spread(self, X):
        """Each model output's node: its channel's standard deviation over the window."""
        nodes = self._column_nodes[self._model_columns]
        return X.astype(np.float64).std(axis=1)[:, nodes]

    # ------------------------------------------------------------ internals

    @staticmethod
    def _column_stats(stats, nodes):
        """Window statistics of the nodes behind each target column, (n, n_columns)."""
        loc, scale = stats
        return loc[:, nodes], scale[:, nodes]
