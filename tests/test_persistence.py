"""sklstm.save / sklstm.load: safe round trips, clear errors, and CUDA -> CPU pickles.

A round trip repeats the same computation on the same weights, so predictions
must be exactly equal (``assert_array_equal``), not close.
"""

import importlib.util
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file, save_file
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.utils.validation import check_is_fitted

import sklstm
from sklstm import (
    AttentionLSTMRegressor,
    BiLSTMRegressor,
    CIFGLSTMRegressor,
    ConvLSTMRegressor,
    GRURegressor,
    HighwayLSTMRegressor,
    LastValueRegressor,
    LSTMRegressor,
    NestedLSTMRegressor,
    PeepholeLSTMRegressor,
    QuantizedLSTMRegressor,
    SeasonalNaiveRegressor,
    StackedLSTMRegressor,
    TreeLSTMRegressor,
    Windower,
    WindowMeanRegressor,
)
from sklstm.baselines import RidgeLagsRegressor
from sklstm.persistence import FORMAT_VERSION

HAS_DGL = importlib.util.find_spec("dgl") is not None
TINY = dict(hidden_size=4, max_epochs=2, batch_size=16, random_state=0)

rng = np.random.RandomState(0)
SEQ = rng.normal(size=(40, 6, 2)).astype(np.float32)                 # (n, T, F)
SEQ_Y = np.column_stack([SEQ[:, -1, 0], SEQ[:, -2, 1]])               # two outputs
FRAMES = rng.uniform(size=(24, 4, 2, 5, 5)).astype(np.float32)        # (n, T, C, H, W)
LEAVES = rng.normal(size=(40, 6, 2))
TREE_X = np.concatenate([LEAVES.sum(2, keepdims=True), LEAVES], axis=2)  # (n, T, 3 nodes)
SERIES = np.cumsum(rng.normal(size=(80, 1)), axis=0)                  # (n_periods, 1)


def _case(estimator, X, y):
    return pytest.param(estimator, X, y, id=type(estimator).__name__)


CASES = [
    _case(LSTMRegressor(**TINY), SEQ, SEQ_Y),
    _case(GRURegressor(**TINY), SEQ, SEQ_Y[:, 0]),
    _case(BiLSTMRegressor(**TINY, window_norm="standard"), SEQ, SEQ_Y),
    _case(StackedLSTMRegressor(**TINY, dropout=0.1), SEQ, SEQ_Y[:, 0]),
    _case(PeepholeLSTMRegressor(**TINY), SEQ, SEQ_Y[:, 0]),
    _case(CIFGLSTMRegressor(**TINY), SEQ, SEQ_Y[:, 0]),
    _case(NestedLSTMRegressor(**TINY, nesting_depth=2), SEQ, SEQ_Y[:, 0]),
    _case(HighwayLSTMRegressor(**TINY), SEQ, SEQ_Y[:, 0]),
    _case(AttentionLSTMRegressor(**TINY, attention="general"), SEQ, SEQ_Y[:, 0]),
    pytest.param(ConvLSTMRegressor(**TINY, hidden_channels=[2, 3]), FRAMES,
                 FRAMES[:, -1, 0].mean(axis=(1, 2)), id="ConvLSTMRegressor-flat"),
    pytest.param(ConvLSTMRegressor(**TINY, hidden_channels=2, window_norm="last"), FRAMES,
                 FRAMES[:, -1], id="ConvLSTMRegressor-frames"),
    _case(QuantizedLSTMRegressor(**TINY, bits=4, activation_warmup=2), SEQ, SEQ_Y),
    pytest.param(TreeLSTMRegressor(**TINY, hierarchy=[-1, 0, 0], coherent=True), TREE_X,
                 TREE_X[:, -1, :], id="TreeLSTMRegressor",
                 marks=pytest.mark.skipif(not HAS_DGL, reason="needs DGL (tree extra)")),
    pytest.param(TreeLSTMRegressor(**TINY, cell="nary", hierarchy=pd.DataFrame(
        {"product": ["a", "b"]})), TREE_X, TREE_X[:, -1, :], id="TreeLSTMRegressor-levels",
                 marks=pytest.mark.skipif(not HAS_DGL, reason="needs DGL (tree extra)")),
    _case(LastValueRegressor(target_channel=1), SEQ, SEQ_Y),
    _case(SeasonalNaiveRegressor(season_length=3), SEQ, SEQ_Y),
    _case(WindowMeanRegressor(), SEQ, SEQ_Y[:, 0]),
    _case(RidgeLagsRegressor(), SEQ, SEQ_Y),
]


def _roundtrip(estimator, tmp_path):
    return sklstm.load(sklstm.save(estimator, tmp_path / "model"))


@pytest.fixture(scope="module")
def fitted_lstm():
    return LSTMRegressor(**TINY).fit(SEQ, SEQ_Y)


@pytest.fixture
def saved(fitted_lstm, tmp_path):
    return sklstm.save(fitted_lstm, tmp_path / "lstm")


def _edit_json(path, edit):
    document = json.loads((path / "model.json").read_text())
    edit(document)
    (path / "model.json").write_text(json.dumps(document))


# --------------------------------------------------------------- round trips


@pytest.mark.parametrize("estimator, X, y", CASES)
def test_round_trip_predicts_identically(estimator, X, y, tmp_path):
    estimator = clone(estimator).fit(X, y)
    loaded = _roundtrip(estimator, tmp_path)
    assert type(loaded) is type(estimator)
    assert repr(loaded) == repr(estimator)
    np.testing.assert_array_equal(loaded.predict(X), estimator.predict(X))
    assert loaded.predict(X).shape == estimator.predict(X).shape
    if np.ndim(y) <= 2:                      # r2_score takes no frame targets
        assert loaded.score(X, y) == estimator.score(X, y)


def test_round_trip_keeps_history_optimizer_and_derived_modules(tmp_path):
    reg = QuantizedLSTMRegressor(**TINY, bits=2).fit(SEQ, SEQ_Y)
    loaded = _roundtrip(reg, tmp_path)
    assert loaded.history_ is loaded.net_.history
    assert loaded.loss_curve_ == reg.loss_curve_
    assert loaded.n_iter_ == reg.n_iter_ == 2
    assert list(loaded.history_[:, "train_loss"]) == list(reg.history_[:, "train_loss"])
    for name, tensor in reg.quantized_state_dict().items():
        assert torch.equal(loaded.quantized_state_dict()[name], tensor), name
    state, loaded_state = reg.net_.optimizer_.state_dict(), loaded.net_.optimizer_.state_dict()
    assert loaded_state["param_groups"] == state["param_groups"]
    for key, slots in state["state"].items():
        for slot, value in slots.items():
            assert torch.equal(loaded_state["state"][key][slot], value)
    assert loaded.model_size() == reg.model_size()


def test_attention_weights_survive(tmp_path):
    reg = AttentionLSTMRegressor(**TINY).fit(SEQ, SEQ_Y[:, 0])
    np.testing.assert_array_equal(_roundtrip(reg, tmp_path).attention_weights(SEQ),
                                  reg.attention_weights(SEQ))


def test_windower_round_trip(tmp_path):
    frame = pd.DataFrame(SERIES, columns=["sales"])
    windower = Windower(window=4, padding="zero", flatten=True).fit(frame)
    loaded = _roundtrip(windower, tmp_path)
    np.testing.assert_array_equal(loaded.transform(frame), windower.transform(frame))
    np.testing.assert_array_equal(loaded.get_feature_names_out(),
                                  windower.get_feature_names_out())
    assert loaded.feature_names_in_.dtype == object


@pytest.mark.parametrize("steps", [
    [("win", Windower(window=5)), ("m", BiLSTMRegressor(**TINY))],
    [("scale", StandardScaler()), ("win", Windower(window=5)), ("m", RidgeLagsRegressor())],
], ids=["windower-bilstm", "scaler-windower-ridge"])
def test_pipeline_round_trip(steps, tmp_path):
    pipe = clone(Pipeline(steps)).fit(SERIES[:-1], SERIES[1:, 0])
    loaded = _roundtrip(pipe, tmp_path)
    assert [name for name, _ in loaded.steps] == [name for name, _ in steps]
    np.testing.assert_array_equal(loaded.predict(SERIES), pipe.predict(SERIES))


def test_partial_fit_after_load_continues_exactly(fitted_lstm, tmp_path):
    # the same computation: weights, optimizer moments and the epoch count
    # (which seeds the shuffling) all come back
    reference = pickle.loads(pickle.dumps(fitted_lstm)).partial_fit(SEQ, SEQ_Y)
    loaded = _roundtrip(fitted_lstm, tmp_path).partial_fit(SEQ, SEQ_Y)
    assert loaded.n_iter_ == fitted_lstm.n_iter_ + 1
    np.testing.assert_array_equal(loaded.predict(SEQ), reference.predict(SEQ))


def test_unfitted_estimator_saves_its_parameters(tmp_path):
    reg = LSTMRegressor(hidden_size=3, optimizer=torch.optim.NAdam,
                        random_state=np.random.RandomState(7), window_norm=None)
    loaded = _roundtrip(reg, tmp_path)
    with pytest.raises(NotFittedError):
        check_is_fitted(loaded)
    params, loaded_params = reg.get_params(), loaded.get_params()
    assert loaded_params.pop("optimizer") is torch.optim.NAdam
    np.testing.assert_array_equal(loaded_params.pop("random_state").randint(1000, size=5),
                                  params.pop("random_state").randint(1000, size=5))
    params.pop("optimizer")
    assert loaded_params == params
    loaded.fit(SEQ, SEQ_Y)                     # and it trains like any new model


def test_load_reads_no_pickle(saved, fitted_lstm, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("sklstm.load must not unpickle")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    monkeypatch.setattr(torch, "load", refuse)
    np.testing.assert_array_equal(sklstm.load(saved).predict(SEQ), fitted_lstm.predict(SEQ))


def test_save_writes_a_directory_of_json_and_safetensors(saved, fitted_lstm):
    assert sorted(p.name for p in saved.iterdir()) == ["model.json", "weights.safetensors"]
    document = json.loads((saved / "model.json").read_text())
    assert document["format_version"] == FORMAT_VERSION
    assert document["versions"]["sklstm"] == sklstm.__version__
    assert document["versions"]["torch"] == torch.__version__
    assert document["estimator"]["class"] == "sklstm:LSTMRegressor"
    assert document["estimator"]["params"]["hidden_size"] == 4
    weights = load_file(saved / "weights.safetensors")
    head = weights["estimator.net_.module.head.weight"]
    assert torch.equal(head, fitted_lstm.net_.module_.head.weight.detach())
    assert "estimator._x_loc" in weights


# ----------------------------------------------------------------- refusals


def test_save_refuses_callbacks_and_foreign_classes(tmp_path):
    from skorch.callbacks import EpochTimer

    with pytest.raises(TypeError, match=r"estimator.callbacks.*callbacks=None"):
        sklstm.save(LSTMRegressor(callbacks=[EpochTimer()]), tmp_path / "a")
    pipe = Pipeline([("scale", MinMaxScaler()), ("m", LastValueRegressor())])
    with pytest.raises(TypeError, match=r"estimator.steps.0.1, a .*MinMaxScaler"):
        sklstm.save(pipe, tmp_path / "b")

    class MyOptimizer(torch.optim.SGD):
        pass

    with pytest.raises(TypeError, match="only optimizer classes of torch.optim"):
        sklstm.save(LSTMRegressor(optimizer=MyOptimizer), tmp_path / "c")
    (tmp_path / "file").write_text("")
    with pytest.raises(FileExistsError, match="is a file"):
        sklstm.save(LSTMRegressor(), tmp_path / "file")


def test_missing_paths_raise_file_not_found(saved, tmp_path):
    with pytest.raises(FileNotFoundError, match="the path does not exist"):
        sklstm.load(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="is a file"):
        sklstm.load(saved / "model.json")
    (saved / "weights.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="has no weights.safetensors"):
        sklstm.load(saved)


def test_newer_format_version_raises(saved):
    def newer(document):
        document["format_version"] = FORMAT_VERSION + 1
        document["versions"]["sklstm"] = "9.0"

    _edit_json(saved, newer)
    with pytest.raises(ValueError, match=rf"format version {FORMAT_VERSION + 1}, written by "
                                         r"sklstm 9.0.*Upgrade sklstm"):
        sklstm.load(saved)


def _set(*keys, value):
    def edit(document):
        node = document
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return edit


def _delete(*keys):
    def edit(document):
        node = document
        for key in keys[:-1]:
            node = node[key]
        del node[keys[-1]]
    return edit


@pytest.mark.parametrize("edit, match", [
    (_set("estimator", "class", value="os:system"), r"unknown class 'os:system'"),
    (_set("estimator", "params", "hidden_size", value=-3),
     r"at estimator: LSTMRegressor: invalid value hidden_size=-3; expected an int"),
    (_set("estimator", "params", "optimizer", value={"__optimizer__": "Module"}),
     r"'Module' is not an optimizer class of torch.optim"),
    (_set("estimator", "params", "hiden_size", value=4),
     r"LSTMRegressor has no parameter 'hiden_size'"),
    (_delete("estimator", "params", "lr"), r"parameter 'lr' of LSTMRegressor is missing"),
    (_delete("estimator", "state"), r"at estimator: missing key 'state'"),
    (_delete("estimator", "state", "net_", "__net__", "input_shape"),
     r"at estimator.net_: missing key 'input_shape'"),
    (_set("estimator", "params", "hidden_size", value=5),
     r"'estimator.net_.module.*has shape .*expects .*do not belong together"),
    (_set("estimator", "state", "_x_loc", "__ndarray__", "shape", value=[3]),
     r"'estimator._x_loc' has shape \(2,\).*model.json says \(3,\)"),
    (_set("estimator", "state", "_y_scaler", value={"__pickle__": "..."}),
     r"unknown or malformed tagged value \['__pickle__'\]"),
    (_set("format", value="something else"), r"is not an sklstm model file"),
    (_delete("format_version"), r"format_version=None; expected an int"),
])
def test_tampered_json_raises_a_clear_error(saved, edit, match):
    _edit_json(saved, edit)
    with pytest.raises(ValueError, match=match):
        sklstm.load(saved)


def test_a_file_saved_before_the_auto_step_loads_and_trains_on(saved, fitted_lstm):
    # such a file holds the former defaults' numbers for lr and weight_decay, and no
    # lr_ or weight_decay_: the net is rebuilt from the numbers
    def before_auto(document):
        document["estimator"]["params"].update(lr=0.01, weight_decay=0.0)
        for name in ("lr_", "weight_decay_"):
            del document["estimator"]["state"][name]
    _edit_json(saved, before_auto)
    loaded = sklstm.load(saved)
    assert not hasattr(loaded, "lr_")
    np.testing.assert_array_equal(loaded.predict(SEQ), fitted_lstm.predict(SEQ))
    assert (loaded.net_.lr, loaded.net_.optimizer__weight_decay) == (0.01, 0.0)
    n_epochs = len(loaded.history_)
    loaded.partial_fit(SEQ, SEQ_Y)
    assert len(loaded.history_) == n_epochs + 1


def test_tampered_weights_raise(saved):
    weights = load_file(saved / "weights.safetensors")
    weights["extra"] = torch.zeros(1)
    save_file(weights, saved / "weights.safetensors")
    with pytest.raises(ValueError, match=r"tensors that model.json does not mention: \['extra'\]"):
        sklstm.load(saved)
    del weights["extra"], weights["estimator.net_.module.head.bias"]
    save_file(weights, saved / "weights.safetensors")
    with pytest.raises(ValueError, match=r"missing tensors \['estimator.net_.module.head.bias'\]"):
        sklstm.load(saved)
    (saved / "model.json").write_text("{not json")
    with pytest.raises(ValueError, match="model.json is not valid JSON"):
        sklstm.load(saved)


# -------------------------------------------------------------- CUDA -> CPU
#
# This machine has no GPU. A file written on a GPU differs from one written on
# the CPU only in the device each storage is tagged with (torch.save asks
# torch.serialization.location_tag). Patching that tag to "cuda:0" while
# pickling gives the very bytes that fail on a CPU-only machine, which the
# first assertion shows; the estimator's tensors themselves stay on the CPU.


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def _pickle_as_if_on_cuda(estimator, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setattr(torch.serialization, "location_tag", lambda storage: "cuda:0")
        return pickle.dumps(estimator)


@pytest.mark.filterwarnings("ignore::skorch.exceptions.DeviceWarning")  # skorch's own
def test_pickle_of_a_cuda_model_loads_on_cpu(no_cuda, monkeypatch):
    with pytest.raises(RuntimeError, match="deserialize object on a CUDA device"):
        pickle.loads(_pickle_as_if_on_cuda(torch.zeros(2), monkeypatch))   # the control
    reg = QuantizedLSTMRegressor(**TINY).fit(SEQ, SEQ_Y)   # also holds a module itself
    expected = reg.predict(SEQ)
    reg.set_params(device="cuda")
    reg._torch_device = reg.net_.device = "cuda"          # as fit on a GPU would set them
    data = _pickle_as_if_on_cuda(reg, monkeypatch)
    with pytest.warns(UserWarning, match="fitted on device 'cuda', but CUDA is not "
                                         "available.*mapped to the CPU"):
        loaded = pickle.loads(data)
    assert loaded._torch_device == "cpu" and str(loaded.net_.device) == "cpu"
    assert loaded.net_.module is loaded.net_.module_
    np.testing.assert_array_equal(loaded.predict(SEQ), expected)
    loaded.partial_fit(SEQ, SEQ_Y)                          # trains on, on the CPU


def test_plain_pickle_round_trip_keeps_the_model(fitted_lstm):
    with warnings.catch_warnings():
        warnings.simplefilter("error")                     # no device warning on CPU
        loaded = pickle.loads(pickle.dumps(fitted_lstm))
    assert loaded.net_.module is loaded.net_.module_
    assert fitted_lstm.net_.module is fitted_lstm.net_.module_   # pickling left it alone
    np.testing.assert_array_equal(loaded.predict(SEQ), fitted_lstm.predict(SEQ))


def test_load_maps_a_cuda_model_to_cpu(saved, fitted_lstm, no_cuda):
    # safetensors files carry no device: what is CUDA-specific is the
    # recorded training device, which load resolves on this machine
    _edit_json(saved, _set("estimator", "state", "_torch_device", value="cuda"))
    with pytest.warns(UserWarning, match="fitted on device 'cuda'.*loaded on the CPU"):
        loaded = sklstm.load(saved)
    assert loaded._torch_device == "cpu"
    np.testing.assert_array_equal(loaded.predict(SEQ), fitted_lstm.predict(SEQ))
    with pytest.raises(ValueError, match="device='cuda' but CUDA is not available"):
        sklstm.load(saved, device="cuda")
    with pytest.raises(ValueError, match="invalid value device='gpu'"):
        sklstm.load(saved, device="gpu")
