"""ONNX export: every exportable regressor's graph reproduces ``predict``."""

import inspect
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import Pipeline

import sklstm
from sklstm import ConvLSTMRegressor, LSTMRegressor, SequenceRegressor, Windower
from sklstm._window_norm import MODES, window_stats
from sklstm.export import _window_stats, to_onnx
from sklstm.nn.attention import SCORES
from sklstm.nn.quantized import WEIGHT_BITS

_EXTRA = "needs the `export` extra: pip install -c constraints.txt -e '.[export]'"
onnx = pytest.importorskip("onnx", reason=_EXTRA)
ort = pytest.importorskip("onnxruntime", reason=_EXTRA)

EXPORTABLE = sorted(
    (obj for name, obj in vars(sklstm).items()
     if name in sklstm.__all__ and inspect.isclass(obj)
     and issubclass(obj, SequenceRegressor) and obj is not SequenceRegressor
     and obj._onnx_exportable),
    key=lambda cls: cls.__name__,
)

# float32 graph against predict (float32 network, float64 scaling): a few float32
# ulps of the prediction, relative to its size (see assert_matches_predict)
RTOL = 1e-5

# Every exportable estimator over its documented parameter combinations:
# (id, class, parameters, data). Both exporters run on each.
CASES = [
    *[(f"lstm-window_norm={mode}", LSTMRegressor, dict(window_norm=mode), "series")
      for mode in ["auto", None, *MODES]],
    ("lstm-inputs-only-window-norm", LSTMRegressor,
     dict(window_norm="standard", target_channel=None), "series"),
    ("gru", sklstm.GRURegressor, {}, "series"),
    ("lstm-loss=poisson-skip", LSTMRegressor, dict(loss="poisson", skip=True), "series"),
    ("gru-loss=huber-skip-relative", sklstm.GRURegressor,
     dict(loss="huber", skip=True, window_norm="relative"), "series"),
    ("quantized-skip", sklstm.QuantizedLSTMRegressor,
     dict(skip=True, loss="absolute_error", window_norm="last"), "series"),
    ("bilstm", sklstm.BiLSTMRegressor, dict(window_norm="last"), "series"),
    ("stacked", sklstm.StackedLSTMRegressor, dict(window_norm="last"), "series"),
    ("peephole", sklstm.PeepholeLSTMRegressor, dict(window_norm="last"), "series"),
    ("cifg", sklstm.CIFGLSTMRegressor, {}, "series"),
    ("nested-depth=2", sklstm.NestedLSTMRegressor, dict(nesting_depth=2), "series"),
    ("highway", sklstm.HighwayLSTMRegressor, dict(window_norm="last"), "series"),
    *[(f"attention={score}", sklstm.AttentionLSTMRegressor, dict(attention=score),
       "series") for score in SCORES],
    *[(f"quantized-bits={bits}-activation_bits={abits}", sklstm.QuantizedLSTMRegressor,
       dict(bits=bits, activation_bits=abits, num_layers=2, activation_warmup=2,
            window_norm="last"), "series")
      for bits in WEIGHT_BITS for abits in [8, None]],
    ("convlstm-frame-target", ConvLSTMRegressor, dict(window_norm="standard"), "frames"),
    ("convlstm-flat-target", ConvLSTMRegressor, dict(window_norm="last"), "channel-frames"),
    ("convlstm-sequences", ConvLSTMRegressor, {}, "series"),
]


def small(cls, **params):
    """A tiny, quickly fitted instance of ``cls``."""
    names = cls().get_params()
    sizes = {"hidden_size": 4, "hidden_channels": 2}
    return cls(max_epochs=2, random_state=0,
               **{k: v for k, v in sizes.items() if k in names and k not in params},
               **params)


def run(model, X):
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    return session.run(None, {name: np.ascontiguousarray(X, dtype=np.float32)})[0]


def assert_float32_close(got, expected):
    # absolute slack: float32 ulps of the largest prediction (sums cancel)
    np.testing.assert_allclose(got, expected, rtol=RTOL,
                               atol=RTOL * max(1.0, float(np.abs(expected).max())))


def assert_matches_predict(model, estimator, X):
    expected = estimator.predict(X)
    got = run(model, X)
    assert got.shape == expected.shape
    assert_float32_close(got, expected)


@pytest.fixture(scope="module")
def series_xy():
    """Windows of a trending series with a level far from 0, and 2-step targets."""
    rng = np.random.RandomState(0)
    series = 50.0 + np.cumsum(rng.normal(size=(60, 2)), axis=0)
    X = np.stack([series[i:i + 6] for i in range(len(series) - 8)])    # (52, 6, 2)
    y = np.column_stack([series[i + 6:i + 8, 0] for i in range(len(series) - 8)]).T
    return X.astype(np.float32), y                                      # y: (52, 2)


def test_exportable_regressors_are_discovered():
    names = {cls.__name__ for cls in EXPORTABLE}
    assert {"LSTMRegressor", "GRURegressor", "BiLSTMRegressor", "StackedLSTMRegressor",
            "PeepholeLSTMRegressor", "CIFGLSTMRegressor", "NestedLSTMRegressor",
            "HighwayLSTMRegressor", "AttentionLSTMRegressor", "ConvLSTMRegressor",
            "QuantizedLSTMRegressor"} <= names
    assert "TreeLSTMRegressor" not in names
    # every exportable class is covered by CASES
    assert names <= {cls.__name__ for _, cls, _, _ in CASES}


@pytest.fixture(scope="module")
def fitted(series_xy):
    """Fit each case once (both exporters read the same fitted estimator)."""
    rng = np.random.RandomState(0)
    frames = (3.0 + rng.uniform(size=(24, 4, 5, 5))).astype(np.float32)      # (n, T, H, W)
    channel_frames = rng.normal(size=(24, 4, 2, 3, 3)).astype(np.float32)    # (n, T, C, H, W)
    X, y = series_xy
    data = {"series": (X, y),                            # two outputs, level far from 0
            "frames": (frames, frames[:, -1]),            # a frame target
            "channel-frames": (channel_frames, channel_frames[:, -1, 0, 1, 1])}
    cache = {}

    def get(case):
        if case not in cache:
            _, cls, params, kind = next(c for c in CASES if c[0] == case)
            X, y = data[kind]
            cache[case] = (small(cls, **params).fit(X, y), X)
        return cache[case]

    return get


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("case", [c[0] for c in CASES])
def test_onnx_matches_predict(case, dynamo, fitted):
    if dynamo:
        pytest.importorskip("onnxscript", reason=_EXTRA)
    reg, X = fitted(case)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # torch.export notices
        model = to_onnx(reg, None, dynamo=dynamo)
    # traced with a batch of 2: other batch sizes prove the batch axis is dynamic
    assert_matches_predict(model, reg, X[:7])
    assert_matches_predict(model, reg, X[:1])


# Probabilistic models: (id, class, parameters, data, coverage). The graph's
# outputs are y, then y_quantiles (a quantile head without conformal), then
# y_interval (with coverage=).
INTERVAL_CASES = [
    ("lstm-quantiles", LSTMRegressor, dict(quantiles=(0.1, 0.9), window_norm="standard"),
     "series", 0.8),
    ("lstm-conformal-scaled", LSTMRegressor, dict(conformal=True, window_norm="last"),
     "series", 0.9),
    ("gru-conformal-absolute", sklstm.GRURegressor, dict(conformal="absolute"), "series",
     0.5),
    ("peephole-cqr", sklstm.PeepholeLSTMRegressor,
     dict(quantiles=(0.05, 0.95), conformal=True, window_norm="last"), "series", 0.9),
    ("quantized-4-quantiles", sklstm.QuantizedLSTMRegressor,
     dict(quantiles=(0.25, 0.75), bits=4, activation_warmup=2), "series", 0.5),
    ("quantized-2-conformal-float-activations", sklstm.QuantizedLSTMRegressor,
     dict(conformal=True, bits=2, activation_bits=None), "series", 0.9),
    ("convlstm-frame-quantiles", ConvLSTMRegressor, dict(quantiles=(0.1, 0.9)), "frames",
     None),
]


@pytest.mark.parametrize("dynamo", [False, True], ids=["torchscript", "dynamo"])
@pytest.mark.parametrize("case", [c[0] for c in INTERVAL_CASES])
def test_onnx_outputs_quantiles_and_intervals(case, dynamo, series_xy):
    if dynamo:
        pytest.importorskip("onnxscript", reason=_EXTRA)
    _, cls, params, kind, coverage = next(c for c in INTERVAL_CASES if c[0] == case)
    if kind == "frames":
        X = (3.0 + np.random.RandomState(0).uniform(size=(24, 4, 5, 5))).astype(np.float32)
        y = X[:, -1]
    else:
        X, y = series_xy
    reg = small(cls, **params).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = to_onnx(reg, None, dynamo=dynamo, coverage=coverage)
    expected = {"y": reg.predict(X[:7])}
    if reg.quantiles_ is not None and not reg.conformal:
        expected["y_quantiles"] = reg.predict_quantiles(X[:7])
    if coverage is not None:
        expected["y_interval"] = reg.predict_interval(X[:7], coverage)
    session = ort.InferenceSession(model.SerializeToString(),
                                   providers=["CPUExecutionProvider"])
    assert [o.name for o in session.get_outputs()] == list(expected)
    outputs = session.run(None, {session.get_inputs()[0].name: X[:7]})
    for got, want in zip(outputs, expected.values()):
        assert got.shape == want.shape
        assert_float32_close(got, want)


def test_an_interval_the_model_cannot_give_is_refused(series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor, quantiles=(0.1, 0.9)).fit(X, y)
    with pytest.raises(ValueError, match="needs the levels 0.05 and 0.95"):
        to_onnx(reg, None, coverage=0.9)
    with pytest.raises(ValueError, match="coverage"):
        to_onnx(reg, None, coverage=1.5)


def test_univariate_2d_input_is_read_with_a_feature_axis(series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor).fit(X[:, :, 0], y[:, 0])         # X: (n, 6)
    model = to_onnx(reg, None)
    shape = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert shape == ["batch", 6, 1]
    got = run(model, X[:5, :, :1])
    assert_float32_close(got, reg.predict(X[:5, :, 0]))


def test_pipeline_workflow_windower_applied_by_caller():
    rng = np.random.RandomState(0)
    frame = pd.DataFrame({"load": 20 + np.cumsum(rng.normal(size=80)),
                          "temp": rng.normal(size=80)})
    y = frame["load"].shift(-1).ffill().to_numpy()
    pipe = Pipeline([("win", Windower(window=5)),
                     ("m", small(LSTMRegressor, window_norm="last"))]).fit(frame, y)
    model = to_onnx(pipe[-1], None)
    windows = pipe[:-1].transform(frame).astype(np.float32)           # (80, 5, 2)
    assert_float32_close(run(model, windows), pipe.predict(frame))
    # a forecast from the latest data alone is the last window
    assert_float32_close(run(model, windows[-1:]), pipe.predict(frame)[-1:])


def test_writes_file_with_metadata(tmp_path, series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor, window_norm="last").fit(X, y)
    path = tmp_path / "model.onnx"
    returned = to_onnx(reg, path)
    loaded = onnx.load(str(path))
    assert loaded.SerializeToString() == returned.SerializeToString()
    props = {p.key: p.value for p in loaded.metadata_props}
    assert props["sklstm.estimator"] == "LSTMRegressor"
    assert props["sklstm.input_shape"] == "(batch, 6, 2)"
    assert props["sklstm.window_norm"] == "last"
    assert loaded.opset_import[0].version == 18
    assert [i.name for i in loaded.graph.input] == ["X"]
    assert [o.name for o in loaded.graph.output] == ["y"]


def test_export_is_deterministic_and_leaves_the_estimator_alone(series_xy):
    X, y = series_xy
    reg = small(sklstm.GRURegressor).fit(X, y)
    before = reg.predict(X)
    state = {k: v.clone() for k, v in reg.net_.module_.state_dict().items()}
    first = to_onnx(reg, None).SerializeToString()
    assert to_onnx(reg, None).SerializeToString() == first
    np.testing.assert_array_equal(reg.predict(X), before)
    for key, value in reg.net_.module_.state_dict().items():
        assert torch.equal(value, state[key])


def test_export_is_warning_free(series_xy):
    X, y = series_xy
    regs = [small(LSTMRegressor).fit(X, y), small(sklstm.PeepholeLSTMRegressor).fit(X, y)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for reg in regs:
            to_onnx(reg, None)


def test_static_batch(series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor).fit(X, y)
    model = to_onnx(reg, None, dynamic_batch=False, batch_size=3)
    dims = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == [3, 6, 2]
    assert_matches_predict(model, reg, X[:3])


def test_custom_names_and_opset(series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor).fit(X, y[:, 0])
    model = to_onnx(reg, None, opset=20, input_name="windows", output_name="forecast")
    assert model.opset_import[0].version == 20
    assert model.graph.input[0].name == "windows"
    assert model.graph.output[0].name == "forecast"
    assert_matches_predict(model, reg, X[:4])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shape", [(5, 6, 3), (4, 3, 2, 3, 3)])
def test_torch_window_stats_match_numpy(mode, shape):
    X = np.random.RandomState(0).normal(loc=7.0, size=shape).astype(np.float32)
    X[0] = -4.0               # a constant window: scale 4 ("standard": its level; "relative",
    #                           "level": its mean absolute value), else 1
    X[1] = 0.0                         # a constant window at level 0: scale 1
    loc, scale = window_stats(X, mode)
    t_loc, t_scale = _window_stats(torch.from_numpy(X).double(), mode)
    np.testing.assert_allclose(t_loc.numpy(), loc, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t_scale.numpy(), scale, rtol=1e-12, atol=1e-12)
    assert (t_scale[0] == (4.0 if mode in ("standard", "relative", "level") else 1.0)).all()
    assert (t_scale[1] == 1.0).all()


# ----------------------------------------------------------------- errors


def test_unfitted_raises_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        to_onnx(LSTMRegressor(), None)


@pytest.mark.parametrize("obj", [LinearRegression(), Windower(), "model.pt"])
def test_non_sklstm_objects_raise_type_error(obj):
    with pytest.raises(TypeError, match="exports a fitted sklstm regressor"):
        to_onnx(obj, None)


def test_pipeline_names_the_model_step():
    pipe = Pipeline([("win", Windower()), ("m", LSTMRegressor())])
    with pytest.raises(TypeError, match=r"not a Pipeline.*pipe\[-1\].*Windower"):
        to_onnx(pipe, None)


def test_exportability_is_the_declared_class_attribute():
    assert sklstm.TreeLSTMRegressor._onnx_exportable is False
    with pytest.raises(TypeError, match=r"TreeLSTMRegressor cannot be exported to ONNX: it "
                                        r"declares _onnx_exportable = False.*DGL"):
        to_onnx(sklstm.TreeLSTMRegressor(), None)

    class GraphRegressor(LSTMRegressor):
        _onnx_exportable = False

    with pytest.raises(TypeError, match="GraphRegressor cannot be exported to ONNX"):
        to_onnx(GraphRegressor(), None)

    class TreeLSTMRegressor(LSTMRegressor):   # the name alone decides nothing
        pass

    with pytest.raises(NotFittedError):
        to_onnx(TreeLSTMRegressor(), None)


def test_a_predict_the_graph_cannot_reproduce_is_refused(series_xy):
    class Shifted(LSTMRegressor):
        def predict(self, X):
            return super().predict(X) + 1.0

    X, y = series_xy
    reg = small(Shifted).fit(X, y)
    with pytest.raises(ValueError, match="cannot be exported faithfully"):
        to_onnx(reg, None)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(opset=11), ValueError,
     r"to_onnx: invalid value opset=11; expected an int in \[18, inf\] \(leave it as None "
     r"for opset 18\)"),
    (dict(opset="18"), ValueError, r"to_onnx: invalid value opset='18'; expected an int"),
    (dict(batch_size=4), ValueError, "dynamic_batch=True leaves it free"),
    (dict(dynamic_batch=False, batch_size=0), ValueError,
     r"to_onnx: invalid value batch_size=0; expected an int in \[1, inf\] or None"),
    (dict(dynamic_batch="yes"), ValueError,
     r"to_onnx: invalid value dynamic_batch='yes'; expected one of True, False"),
    (dict(input_name=""), ValueError,
     r"to_onnx: invalid value input_name=''; expected a non-empty str"),
    (dict(input_name="y"), ValueError, "must differ"),
])
def test_bad_arguments(kwargs, error, match, series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor).fit(X[:16], y[:16])
    with pytest.raises(error, match=match):
        to_onnx(reg, None, **kwargs)


def test_bad_path_type(series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor).fit(X[:16], y[:16])
    with pytest.raises(TypeError, match="path must be a str, a path-like object or None"):
        to_onnx(reg, 3)


def test_missing_onnx_names_the_extra(monkeypatch, series_xy):
    X, y = series_xy
    reg = small(LSTMRegressor).fit(X[:16], y[:16])
    monkeypatch.setitem(sys.modules, "onnx", None)    # makes `import onnx` fail
    with pytest.raises(ImportError, match=r'sklstm\[export\]'):
        to_onnx(reg, None)


@pytest.mark.parametrize("params", [dict(window_norm="relative", conformal=True),
                                    dict(quantiles=(0.1, 0.9), window_norm="last")],
                         ids=["relative-conformal", "quantiles"])
def test_known_future_decoder_exports(params):
    # windows with known-future steps: the decoder, history statistics, NaN
    # (not known ahead) zero-filled inside the graph
    rng = np.random.RandomState(0)
    n, T, h = 60, 6, 3
    promo = rng.normal(size=n + T + h)
    units = 50.0 + np.cumsum(rng.normal(size=n + T + h)) + 2 * promo
    X = np.zeros((n, T + h, 3), dtype=np.float32)
    for i in range(n):
        X[i, :T, 0] = units[i:i + T]
        X[i, :, 1] = promo[i:i + T + h]
    X[:, T:, 0] = np.nan
    X[:, T:, 2] = 1.0
    y = np.stack([units[i + T:i + T + h] for i in range(n)])
    reg = small(LSTMRegressor, **params).fit(X, y)
    assert reg._future_layout == (T, h, (1,))
    coverage = 0.8 if params.get("conformal") else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model = to_onnx(reg, None, coverage=coverage)
    assert_matches_predict(model, reg, X[:7])
    if coverage is not None:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        got = session.run(None, {session.get_inputs()[0].name: X[:7]})[-1]
        assert_float32_close(got, reg.predict_interval(X[:7], coverage))
