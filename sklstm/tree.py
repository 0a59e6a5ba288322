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

import numbers

import numpy as np
import pandas as pd
import torch

from ._forward import PREDICT_CHUNK
from ._validation import Options, chunk_rows, gather, row_chunks
from ._window_norm import choose_window_norm
from .base import SequenceRegressor
from .hierarchy import Hierarchy, _as_hierarchy, _is_hierarchy_like
from .nn.quantile import QuantileHead
from .nn.tree import TreeLSTMNet, import_dgl

__all__ = ["Hierarchy", "TreeLSTMRegressor"]


def _check_nested(frame):
    """Raise if the DataFrame of levels is a grouped structure (crossed levels), not a tree."""
    columns = list(frame.columns)
    for above, below in zip(columns, columns[1:]):
        parents = frame.astype(str).groupby(below, sort=False)[above].unique()
        crossed = parents[parents.map(len) > 1]
        if len(crossed):
            name, owners = crossed.index[0], list(crossed.iloc[0])
            raise ValueError(
                f"hierarchy: {below} {name!r} appears under {owners[0]!r} and "
                f"{owners[1]!r} of {above!r}: the levels cross, which makes a grouped "
                "structure, not a tree. TreeLSTMRegressor needs a tree, every node "
                f"under one parent: nest the names (e.g. '{owners[0]}/{name}'), so that "
                "each level splits the one above it.")


def _is_lag(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


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
    skip : bool, default=False
        Give every forecast node that has children (and a root alone) a
        linear skip connection from its own window to its forecast, added to
        its head's output (``skip_steps`` of
        :class:`~sklstm.nn.tree.TreeLSTMNet`; shared as the heads are). It
        starts at zero and trains with the network; after training, each
        skip is refitted by least squares to its nodes' remaining training
        error (ridge on their own model-unit windows), which leaves the
        heads, the states and every other node's forecast as trained. It was
        the default before the seasonal baseline (``season_length``), which
        now gives the forecast the seasonal naive path it provided; on real
        hierarchies it made every level worse (see Notes). With
        ``coherent=True`` only leaves are forecast, so there is no skip.
    level_weights : {"uniform", "balanced"}, default="uniform"
        How the forecast nodes weigh in the training loss (mean squared error
        on each node's standardised target). ``"uniform"``: every node the
        same, so a level of many nodes (the products) dominates and the root
        counts ``1 / n_nodes``. ``"balanced"``: every level (depth) the
        same, shared among its nodes, as the mean over levels that
        hierarchical forecasts are scored by. With ``quantiles`` the pinball
        loss is weighted by the square root of these weights.
    season_length : "auto", None or int >= 1, default="auto"
        The seasonal naive baseline that the network corrects: node ``j``'s
        forecast is its value ``m`` steps before the target (``m *
        ceil(s / m)`` before, at step ``s`` of a horizon) plus the
        network's output, which is trained on each node's target minus that
        baseline, standardised per node. ``m = 1`` is the last value.
        ``"auto"`` decides in ``fit``: the lag ``m`` (1 to the window
        length) whose naive forecast has the smallest training error, each
        target column's mean absolute error divided by its mean absolute
        deviation; no baseline when no lag beats the targets' means (the
        target is not the window's series). ``None``: no baseline. The lag
        in use is ``season_length_``. An int larger than the window raises
        ``ValueError``.
    heads : {"level", "node", "shared"}, default="level"
        Which forecast nodes share an output head (and a skip): ``"level"``,
        the nodes of one depth; ``"node"``, none (a head per node);
        ``"shared"``, all. Node targets are standardised per node, so a
        shared head compares like with like, and trains on every node of
        its level at every time step rather than one node's ``n_samples``
        targets.
    **common
        The parameters of :class:`~sklstm.base.SequenceRegressor`
        (``hidden_size`` sizes the encoder and the tree cells, ``num_layers``
        the encoder), with ``max_epochs=100`` by default: every sample is a
        whole hierarchy, and past that the network fits the noise of short
        series (see Notes). One model learns every node's series, so
        ``lr="auto"`` and ``weight_decay="auto"`` take a panel's step,
        ``lr=0.001`` with ``weight_decay=0.001`` (one node alone: ``0.01``
        and ``0``). ``window_norm="auto"`` is
        ``"mean"`` with a seasonal baseline of ``m > 1`` steps, ``"last"``
        with ``m = 1``, and without a baseline the base class's rule. With
        ``window_norm``, each node channel is normalised
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
    season_length_ : int
        The seasonal naive baseline's lag in use, 0 for none.
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

    The defaults were chosen on real hierarchies, which are short
    (quarterly or monthly, 40 to 200 periods): a sample is a whole
    hierarchy, so the network sees only ``n_samples`` of them. Measured one
    step ahead over the last 8 quarters of a tourism hierarchy (total -> 6
    states -> 20 regions, 60 training windows of 8 quarters; mean over
    levels of the MASE, seeds 0 and 1), each change added to the previous
    ones: the former defaults 1.81 (the seasonal naive forecast 0.985); a
    seasonal baseline 1.77; heads per level 1.61; windows relative to
    their mean 1.25; 20 epochs instead of 200 to a plateau 0.96; no skip
    0.86; ``direction="both"`` 0.79. On the prison hierarchy (57 nodes,
    32 training windows): former defaults 0.83, the same changes 0.54;
    heads per node instead of per level 0.68; 200 epochs 0.91-0.95. The
    step of a panel's global model (``lr=0.001``, ``weight_decay=0.001``)
    for 100 epochs instead of ``lr=0.01`` for 20 then moved the mean over
    levels (seeds 0-2) from 0.504 to 0.478 on us_employment, 0.555 to
    0.524 on prison and 0.817 to 0.816 on tourism; at 200 epochs it overfit
    prison (0.71). The
    pages of the user guide hold the tables, over three seeds and beside
    ETS with reconciliation and a reconciled global LSTM.

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
    _decodes_future = False    # nor for a known-future marker
    _variant_params = {"hierarchy": None, "cell": "childsum", "direction": "both",
                       "coherent": False, "skip": False, "level_weights": "uniform",
                       "season_length": "auto", "heads": "level", "max_epochs": 100}
    _parameter_constraints = {
        "hierarchy": Options([None], extra=_is_hierarchy_like,
                             extra_text="a parent array, a DataFrame of levels or a "
                                        "Hierarchy"),
        "cell": Options(["childsum", "nary"]),
        "direction": Options(["up", "both"]),
        "coherent": Options([True, False]),
        "skip": Options([True, False]),
        "level_weights": Options(["balanced", "uniform"]),
        "season_length": Options(["auto", None], extra=_is_lag, extra_text="an int >= 1"),
        "heads": Options(["node", "level", "shared"]),
    }

    # ---------------------------------------------------------------- hooks

    def _learns_several_series(self, X):
        """Every node is a series of one global model: the panel step, unless one node."""
        return X.shape[2] > 1

    def _prepare_fit(self, X, y):
        """Need DGL; resolve the tree and how target columns map to nodes and steps."""
        import_dgl()
        n_nodes = X.shape[2]
        if isinstance(self.hierarchy, pd.DataFrame):
            _check_nested(self.hierarchy)
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
        self._column_weights = self._output_weights(h).repeat(self.horizon_)
        target_nodes = np.array([h.root]) if root_only else np.arange(n_nodes)
        self._column_nodes = np.repeat(target_nodes, self.horizon_)
        # target column of each model output (the target's columns are node-major)
        self._model_columns = np.arange(1) if root_only else (
            self.horizon_ * self._output_nodes[:, np.newaxis]
            + np.arange(self.horizon_)).ravel()
        self.season_length_ = self._resolve_season(X, y)
        super()._prepare_fit(X, y)

    def _build_module(self, input_shape, n_outputs):
        # n_outputs is horizon values (times quantile levels) per output node
        per_node = n_outputs // len(self._output_nodes)
        module = TreeLSTMNet(
            self.hierarchy_, self.hidden_size, per_node,
            output_nodes=self._output_nodes, cell=self.cell, direction=self.direction,
            num_layers=self.num_layers, dropout=self.dropout,
            skip_steps=input_shape[0] if self.skip else 0,
            skip_nodes=self._skip_nodes(), head_groups=self._head_groups(),
        )
        return module

    def _resolve_window_norm(self, X, y):
        """``"auto"``: from the seasonal baseline, else each node's persistence against its mean.

        With a seasonal baseline of ``m > 1`` steps, ``"mean"`` (the window's
        level, seasons averaged out); with ``m = 1``, ``"last"`` (the
        baseline itself); with none, ``"last"`` where each node's last value
        forecasts its target better than the target's mean, else ``None``.
        """
        if self.window_norm != "auto":
            return self.window_norm
        if self.season_length_:
            return "mean" if self.season_length_ > 1 else "last"
        last = X[:, -1, :][:, self._column_nodes].astype(np.float64)      # (n, n_outputs)
        return choose_window_norm(last, y)

    def _normalized_channels(self, n_channels):
        """Every channel is a node's series, and a target: ``window_norm`` applies to all."""
        return np.ones(n_channels, dtype=bool)

    def _target_stats(self, loc, scale):
        """Each target column's window location and scale, ``(n_samples, n_outputs)``."""
        return loc[:, self._column_nodes], scale[:, self._column_nodes]

    def _model_inputs(self, X, fit=False):
        """The base's model inputs; with a season, each target column's baseline as its location.

        The baseline of node ``j`` at step ``s`` is its value ``m * ceil(s / m)``
        steps before the target (``m`` = ``season_length_``): the seasonal
        naive forecast. The network then learns each node's correction of it,
        scaled as the window normalisation scales it (1 unless
        ``window_norm="standard"``).
        """
        X_model, stats = super()._model_inputs(X, fit)
        m = self.season_length_
        if not m:
            return X_model, stats
        n_cols = len(self._column_nodes)
        loc = X[:, self._baseline_steps(X.shape[1]),
                self._column_nodes].astype(np.float64)                  # (n, n_outputs)
        scale = np.ones((len(X), n_cols)) if stats is None else stats[1]
        return X_model, (loc, scale)

    def _start_fit(self, X, y, sample_weight=None):
        """The base's setup; the training rows are kept until ``_after_fit`` refits the skip."""
        X, target, calibration = super()._start_fit(X, y, sample_weight)
        self._fit_rows = (X, target)
        return X, target, calibration

    def _after_fit(self):
        """After ``fit`` (and a first ``partial_fit``): refit the skip by least squares."""
        rows = self.__dict__.pop("_fit_rows", None)
        if rows is not None:
            self._refit_skip(*rows)

    def _to_window_units(self, y, stats):
        """Node-wise window units: each node's targets relative to its own window."""
        loc, scale = stats
        return (y - loc) / scale

    def _encode_target(self, y, stats, fit=False, sample_weight=None, own=False):
        """Node-wise window units, standardised; the model's columns only."""
        y = super()._encode_target(y, stats, fit=fit, sample_weight=sample_weight, own=own)
        return y[:, self._model_columns] * np.sqrt(self._column_weights)

    def _refit_skip(self, X, target):
        r"""Set each skip to the least-squares fit of its node's residual, in model units.

        The network trained its heads and skips together; this replaces each
        skip's weights :math:`A_j` with the ridge regression (penalty 1 on
        standardised windows of hundreds of rows, a guard against collinear
        lags) of the node's training residual without its skip,
        :math:`y_j - \text{head}_j`, on its own window: the best linear
        correction of the trained network, which can only lower each skip
        node's training error. Heads and states are left as trained, so the
        other nodes' forecasts do not change. ``X`` holds the validated
        training rows, ``target`` their model-unit targets (followed by a
        weight column when the loss is weighted).
        """
        module = self.net_.module_
        if isinstance(module, QuantileHead):
            module, median = module.body, module.median_index
            n_levels = module.horizon // self.horizon_
        else:
            median, n_levels = 0, 1
        if not getattr(module, "skip_steps", None) or X.ndim != 3:   # poisson: a log link
            return
        nodes = self._skip_nodes()
        n_model = self._n_model_outputs(target)
        weight = target[:, n_model] if n_model < target.shape[1] else np.ones(len(target))
        y = target[:, :n_model]
        windows = np.concatenate([
            self._model_inputs(gather(X, rows))[0][:, :, nodes]
            for rows in row_chunks(len(X), chunk_rows(X.shape[1:]))]).astype(np.float64)
        outputs = self._median(self._outputs_in_chunks(X)[0])           # (n, n_model)
        skip = module.skip_weight.detach().cpu().numpy().astype(np.float64)
        skip = skip[:, :, median::n_levels]                              # (G', T, horizon)
        groups = module.skip_groups.cpu().numpy()                        # (K',)
        T = X.shape[1]
        refit = np.empty_like(skip)
        positions = np.flatnonzero(np.isin(self._output_nodes, nodes))
        for g in range(len(skip)):
            rows, targets, weights = [], [], []
            for k in np.flatnonzero(groups == g):
                position = positions[k]
                columns = np.s_[position * self.horizon_:(position + 1) * self.horizon_]
                window = windows[:, T - skip.shape[1]:, k]               # (n, L)
                residual = y[:, columns] - outputs[:, columns] + window @ skip[g]
                keep = (weight > 0) & np.isfinite(residual).all(axis=1)
                rows.append(window[keep])
                targets.append(residual[keep])
                weights.append(weight[keep])
            window, residual = np.concatenate(rows), np.concatenate(targets)
            w = np.concatenate(weights)[:, np.newaxis]
            gram = window.T @ (w * window) + np.eye(window.shape[1])
            refit[g] = np.linalg.solve(gram, window.T @ (w * residual))
        with torch.no_grad():
            module.skip_weight[:, :, median::n_levels] = torch.from_numpy(refit).to(
                module.skip_weight)

    def _decode_target(self, y, stats):
        """Model outputs back to original units; sum leaves up when coherent."""
        cols = self._model_columns
        y = y / np.sqrt(self._column_weights)
        y = y * self._y_scaler.scale_[cols]
        if self._y_scaler.with_mean:
            y = y + self._y_scaler.mean_[cols]
        if stats is not None:
            loc, scale = stats
            y = y * scale[:, cols] + loc[:, cols]
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

    def _pass_rows(self, chunk):
        """Samples per forward pass: about ``PREDICT_CHUNK`` *node windows*.

        As in :meth:`SequenceRegressor._run_chunk <sklstm.base.SequenceRegressor._run_chunk>`,
        every pass has one shape, so a sample's forecast does not depend on
        the samples predicted with it; but a sample here is ``n_nodes``
        windows, so a pass holds ``max(1, PREDICT_CHUNK // n_nodes)`` samples
        rather than ``PREDICT_CHUNK``: one forecast origin of a 3,000-node
        tree is one pass over its 3,000 windows, not over 256 padded copies
        of them.
        """
        return max(1, PREDICT_CHUNK // chunk.shape[2])

    # ------------------------------------------------------------ internals

    def _skip_nodes(self):
        """The output nodes with a linear skip: the aggregates (a root alone has one too)."""
        nodes = self._output_nodes
        if self.hierarchy_.n_nodes == 1:
            return nodes
        return nodes[~np.isin(nodes, self.hierarchy_.leaves)]

    def _output_weights(self, h):
        """Loss weight of each output node, mean 1: see ``level_weights``."""
        nodes = self._output_nodes
        if self.level_weights == "uniform" or len(nodes) == 1:
            return np.ones(len(nodes))
        depth = h.depths[nodes]
        levels, counts = np.unique(depth, return_counts=True)
        per_node = 1.0 / counts[np.searchsorted(levels, depth)]      # 1 / nodes at its level
        return per_node / per_node.mean()

    def _baseline_steps(self, T):
        """Window index of each target column's seasonal naive value, ``(n_outputs,)``."""
        m = self.season_length_
        step = np.tile(np.arange(1, self.horizon_ + 1), len(self._column_nodes) // self.horizon_)
        return T - 1 + step - m * np.ceil(step / m).astype(np.int64)

    def _resolve_season(self, X, y):
        """``season_length`` with ``"auto"`` decided on the training data.

        Each lag ``m`` from 1 to the window length gives a seasonal naive
        forecast of every target column; its error is the mean absolute
        error over the columns, each divided by the column's mean absolute
        deviation from its training mean. The lag of the smallest error
        wins, unless no lag beats each column's training mean (the target
        does not behave like the window's series): then no baseline (0).
        """
        if self.season_length != "auto":
            m = self.season_length or 0
            if m > X.shape[1]:
                raise ValueError(
                    f"season_length={m} but the windows have {X.shape[1]} time steps; "
                    f"the seasonal naive baseline reads the value {m} steps before the "
                    f"target. Use windows of at least {m} steps, or a smaller "
                    "season_length.")
            return m
        T = X.shape[1]
        y = np.asarray(y, dtype=np.float64)
        spread = np.abs(y - y.mean(axis=0)).mean(axis=0)                 # (n_outputs,)
        spread = np.where(spread > 0, spread, 1.0)
        best, best_error = 0, 1.0
        for m in range(1, T + 1):
            self.season_length_ = m
            steps = self._baseline_steps(T)
            naive = np.stack([X[:, t, j] for t, j in zip(steps, self._column_nodes)],
                             axis=1).astype(np.float64)
            error = (np.abs(y - naive).mean(axis=0) / spread).mean()
            if error < best_error - 1e-12:
                best, best_error = m, error
        return best

    def _head_groups(self):
        """Which output nodes share a head and a skip: see ``heads``."""
        nodes = self._output_nodes
        if self.heads == "node":
            return np.arange(len(nodes))
        if self.heads == "shared":
            return np.zeros(len(nodes), dtype=np.int64)
        return np.unique(self.hierarchy_.depths[nodes], return_inverse=True)[1].ravel()
