"""Export a fitted sklstm regressor to ONNX, preprocessing and target scaling included.

:func:`to_onnx` wraps the trained torch module in a small module that does, in
torch, everything ``predict`` does around the network, and exports that:

1. the raw windows are reshaped to the layout the network reads (for example a
   ConvLSTM's ``(n_timesteps, n_features)`` sequences become frames of a 1x1
   grid);
2. with a window normalisation (the fitted ``window_norm_``), each window is
   normalised by its own statistics (the formulas of
   :mod:`sklstm._window_norm`, in float64 as there);
3. each input channel is standardised with its training mean and standard
   deviation (constants of the graph);
4. the network runs (a quantized model's integer network, in the traceable
   form that its ``exportable()`` method gives);
5. the target's standardisation is undone (the fitted ``StandardScaler``'s
   ``mean_`` and ``scale_`` are constants of the graph) and, with a window
   normalisation and a ``target_channel``, the target is mapped back from
   window units with that channel's statistics;
6. the result is shaped as ``predict`` shapes it.

So the ONNX model reads the same windows as ``predict`` and returns the same
numbers, in the target's original units, and needs nothing else at inference
time. Windowing a raw series (:class:`~sklstm.Windower`) is not part of the
graph: see :func:`to_onnx` for what the caller does.

ONNX support is an optional extra: ``pip install -c constraints.txt "sklstm[export]"``.
"""

import contextlib
import copy
import io
import os
import warnings

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ._validation import Interval, Options, check_args
from .base import SequenceRegressor

__all__ = ["to_onnx"]

#: The ONNX opset used unless ``opset`` is given: the lowest that both torch
#: exporters support (the dynamo exporter needs 18), and that every
#: onnxruntime allowed by the ``export`` extra runs.
DEFAULT_OPSET = 18

#: Batch size of the example traced when the batch axis is dynamic. Not 1, so
#: that no exporter can specialise a size-1 batch axis away.
_TRACE_BATCH = 2

_EXTRA = 'pip install -c constraints.txt "sklstm[export]"'

# Warnings raised while exporting sklstm's modules, none of which concerns the
# exported graph: the TorchScript exporter's deprecation notices (it is chosen
# on purpose, see to_onnx), nn.LSTM's own shape checks seen by the tracer, and a
# caution about LSTM initial states that does not apply (the zero initial state
# is built from the input's batch size, which stays dynamic).
_TORCHSCRIPT_NOISE = [
    dict(category=DeprecationWarning, message=".*legacy TorchScript-based ONNX export"),
    dict(category=DeprecationWarning, message="The feature will be removed",
         module=r"torch\.onnx"),
    dict(category=torch.jit.TracerWarning, module=r"torch\.nn\.modules\.rnn"),
    dict(category=UserWarning,
         message="Exporting a model to ONNX with a batch_size other than 1"),
    # sklstm's own modules convert only constant buffers (packed weight shapes,
    # calibrated activation ranges) to Python values, so these traces are exact
    dict(category=torch.jit.TracerWarning, module=r"sklstm\.nn(\.|$)",
         message="Converting a tensor to a Python"),
]
# The dynamo exporter's notices about torch internals.
_DYNAMO_NOISE = [
    dict(category=FutureWarning),
    dict(category=UserWarning, message="The tensor attributes .*_flat_weights"),
]


# --------------------------------------------------------------------------
# torch versions of the window-normalisation formulas
# --------------------------------------------------------------------------


def _window_stats(x, mode):
    """Torch twin of :func:`sklstm._window_norm.window_stats` (same dtype as ``x``).

    ``x`` is ``(N, T, C, *spatial)``; returns ``loc, scale`` of shape ``(N, C)``.
    """
    spatial = tuple(range(3, x.ndim))
    if mode in ("last", "relative"):
        last = x[:, -1]                                           # (N, C, *spatial)
        loc = last.mean(dim=tuple(a - 1 for a in spatial)) if spatial else last
    else:
        loc = x.mean(dim=(1,) + spatial)                          # (N, C)
    if mode in ("relative", "level"):
        scale = x.abs().mean(dim=(1,) + spatial)                  # mean absolute value
        scale = torch.where(scale > 1e-12, scale, torch.ones_like(scale))
        return (torch.zeros_like(loc) if mode == "level" else loc), scale
    if mode != "standard":
        return loc, torch.ones_like(loc)
    centred = x - loc.reshape(_stat_shape(x))
    scale = (centred * centred).mean(dim=(1,) + spatial).sqrt()   # population std
    # a (near-)constant window gets its level's size (1 at level 0), as in window_stats
    flat = scale <= 1e-6 * torch.clamp(loc.abs(), min=1.0)
    level = torch.where(loc == 0, torch.ones_like(loc), loc.abs())
    return loc, torch.where(flat, level, scale)


def _stat_shape(x):
    """Shape that broadcasts ``(N, C)`` statistics over ``x`` of shape (N, T, C, ...)."""
    return (-1, 1, x.shape[2]) + (1,) * (x.ndim - 3)


class _PredictGraph(nn.Module):
    """``predict`` of a fitted regressor as one torch module (what gets exported).

    Inputs: x
        Raw windows ``(N, *sequence_shape)``, float32.

    Outputs: y[, y_quantiles][, y_interval]
        Predictions ``(N, *prediction_shape)`` in target units, float32; for
        a model with a quantile head also its quantiles
        ``(N, *prediction_shape, n_quantiles)``; with an interval plan
        (``interval=(low, high, margin)``, see
        ``SequenceRegressor._interval_plan``) also the interval
        ``(N, *prediction_shape, 2)``.
    """

    def __init__(self, module, *, model_shape, prediction_shape, x_loc, x_scale, y_mean,
                 y_scale, window_norm, target_channel, normalized=None, median_index=None,
                 with_quantiles=False, interval=None, spread_channel=None, spread_floor=1.0,
                 n_history=None):
        super().__init__()
        self.module = module
        # known-future steps (sklstm._future): statistics of the first n_history
        # steps, without the marker; what is not known ahead (NaN) is zero-filled
        self.n_history = n_history
        self.model_shape = tuple(int(s) for s in model_shape)
        self.prediction_shape = tuple(int(s) for s in prediction_shape)
        self.window_norm = window_norm
        self.target_channel = target_channel
        # channels window_norm leaves alone get location 0 and scale 1
        kept = None if normalized is None or all(normalized) else ~np.asarray(normalized)
        self.register_buffer("kept", None if kept is None else torch.as_tensor(kept))
        self.median_index = median_index
        self.with_quantiles = with_quantiles
        channels = (1, 1, len(x_loc)) + (1,) * (len(self.model_shape) - 2)
        self.register_buffer("x_loc", torch.as_tensor(x_loc, dtype=torch.float64)
                             .reshape(channels))
        self.register_buffer("x_scale", torch.as_tensor(x_scale, dtype=torch.float64)
                             .reshape(channels))
        self.register_buffer("y_mean", torch.as_tensor(y_mean, dtype=torch.float64))
        self.register_buffer("y_scale", torch.as_tensor(y_scale, dtype=torch.float64))
        self.interval = interval is not None
        self.spread_channel = spread_channel
        self.spread_floor = float(spread_floor)
        if interval is not None:
            low, high, margin = interval
            self.low, self.high = low, high
            self.register_buffer("margin", torch.as_tensor(margin, dtype=torch.float64))

    def forward(self, x):
        spread = None
        if self.interval and self.spread_channel is not None:     # conformal="scaled"
            seen = x if self.n_history is None else x[:, :self.n_history]   # the history
            window = seen[:, :, self.spread_channel].double()             # (N, T)
            centred = window - window.mean(dim=1, keepdim=True)
            spread = torch.clamp((centred * centred).mean(dim=1, keepdim=True).sqrt(),
                                 min=self.spread_floor)                   # (N, 1)
        x = x.reshape((-1,) + self.model_shape)                   # (N, T, C, ...)
        target_stats = None
        if self.window_norm is not None:
            x64 = x.double()
            past = x64 if self.n_history is None else x64[:, :self.n_history, :-1]
            loc, scale = _window_stats(past, self.window_norm)    # (N, C) each
            if self.n_history is not None:                        # the marker: as it is
                loc = torch.cat([loc, torch.zeros_like(loc[:, :1])], dim=1)
                scale = torch.cat([scale, torch.ones_like(scale[:, :1])], dim=1)
            if self.kept is not None:
                loc = torch.where(self.kept, torch.zeros_like(loc), loc)
                scale = torch.where(self.kept, torch.ones_like(scale), scale)
            x64 = (x64 - loc.reshape(_stat_shape(x64))) / scale.reshape(_stat_shape(x64))
            x = x64.float()
            if self.target_channel is not None:
                target_stats = (loc[:, self.target_channel:self.target_channel + 1],
                                scale[:, self.target_channel:self.target_channel + 1])
        # training channel standardisation, in float64 as in predict
        x = ((x.double() - self.x_loc) / self.x_scale).float()
        if self.n_history is not None:
            x = torch.where(torch.isnan(x), torch.zeros_like(x), x)
        raw = self.module(x).double()                 # (N, n_outputs[, n_quantiles])

        def decode(y):                                # (N, n_outputs) model units
            y = y * self.y_scale + self.y_mean
            if target_stats is not None:
                loc, scale = target_stats                         # (N, 1) each
                y = y * scale + loc
            return y.float().reshape((-1,) + self.prediction_shape)

        outputs = [decode(raw if self.median_index is None
                          else raw[..., self.median_index])]
        if self.with_quantiles:
            outputs.append(torch.stack([decode(raw[..., k]) for k in range(raw.shape[-1])],
                                       dim=-1))
        if self.interval:
            lower = raw if self.low is None else raw[..., self.low]
            upper = raw if self.high is None else raw[..., self.high]
            margin = self.margin if spread is None else self.margin * spread   # (N, O)
            margin = torch.maximum(margin, (lower - upper) / 2)
            outputs.append(torch.stack([decode(lower - margin), decode(upper + margin)],
                                       dim=-1))
        return outputs[0] if len(outputs) == 1 else tuple(outputs)


# --------------------------------------------------------------------------
# public function
# --------------------------------------------------------------------------


def to_onnx(estimator, path, *, opset=None, dynamic_batch=True, batch_size=None,
            dynamo=False, input_name="X", output_name="y", coverage=None):
    """Export a fitted sklstm regressor, with its scaling, to an ONNX model.

    The graph reads raw float32 windows, exactly what ``estimator.predict``
    reads, and returns predictions in the target's original units: input
    reshaping, per-window normalisation (``window_norm``), the network, the
    inverse target standardisation and the mapping back from window units all
    run inside it.

    Parameters
    ----------
    estimator : SequenceRegressor
        A fitted sklstm regressor, such as :class:`~sklstm.LSTMRegressor`.
        Not a ``Pipeline``: pass its last step, ``pipe[-1]`` (see Notes for
        the windowing). A class that sets ``_onnx_exportable = False``
        cannot be exported: :class:`~sklstm.TreeLSTMRegressor`, whose forward
        pass is DGL message passing over a graph, which ONNX cannot express.
    path : str, path-like or None
        Where to write the ``.onnx`` file; ``None`` writes nothing and only
        returns the model.
    opset : int, optional
        ONNX opset version; defaults to 18, which both exporters support.
    dynamic_batch : bool, default=True
        Leave the batch axis of the input and the output dynamic (named
        ``"batch"``). ``False`` fixes it to ``batch_size``, for runtimes that
        want static shapes.
    batch_size : int, optional
        The fixed batch size when ``dynamic_batch=False`` (default 1). Only
        valid with ``dynamic_batch=False``.
    dynamo : bool, default=False
        Use torch's ``torch.export``-based exporter (needs ``onnxscript``)
        instead of the TorchScript one. The TorchScript exporter is the
        default because for sklstm's modules it is much faster, gives
        byte-identical files for identical models and maps ``nn.LSTM`` /
        ``nn.GRU`` to ONNX's ``LSTM`` / ``GRU`` operators; torch has
        deprecated it, so ``dynamo=True`` is the way forward where it is
        removed. Both give the same predictions.
    input_name, output_name : str, default="X", "y"
        Names of the graph's input and (point forecast) output.
    coverage : float in (0, 1), optional
        Also output the central prediction interval with this nominal
        coverage, as ``estimator.predict_interval(X, coverage)`` gives it
        (the conformal margin or the quantile pair is fixed in the graph),
        named ``output_name + "_interval"``. The estimator must give
        intervals (``conformal=True`` or a matching ``quantiles``).

    Returns
    -------
    model : onnx.ModelProto
        The exported model (also written to ``path`` unless it is ``None``).
        Its ``metadata_props`` record the estimator class, the sklstm version
        and the input shape. Input ``input_name``: float32 of shape
        ``(batch, *sequence_shape)``. Output ``output_name``: float32 in the
        shape ``predict`` returns, ``(batch,)`` for a model fitted on a 1-D
        ``y``, ``(batch, n_outputs)`` for a 2-D ``y``, and frames
        ``(batch, [channels,] height, width)`` for a ConvLSTM fitted on frame
        targets. A model fitted with ``quantiles`` (and not ``conformal``)
        has a second output,
        ``output_name + "_quantiles"``, what ``predict_quantiles`` returns
        (``quantiles_`` on the last axis); with ``coverage``, the interval
        ``output_name + "_interval"`` comes last, lower and upper bound on
        its last axis.

    Raises
    ------
    TypeError
        If ``estimator`` is not an sklstm regressor (a ``Pipeline`` gets a
        message saying what to pass instead), or its class declares
        ``_onnx_exportable = False``.
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    ValueError
        If an argument is invalid, or the exported computation would not
        reproduce ``predict`` (a subclass that changes how inputs are
        prepared or targets decoded).
    ImportError
        If ``onnx`` (or, with ``dynamo=True``, ``onnxscript``) is missing.

    See Also
    --------
    sklstm.Windower : builds the windows the exported model reads.

    Notes
    -----
    **Input shape.** ``sequence_shape`` is one sample's shape as ``fit`` saw
    it after validation: ``(n_timesteps, n_features)``, or a ConvLSTM's
    ``(n_timesteps, height, width)`` / ``(n_timesteps, channels, height,
    width)``. A model fitted on 2-D ``X`` (one univariate series per row)
    reads ``(batch, n_timesteps, 1)``: pass ``X[:, :, np.newaxis]``. Cast
    inputs to float32, as ``predict`` does.

    **Windowing.** A ``Pipeline([("win", Windower(...)), ("m", regressor)])``
    is exported as its regressor, ``to_onnx(pipe[-1], path)``; the caller
    keeps the windowing: ``windows = pipe[:-1].transform(series)`` (or the
    fitted Windower's ``transform``) gives ``(n_rows, window, n_features)``,
    and ``windows.astype(np.float32)`` is the graph's input. The first
    ``window - 1`` rows are padded as the Windower's ``padding`` says; to
    forecast from the latest data alone, feed only the last window,
    ``windows[-1:]``.

    **Precision.** Window statistics and the target mapping run in float64,
    the network in float32, as in ``predict``. ONNX runtimes sum in their own
    order, so outputs agree with ``predict`` to float32 rounding (about 1e-6
    relative), not bit for bit.

    Before exporting, the wrapped computation is run in torch on a few random
    windows and compared with ``estimator.predict``; a mismatch raises
    ``ValueError`` instead of writing a model that predicts something else.

    Examples
    --------
    >>> import numpy as np
    >>> from sklstm import LSTMRegressor
    >>> from sklstm.export import to_onnx
    >>> X = np.random.RandomState(0).normal(size=(64, 12, 2)).astype(np.float32)
    >>> reg = LSTMRegressor(hidden_size=8, max_epochs=3, random_state=0)
    >>> reg = reg.fit(X, X[:, -1, 0])
    >>> model = to_onnx(reg, "lstm.onnx")                 # doctest: +SKIP
    >>> import onnxruntime                                 # doctest: +SKIP
    >>> session = onnxruntime.InferenceSession("lstm.onnx")  # doctest: +SKIP
    >>> session.run(None, {"X": X[:5]})[0].shape           # doctest: +SKIP
    (5,)
    """
    _check_exportable(estimator)
    check_is_fitted(estimator)
    opset = DEFAULT_OPSET if opset is None else opset
    batch = _check_options(opset, dynamic_batch, batch_size, dynamo, input_name,
                           output_name, path)
    if coverage is not None:
        check_args("to_onnx", coverage=(coverage, Interval(float, 0, 1, closed="neither")))
    onnx = _import_onnx(dynamo)

    graph = _predict_graph(estimator, coverage)
    output_names = [output_name]
    if _exports_quantiles(estimator):
        output_names.append(f"{output_name}_quantiles")
    if coverage is not None:
        output_names.append(f"{output_name}_interval")
    sequence_shape = tuple(int(s) for s in estimator._sequence_shape)
    example = torch.zeros((batch,) + sequence_shape, dtype=torch.float32)
    with torch.no_grad(), _quiet(_DYNAMO_NOISE if dynamo else _TORCHSCRIPT_NOISE):
        if dynamo:
            model = _export_dynamo(graph, example, opset, dynamic_batch, input_name,
                                   output_names)
        else:
            model = _export_torchscript(onnx, graph, example, opset, dynamic_batch,
                                        input_name, output_names)

    batch_text = "batch" if dynamic_batch else str(batch)
    onnx.helper.set_model_props(model, {
        "sklstm.estimator": type(estimator).__name__,
        "sklstm.version": _sklstm_version(),
        "sklstm.input_shape": f"({batch_text}, {', '.join(map(str, sequence_shape))})",
        "sklstm.window_norm": str(estimator.window_norm_),
        "sklstm.quantiles": str(estimator.quantiles_),
        "sklstm.coverage": str(coverage),
    })
    onnx.checker.check_model(model)
    if path is not None:
        onnx.save(model, os.fspath(path))
    return model


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def _check_exportable(estimator):
    from sklearn.pipeline import Pipeline

    if isinstance(estimator, Pipeline):
        last = estimator.steps[-1][1] if estimator.steps else None
        raise TypeError(
            "to_onnx exports a single sklstm regressor, not a Pipeline. Pass the "
            f"model step, to_onnx(pipe[-1], path) (here a {type(last).__name__}), "
            "and apply the pipeline's Windower yourself before inference: "
            "pipe[:-1].transform(X).astype(np.float32) is the exported model's input."
        )
    if not isinstance(estimator, SequenceRegressor):
        raise TypeError(
            "to_onnx exports a fitted sklstm regressor (a SequenceRegressor such as "
            f"LSTMRegressor), got {type(estimator).__name__}. Pass a regressor from "
            "sklstm; for a fitted search, pass its best_estimator_ (or its last step "
            "when that is a Pipeline)."
        )
    name = type(estimator).__name__
    if not estimator._onnx_exportable:
        raise TypeError(
            f"{name} cannot be exported to ONNX: it declares _onnx_exportable = False, "
            "because its forward pass has no ONNX form (the Tree-LSTM runs message "
            "passing over a DGL graph built per batch). Keep it in Python (pickle or "
            "joblib.dump the fitted estimator), or export one of the sequence "
            "regressors instead."
        )
    if getattr(estimator, "missing", "raise") == "mask":
        raise ValueError(
            f"{name} was fitted with missing='mask', which to_onnx cannot export yet: "
            "the graph would need NaN-aware window statistics. Fill the gaps before "
            "the model (for example with SimpleImputer) and fit with missing='raise' "
            "to export it.")


def _is_name(value):
    return isinstance(value, str) and bool(value)


def _check_options(opset, dynamic_batch, batch_size, dynamo, input_name, output_name,
                   path):
    """Check to_onnx's arguments; return the batch size to trace with."""
    check_args(
        "to_onnx",
        opset=(opset, Interval(int, DEFAULT_OPSET,
                               reason=f"leave it as None for opset {DEFAULT_OPSET}")),
        dynamic_batch=(dynamic_batch, Options([True, False])),
        dynamo=(dynamo, Options([True, False])),
        batch_size=(batch_size, Interval(int, 1, allow_none=True)),
        input_name=(input_name, Options([], extra=_is_name, extra_text="a non-empty str")),
        output_name=(output_name, Options([], extra=_is_name, extra_text="a non-empty str")),
    )
    if batch_size is not None:
        if dynamic_batch:
            raise ValueError(
                f"batch_size={batch_size!r} fixes the batch axis, but dynamic_batch=True "
                "leaves it free. Pass dynamic_batch=False with batch_size, or drop "
                "batch_size.")
    if input_name == output_name:
        raise ValueError(
            f"input_name and output_name must differ, both are {input_name!r}.")
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"path must be a str, a path-like object or None, got "
            f"{type(path).__name__}.")
    if dynamic_batch:
        return _TRACE_BATCH
    return 1 if batch_size is None else int(batch_size)


def _import_onnx(dynamo):
    try:
        import onnx
        if dynamo:
            import onnxscript  # noqa: F401  (the dynamo exporter needs it)
    except ImportError as error:
        raise ImportError(
            f"to_onnx needs the optional package {error.name or 'onnx'!r} "
            f"({error}). Install sklstm's export extra: {_EXTRA}"
        ) from error
    return onnx


def _predict_graph(estimator, coverage=None):
    """Wrap a copy of the fitted module with ``predict``'s pre- and post-processing.

    The layouts are read off the estimator's own methods (``_model_inputs`` for
    the network's input layout, ``predict`` for the output shape), then the
    wrapped computation is checked against ``predict`` (and
    ``predict_quantiles``, ``predict_interval``) on random windows.
    """
    sequence_shape = tuple(int(s) for s in estimator._sequence_shape)
    probe = np.random.RandomState(0).normal(size=(3,) + sequence_shape).astype(np.float32)
    layout = estimator._future_layout
    if layout is not None:                    # windows with known-future steps
        n_history, _, known = layout
        probe[:, :, -1] = np.arange(sequence_shape[0]) >= n_history         # the marker
        unknown = [c for c in range(sequence_shape[1] - 1) if c not in known]
        probe[:, n_history:, unknown] = np.nan
    model_inputs, _ = estimator._model_inputs(probe)
    expected = [np.asarray(estimator.predict(probe), dtype=np.float64)]
    levels = estimator.quantiles_
    if _exports_quantiles(estimator):
        expected.append(estimator.predict_quantiles(probe))
    if coverage is not None:
        expected.append(estimator.predict_interval(probe, coverage=coverage))
    scaler = estimator._y_scaler
    graph = _PredictGraph(
        _traceable_module(estimator),
        model_shape=model_inputs.shape[1:],
        prediction_shape=expected[0].shape[1:],
        x_loc=estimator._x_loc,
        x_scale=estimator._x_scale,
        y_mean=scaler.mean_ if scaler.with_mean else np.zeros_like(scaler.scale_),
        y_scale=scaler.scale_,
        window_norm=estimator.window_norm_,
        target_channel=estimator.target_channel,
        normalized=estimator._normalized_channels(model_inputs.shape[2]).tolist(),
        median_index=None if levels is None else levels.index(0.5),
        with_quantiles=_exports_quantiles(estimator),
        interval=None if coverage is None else estimator._interval_plan(coverage),
        **_spread_rule(estimator, sequence_shape),
        n_history=None if layout is None else layout[0],
    ).eval()
    with torch.no_grad():
        got = graph(torch.from_numpy(probe))
    got = [t.numpy().astype(np.float64) for t in (got if isinstance(got, tuple) else (got,))]
    for g, e in zip(got, expected):
        tolerance = 1e-4 * max(1.0, float(np.abs(e[np.isfinite(e)]).max(initial=0.0)))
        if g.shape != e.shape or not np.allclose(g, e, rtol=1e-4, atol=tolerance):
            difference = (np.abs(g - e).max() if g.shape == e.shape
                          else f"shape {g.shape} vs {e.shape}")
            raise ValueError(
                f"{type(estimator).__name__} cannot be exported faithfully: rebuilding "
                "its predict in torch (input layout, window_norm, target scaling) gives "
                f"different predictions (max difference {difference}). to_onnx supports "
                "regressors that prepare inputs and decode targets as SequenceRegressor "
                "does; a subclass that overrides predict, _model_inputs or "
                "_decode_target otherwise needs its own exporter."
            )
    return graph


def _spread_rule(estimator, sequence_shape):
    """Where the graph reads the per-window scale of scaled conformal scores."""
    if estimator._scales_scores() and len(sequence_shape) == 2:
        probe = np.zeros((1,) + tuple(sequence_shape), dtype=np.float32)
        if estimator._window_spread(probe) is not None:
            return {"spread_channel": estimator.target_channel,
                    "spread_floor": estimator._scale_floor}
    return {}


def _exports_quantiles(estimator):
    """Whether the graph outputs the trained quantiles (``predict_quantiles``).

    With ``conformal=True`` ``predict_quantiles`` gives calibrated levels, a
    different interval per level; the graph then outputs the interval for
    the ``coverage`` asked for instead.
    """
    return estimator.quantiles_ is not None and not estimator.conformal


def _traceable_module(estimator):
    """A CPU copy of the module ``predict`` runs, in eval mode, in a form exporters trace.

    A module whose forward pass reads values out of its tensors (the quantized
    model's integer network) offers ``exportable()``, an equivalent module
    that the exporters can trace; any other module is copied as it is.
    """
    module = estimator._inference_module()
    exportable = getattr(module, "exportable", None)
    module = exportable() if exportable is not None else copy.deepcopy(module)
    return module.cpu().eval()


def _export_torchscript(onnx, graph, example, opset, dynamic_batch, input_name,
                        output_names):
    buffer = io.BytesIO()
    dynamic_axes = ({name: {0: "batch"} for name in [input_name, *output_names]}
                    if dynamic_batch else None)
    torch.onnx.export(graph, (example,), buffer, dynamo=False, opset_version=int(opset),
                      input_names=[input_name], output_names=list(output_names),
                      dynamic_axes=dynamic_axes, do_constant_folding=True)
    return onnx.load_from_string(buffer.getvalue())


def _export_dynamo(graph, example, opset, dynamic_batch, input_name, output_names):
    dynamic_shapes = ({0: torch.export.Dim("batch")},) if dynamic_batch else None
    program = torch.onnx.export(graph, (example,), dynamo=True, opset_version=int(opset),
                                input_names=[input_name], output_names=list(output_names),
                                dynamic_shapes=dynamic_shapes, verbose=False)
    return program.model_proto


@contextlib.contextmanager
def _quiet(filters):
    """Ignore the warnings that match ``filters`` inside the block."""
    with warnings.catch_warnings():
        for spec in filters:
            warnings.filterwarnings("ignore", **spec)
        yield


def _sklstm_version():
    from ._version import __version__

    return __version__
