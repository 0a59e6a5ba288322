"""Save and load estimators without pickle: :func:`save` and :func:`load`.

``save(estimator, path)`` writes a directory with two files:

``model.json``
    The format version; the versions of sklstm, torch, skorch, scikit-learn
    and NumPy that wrote it; and the estimator as a tree of nodes. A node
    names its class (``"sklstm:LSTMRegressor"``; only sklstm's estimators
    and scikit-learn's ``Pipeline``, ``StandardScaler`` and ``RidgeCV`` are
    allowed), its parameters (``get_params(deep=False)``) and its fitted
    attributes. Values that JSON cannot hold directly are small tagged
    objects: ``{"__tuple__": [...]}``, ``{"__ndarray__": {...}}`` (a pointer
    into the weights file), ``{"__estimator__": node}`` (a Pipeline step), ...
``weights.safetensors``
    Every numeric array and tensor: the trained module's state dict, the
    optimizer's state, the quantized module's integer buffers, the input and
    target scaling, hierarchy arrays, ridge coefficients. Each is named by
    where it sits in the tree (``estimator.net_.module.head.weight``).

``load(path)`` reads JSON and safetensors only. It never unpickles and never
calls ``torch.load``: a model file from a stranger cannot run code. It
rebuilds each class from the allow-list, checks the parameters with the
estimator's own rules, rebuilds the torch module with the estimator's own
``_build_module`` and loads the weights into it, so ``predict``,
``partial_fit`` and ``score`` work on the loaded model.

The helpers at the end of this module serve :class:`SequenceRegressor`'s
``__getstate__`` / ``__setstate__``: with plain :mod:`pickle`, a model fitted
on a GPU loads on a CPU-only machine.
"""

import inspect
import json
import numbers
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file
from sklearn.base import BaseEstimator
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skorch.history import History

from . import baselines
from ._validation import check_params
from ._version import __version__
from .base import SequenceRegressor
from .hierarchy import Hierarchy

__all__ = ["save", "load"]

#: Version of the file layout; :func:`load` refuses files with a higher one.
FORMAT_VERSION = 1
FORMAT_NAME = "sklstm.save"
JSON_FILE = "model.json"
WEIGHTS_FILE = "weights.safetensors"

#: Classes that may appear in a file besides sklstm's public estimators.
_SKLEARN_CLASSES = {
    "sklearn.pipeline:Pipeline": Pipeline,
    "sklearn.preprocessing:StandardScaler": StandardScaler,
    "sklearn.linear_model:RidgeCV": RidgeCV,
}

#: NumPy dtypes stored in the weights file (safetensors has no strings or objects).
_NUMERIC_DTYPES = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                   "uint32", "uint64", "float16", "float32", "float64"}

#: The tags of values that JSON cannot hold directly (one ``_Reader._decode`` each).
_TAGS = ("__tuple__", "__dict__", "__npscalar__", "__ndarray__", "__strarray__",
         "__tensor__", "__estimator__", "__optimizer__", "__random_state__",
         "__hierarchy__", "__dataframe__", "__series__")

_FIX = ("The file was edited or is damaged; save the model again with "
        "sklstm.save.")


# --------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------


def save(estimator, path):
    """Save an estimator to a directory of JSON and safetensors, without pickle.

    Parameters
    ----------
    estimator : estimator
        A fitted or unfitted sklstm estimator (any regressor,
        :class:`~sklstm.Windower`, a baseline of :mod:`sklstm.baselines`),
        or a ``Pipeline`` of them (scikit-learn's ``StandardScaler`` may be a
        step). An unfitted estimator is saved as its parameters only.
    path : str or path-like
        Directory to write; created if needed. Its ``model.json`` and
        ``weights.safetensors`` are replaced; other files are left alone.

    Returns
    -------
    path : pathlib.Path
        The directory written.

    Raises
    ------
    TypeError
        If the estimator (or a step) is not one of the classes the format
        allows, or holds a value that cannot be stored as data: skorch
        callbacks (set ``callbacks=None`` before saving), an optimizer class
        from outside :mod:`torch.optim`, or any other Python object.
    FileExistsError
        If ``path`` is an existing file.

    See Also
    --------
    load : the inverse.
    sklstm.export.to_onnx : deployment without Python.

    Examples
    --------
    >>> import numpy as np, sklstm, tempfile
    >>> X = np.random.RandomState(0).normal(size=(32, 6, 1))
    >>> reg = sklstm.GRURegressor(hidden_size=4, max_epochs=2, random_state=0)
    >>> reg = reg.fit(X, X[:, -1, 0])
    >>> folder = tempfile.mkdtemp()
    >>> sorted(p.name for p in sklstm.save(reg, folder).iterdir())
    ['model.json', 'weights.safetensors']
    >>> bool((sklstm.load(folder).predict(X) == reg.predict(X)).all())
    True
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(
            f"sklstm.save writes a directory, but {str(path)!r} is a file. Pass a "
            "new or existing directory.")
    writer = _Writer()
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "versions": _versions(__version__),
        "estimator": writer.estimator(estimator, "estimator"),
    }
    text = json.dumps(document, indent=1)
    path.mkdir(parents=True, exist_ok=True)
    save_file(writer.tensors, path / WEIGHTS_FILE,
              metadata={"format": FORMAT_NAME, "format_version": str(FORMAT_VERSION)})
    (path / JSON_FILE).write_text(text)
    return path


def load(path, *, device=None):
    """Load an estimator saved with :func:`save`; no pickle, no code from the file.

    Parameters
    ----------
    path : str or path-like
        The directory :func:`save` wrote.
    device : {"cpu", "cuda"}, "cuda:N" or None, default=None
        Where the torch modules go. ``None``: the device each model was
        fitted on, except that a model fitted on CUDA goes to the CPU, with
        a ``UserWarning``, on a machine without CUDA.

    Returns
    -------
    estimator : estimator
        The estimator, fitted as it was saved: same predictions, training
        history (``history_``, ``loss_curve_``), optimizer state, and
        ``partial_fit`` goes on from where it stopped.

    Raises
    ------
    FileNotFoundError
        If ``path``, its ``model.json`` or its ``weights.safetensors`` does
        not exist.
    ValueError
        If the files were written by a newer sklstm (a higher format
        version), or were edited or damaged: invalid JSON, a class outside
        the allow-list, a missing key, a parameter the estimator's own rules
        reject, or weights whose names, shapes or dtypes differ from what
        ``model.json`` describes. The message names the place.

    See Also
    --------
    save : the inverse.
    """
    path = Path(path)
    json_path, weights_path = path / JSON_FILE, path / WEIGHTS_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"no saved model at {str(path)!r}: the path does not exist. Pass the "
            "directory that sklstm.save wrote.")
    if not path.is_dir():
        raise FileNotFoundError(
            f"{str(path)!r} is a file, but sklstm.load reads the directory that "
            f"sklstm.save wrote (holding {JSON_FILE} and {WEIGHTS_FILE}).")
    for file in (json_path, weights_path):
        if not file.is_file():
            raise FileNotFoundError(
                f"{str(path)!r} has no {file.name}; a directory written by "
                f"sklstm.save holds {JSON_FILE} and {WEIGHTS_FILE}.")
    try:
        document = json.loads(json_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"{JSON_FILE} is not valid JSON ({error}). {_FIX}") from error
    if not isinstance(document, dict):
        raise ValueError(f"{JSON_FILE} must hold a JSON object, got "
                         f"{type(document).__name__}. {_FIX}")
    _check_format(document)
    try:
        tensors = load_file(weights_path, device="cpu")
    except (SafetensorError, OSError) as error:
        raise ValueError(f"{WEIGHTS_FILE} is not a readable safetensors file "
                         f"({error}). {_FIX}") from error
    reader = _Reader(tensors, _check_device(device))
    estimator = reader.estimator(_require(document, "estimator", "the file"), "estimator")
    unused = sorted(set(tensors) - reader.used)
    if unused:
        raise ValueError(
            f"{WEIGHTS_FILE} holds tensors that {JSON_FILE} does not mention: "
            f"{unused[:5]}{' ...' if len(unused) > 5 else ''}. The two files do not "
            "belong together.")
    return estimator


# --------------------------------------------------------------------------
# format checks
# --------------------------------------------------------------------------


def _versions(sklstm_version):
    import sklearn
    import skorch

    return {"sklstm": sklstm_version, "torch": torch.__version__,
            "skorch": skorch.__version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__}


def _check_format(document):
    if document.get("format") != FORMAT_NAME:
        raise ValueError(
            f"{JSON_FILE} is not an sklstm model file: its 'format' is "
            f"{document.get('format')!r}, expected {FORMAT_NAME!r}. {_FIX}")
    version = document.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ValueError(
            f"{JSON_FILE} has format_version={version!r}; expected an int >= 1. {_FIX}")
    if version > FORMAT_VERSION:
        writer = document.get("versions", {}).get("sklstm", "a newer version")
        raise ValueError(
            f"{JSON_FILE} has format version {version}, written by sklstm {writer}; "
            f"this sklstm ({__version__}) reads format versions up to "
            f"{FORMAT_VERSION}. Upgrade sklstm to load it.")


def _check_device(device):
    if device is None:
        return None
    if not isinstance(device, str) or not (
            device in ("cpu", "cuda")
            or (device.startswith("cuda:") and device[5:].isdigit())):
        raise ValueError(f"sklstm.load: invalid value device={device!r}; expected "
                         "None, 'cpu', 'cuda' or 'cuda:N'.")
    if device != "cpu" and not torch.cuda.is_available():
        raise ValueError(f"sklstm.load: device={device!r} but CUDA is not available "
                         "on this machine. Use device='cpu' or None.")
    return device


def _require(mapping, key, where):
    if not isinstance(mapping, dict):
        raise ValueError(f"{JSON_FILE}, at {where}: expected a JSON object, got "
                         f"{type(mapping).__name__}. {_FIX}")
    if key not in mapping:
        raise ValueError(f"{JSON_FILE}, at {where}: missing key {key!r}. {_FIX}")
    return mapping[key]


def _allowed_classes():
    """``{"module:Name": class}``: the classes a file may name, nothing else."""
    # the modules behind sklstm's public estimators (not the package: no import cycle)
    from . import base, convlstm, quantized, reconciliation, regressors, tree, windowing

    classes = {}
    for module in (base, baselines, regressors, convlstm, quantized, tree, reconciliation,
                   windowing):
        for name in module.__all__:
            obj = getattr(module, name, None)
            if isinstance(obj, type) and issubclass(obj, BaseEstimator):
                classes.setdefault(obj, f"sklstm:{name}")
    names = {name: cls for cls, name in classes.items()}
    names.update(_SKLEARN_CLASSES)
    return names


def _is_sklstm(cls):
    return cls.__module__.split(".")[0] == "sklstm"


def _param_names(cls):
    signature = inspect.signature(cls.__init__)
    return [p.name for p in list(signature.parameters.values())[1:]
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


# --------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------


class _Writer:
    """Turns an estimator into JSON nodes; collects its arrays in ``tensors``."""

    def __init__(self):
        self.tensors = {}
        self.class_names = {cls: name for name, cls in _allowed_classes().items()}

    def estimator(self, estimator, where):
        cls = type(estimator)
        if cls not in self.class_names:
            raise TypeError(
                f"sklstm.save cannot store {where}, a {cls.__module__}.{cls.__qualname__}: "
                "the format holds sklstm's estimators and Pipelines of them (with "
                "scikit-learn's StandardScaler), as data, so that loading runs no code "
                "from the file. Pickle it instead, from a source you trust.")
        params = estimator.get_params(deep=False)
        callbacks = params.get("callbacks")
        if callbacks:
            raise TypeError(
                f"sklstm.save cannot store {where}.callbacks: skorch callbacks are "
                "Python objects, not data. They only act while fitting, so set "
                "callbacks=None (estimator.set_params(callbacks=None)) before saving; "
                "predictions do not change.")
        if params.get("accelerator") is not None:
            raise TypeError(
                f"sklstm.save cannot store {where}.accelerator: an Accelerator is the "
                "running launch (processes, devices), not data. It only acts while "
                "fitting, so set accelerator=None (estimator.set_params(accelerator=None)) "
                "before saving, in one process (accelerator.is_main_process); predictions "
                "do not change.")
        node = {"class": self.class_names[cls],
                "params": {name: self.value(value, f"{where}.{name}")
                           for name, value in params.items()}}
        state = {name: value for name, value in vars(estimator).items()
                 if name not in params}
        net = state.pop("net_", None)
        if net is not None:
            if not isinstance(estimator, SequenceRegressor) or state.get("history_") is not \
                    net.history_:
                raise TypeError(f"sklstm.save cannot store {where}.net_: only the net "
                                "of an sklstm regressor, with its own history, is stored.")
            del state["history_"]
        node["state"] = {name: self.value(value, f"{where}.{name}")
                         for name, value in state.items()}
        if net is not None:
            node["state"]["net_"] = {"__net__": self.net(estimator, f"{where}.net_")}
        return node

    def net(self, estimator, where):
        """The trained skorch net: what rebuilds it, its weights, optimizer, history."""
        net = estimator.net_
        module = net.module_
        sample = np.zeros((1,) + tuple(estimator._sequence_shape), dtype=np.float32)
        input_shape = tuple(estimator._model_inputs(sample)[0].shape[1:])
        training = module.training
        module.eval()
        with torch.no_grad():
            n_outputs = module(estimator._to_tensor(np.zeros((1,) + input_shape))).shape[1]
        module.train(training)
        return {
            "input_shape": list(input_shape),
            "n_outputs": int(n_outputs),
            "module": self.state_dict(module, f"{where}.module"),
            "optimizer": self.value(net.optimizer_.state_dict(), f"{where}.optimizer"),
            "history": self.value(list(net.history_), f"{where}.history"),
        }

    def state_dict(self, module, where):
        """A module's tensors, stored as ``where.<name>``; returns the JSON pointer."""
        for name, tensor in module.state_dict().items():
            self.tensors[f"{where}.{name}"] = tensor.detach().cpu().clone()
        return {"prefix": where, "class": type(module).__name__}

    def array(self, tensor, where):
        self.tensors[where] = tensor
        return {"key": where, "dtype": str(tensor.dtype).replace("torch.", ""),
                "shape": list(tensor.shape)}

    def value(self, value, where):
        """A JSON value for ``value``; arrays go to ``tensors``."""
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)) and type(value) in (int, float):
            return value
        if isinstance(value, np.generic) and value.dtype.name in _NUMERIC_DTYPES:
            return {"__npscalar__": {"dtype": value.dtype.name, "value": value.item()}}
        if isinstance(value, list):
            return [self.value(v, f"{where}.{i}") for i, v in enumerate(value)]
        if isinstance(value, tuple):
            return {"__tuple__": [self.value(v, f"{where}.{i}") for i, v in enumerate(value)]}
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in value):
                return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
            return {"__dict__": [[self.value(k, f"{where}.key{i}"),
                                  self.value(v, f"{where}.{k}")]
                                 for i, (k, v) in enumerate(value.items())]}
        if isinstance(value, np.ndarray):
            if value.dtype.name in _NUMERIC_DTYPES:
                tensor = torch.from_numpy(np.array(value, copy=True, order="C"))
                return {"__ndarray__": self.array(tensor, where)}
            if value.dtype.kind == "U" or (value.dtype == object and all(
                    isinstance(v, str) for v in value.ravel())):
                return {"__strarray__": {"dtype": "object" if value.dtype == object else "str",
                                         "values": value.tolist()}}
        if isinstance(value, torch.Tensor):
            return {"__tensor__": self.array(value.detach().cpu().clone(), where)}
        if isinstance(value, torch.nn.Module):
            return {"__torch_module__": self.state_dict(value, where)}
        if isinstance(value, BaseEstimator):
            return {"__estimator__": self.estimator(value, where)}
        if isinstance(value, type) and issubclass(value, torch.optim.Optimizer):
            if getattr(torch.optim, value.__name__, None) is not value:
                raise TypeError(
                    f"sklstm.save cannot store {where}={value.__module__}."
                    f"{value.__qualname__}: only optimizer classes of torch.optim are "
                    "stored (by name). Pass one of those, or a name such as 'adam'.")
            return {"__optimizer__": value.__name__}
        if isinstance(value, np.random.RandomState):
            _, keys, pos, has_gauss, gauss = value.get_state()
            return {"__random_state__": {"keys": keys.tolist(), "pos": int(pos),
                                         "has_gauss": int(has_gauss), "gauss": float(gauss)}}
        if isinstance(value, Hierarchy):
            return {"__hierarchy__": {"parents": self.value(value.parents, f"{where}.parents"),
                                      "names": self.value(value.nodes, f"{where}.names"),
                                      "levels": self.value(list(value.levels),
                                                           f"{where}.levels")}}
        if isinstance(value, pd.DataFrame):
            split = value.to_dict(orient="split")
            return {"__dataframe__": {key: self.value(split[key], f"{where}.{key}")
                                      for key in ("index", "columns", "data")}}
        if isinstance(value, pd.Series):
            return {"__series__": {"name": self.value(value.name, f"{where}.name"),
                                   "index": self.value(value.index.tolist(), f"{where}.index"),
                                   "data": self.value(value.tolist(), f"{where}.data")}}
        raise TypeError(
            f"sklstm.save cannot store {where}, a {type(value).__module__}."
            f"{type(value).__qualname__}: the format holds numbers, strings, lists, "
            "dicts, NumPy arrays, tensors, hierarchies and sklstm estimators. Pickle "
            "the estimator instead, from a source you trust.")


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------


class _Reader:
    """Builds estimators from JSON nodes and the tensors of the weights file."""

    def __init__(self, tensors, device):
        self.tensors = tensors
        self.device = device
        self.used = set()
        self.classes = _allowed_classes()

    def fail(self, where, message):
        raise ValueError(f"{JSON_FILE}, at {where}: {message}")

    def estimator(self, node, where):
        name = _require(node, "class", where)
        cls = self.classes.get(name) if isinstance(name, str) else None
        if cls is None:
            self.fail(where, f"unknown class {name!r}. sklstm.load builds only sklstm's "
                             "estimators and scikit-learn's "
                             f"{', '.join(n.split(':')[1] for n in _SKLEARN_CLASSES)}. "
                             + _FIX)
        params = _require(node, "params", where)
        state = _require(node, "state", where)
        if not isinstance(params, dict) or not isinstance(state, dict):
            self.fail(where, f"'params' and 'state' must be JSON objects. {_FIX}")
        expected = _param_names(cls)
        unknown = sorted(set(params) - set(expected))
        missing = [p for p in expected if p not in params]
        if unknown:
            self.fail(where, f"{cls.__name__} has no parameter {unknown[0]!r}; its "
                             f"parameters are {expected}. {_FIX}")
        if missing:
            self.fail(where, f"parameter {missing[0]!r} of {cls.__name__} is missing. "
                             + _FIX)
        estimator = cls(**{k: self.value(v, f"{where}.{k}") for k, v in params.items()})
        if _is_sklstm(cls):
            try:
                check_params(estimator, estimator._parameter_constraints)
            except ValueError as error:
                self.fail(where, f"{error} {_FIX}")
        elif cls is Pipeline:
            self._check_steps(estimator.steps, where)

        net = state.get("net_")
        plain = {k: self.value(v, f"{where}.{k}") for k, v in state.items()
                 if k != "net_" and not _tag_is(v, "__torch_module__")}
        modules = {k: v["__torch_module__"] for k, v in state.items()
                   if _tag_is(v, "__torch_module__")}
        for key, value in plain.items():
            setattr(estimator, key, value)
        if net is not None:
            if not _tag_is(net, "__net__") or not hasattr(cls, "_make_net"):
                self.fail(f"{where}.net_", f"a net must be {{'__net__': ...}} on an sklstm "
                                           f"regressor. {_FIX}")
            self.net(estimator, net["__net__"], f"{where}.net_")
        if modules:
            if net is None:
                self.fail(where, f"{sorted(modules)} need the trained net, but 'net_' is "
                                 f"missing. {_FIX}")
            estimator._after_fit()     # rebuilds the modules derived from the net
            for key, value in plain.items():
                setattr(estimator, key, value)
            for key, pointer in modules.items():
                module = getattr(estimator, key, None)
                if not isinstance(module, torch.nn.Module):
                    self.fail(f"{where}.{key}", f"{cls.__name__} does not rebuild a torch "
                                                f"module {key!r}. {_FIX}")
                self.load_state_dict(module, pointer, f"{where}.{key}")
        return estimator

    def _check_steps(self, steps, where):
        if not isinstance(steps, list) or not steps or not all(
                isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str)
                and (isinstance(s[1], BaseEstimator) or s[1] in ("passthrough", None))
                for s in steps):
            self.fail(f"{where}.steps", "a Pipeline's steps must be a non-empty list of "
                                        f"(name, estimator) pairs. {_FIX}")

    def net(self, estimator, node, where):
        """Rebuild the skorch net with the estimator's own code; load its weights."""
        saved = getattr(estimator, "_torch_device", None)
        if not isinstance(saved, str):
            self.fail(where, f"the regressor's '_torch_device' is missing. {_FIX}")
        device = self.device
        if device is None:
            device = saved
            if saved.startswith("cuda") and not torch.cuda.is_available():
                warnings.warn(
                    f"{type(estimator).__name__} was fitted on device {saved!r}, but CUDA "
                    "is not available on this machine: it is loaded on the CPU and "
                    "predicts there. Set device='cpu' (set_params) before fitting it "
                    "again here.", UserWarning, stacklevel=3)
                device = "cpu"
        estimator._torch_device = device
        input_shape = _require(node, "input_shape", where)
        n_outputs = _require(node, "n_outputs", where)
        if not (isinstance(input_shape, list) and input_shape
                and all(_is_count(n) for n in input_shape) and _is_count(n_outputs)):
            self.fail(where, f"input_shape={input_shape!r} and n_outputs={n_outputs!r} "
                             f"must be positive ints. {_FIX}")
        with torch.random.fork_rng(devices=[]):   # module init leaves the global RNG alone
            try:
                net = estimator._make_net(tuple(input_shape), n_outputs).initialize()
            except (ValueError, TypeError, AttributeError, NotImplementedError) as error:
                self.fail(where, f"the fitted state does not rebuild the "
                                 f"{type(estimator).__name__} module ({error}). {_FIX}")
        self.load_state_dict(net.module_, _require(node, "module", where), f"{where}.module")
        optimizer = self.value(_require(node, "optimizer", where), f"{where}.optimizer")
        try:
            net.optimizer_.load_state_dict(optimizer)
        except (ValueError, KeyError, TypeError, RuntimeError) as error:
            self.fail(f"{where}.optimizer", f"the optimizer state does not fit the "
                                            f"model ({error}). {_FIX}")
        history = self.value(_require(node, "history", where), f"{where}.history")
        if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
            self.fail(f"{where}.history", f"expected a list of JSON objects. {_FIX}")
        net.history_ = History(history)
        estimator.net_ = net
        estimator.history_ = net.history_

    def load_state_dict(self, module, pointer, where):
        """Check the stored tensors against ``module``'s own, then load them."""
        prefix = _require(pointer, "prefix", where)
        if not isinstance(prefix, str):
            self.fail(where, f"'prefix' must be a string. {_FIX}")
        expected = module.state_dict()
        stored = {name[len(prefix) + 1:]: name for name in self.tensors
                  if name.startswith(prefix + ".")}
        missing = sorted(set(expected) - set(stored))
        extra = sorted(set(stored) - set(expected))
        if missing or extra:
            raise ValueError(
                f"{WEIGHTS_FILE} does not match the {type(module).__name__} that "
                f"{JSON_FILE} describes at {where}: "
                + (f"missing tensors {[f'{prefix}.{m}' for m in missing[:5]]}" if missing
                   else f"unexpected tensors {[stored[e] for e in extra[:5]]}")
                + ". The two files do not belong together, or one was edited.")
        state = {}
        for name, target in expected.items():
            tensor = self.tensors[stored[name]]
            if tuple(tensor.shape) != tuple(target.shape) or tensor.dtype != target.dtype:
                raise ValueError(
                    f"{WEIGHTS_FILE}: {stored[name]!r} has shape {tuple(tensor.shape)} "
                    f"({tensor.dtype}), but the {type(module).__name__} that {JSON_FILE} "
                    f"describes expects {tuple(target.shape)} ({target.dtype}). The two "
                    "files do not belong together, or one was edited (a size parameter?).")
            state[name] = tensor
            self.used.add(stored[name])
        module.load_state_dict(state)

    def array(self, pointer, where):
        key = _require(pointer, "key", where)
        dtype = _require(pointer, "dtype", where)
        shape = _require(pointer, "shape", where)
        if key not in self.tensors:
            raise ValueError(f"{WEIGHTS_FILE} has no tensor {key!r}, which {JSON_FILE} "
                             f"refers to at {where}. The two files do not belong together.")
        tensor = self.tensors[key]
        if str(tensor.dtype).replace("torch.", "") != dtype or list(tensor.shape) != shape:
            raise ValueError(
                f"{WEIGHTS_FILE}: {key!r} has shape {tuple(tensor.shape)} ({tensor.dtype}), "
                f"but {JSON_FILE} says {tuple(shape) if isinstance(shape, list) else shape} "
                f"({dtype}). The two files do not belong together, or one was edited.")
        self.used.add(key)
        return tensor

    def value(self, value, where):
        """Inverse of :meth:`_Writer.value`."""
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        if isinstance(value, list):
            return [self.value(v, f"{where}.{i}") for i, v in enumerate(value)]
        if not isinstance(value, dict):
            self.fail(where, f"unexpected JSON value {value!r}. {_FIX}")
        tags = [k for k in value if k.startswith("__")]
        if not tags:
            return {k: self.value(v, f"{where}.{k}") for k, v in value.items()}
        tag = tags[0]
        if len(value) != 1 or tag not in _TAGS:
            self.fail(where, f"unknown or malformed tagged value {sorted(value)}. {_FIX}")
        try:
            return getattr(self, f"_decode{tag[:-2]}")(value[tag], where)
        except (KeyError, TypeError, IndexError, AttributeError) as error:
            self.fail(where, f"malformed {tag} value ({type(error).__name__}: {error}). "
                             + _FIX)

    # one decoder per tag: _decode__<tag>(content, where)

    def _decode__tuple(self, content, where):
        return tuple(self.value(content, where))

    def _decode__dict(self, content, where):
        return {self.value(k, f"{where}.key"): self.value(v, f"{where}.value")
                for k, v in content}

    def _decode__npscalar(self, content, where):
        dtype = content["dtype"]
        if dtype not in _NUMERIC_DTYPES:
            self.fail(where, f"unsupported dtype {dtype!r}. {_FIX}")
        return np.dtype(dtype).type(content["value"])

    def _decode__ndarray(self, content, where):
        if content["dtype"] not in _NUMERIC_DTYPES:
            self.fail(where, f"unsupported dtype {content['dtype']!r}. {_FIX}")
        return self.array(content, where).numpy().copy()

    def _decode__strarray(self, content, where):
        values = content["values"]
        if content["dtype"] not in ("object", "str") or not isinstance(values, list):
            self.fail(where, f"a string array needs dtype 'object' or 'str' and a list "
                             f"of values. {_FIX}")
        return np.asarray(values, dtype=object if content["dtype"] == "object" else str)

    def _decode__tensor(self, content, where):
        tensor = self.array(content, where)
        return tensor if self.device in (None, "cpu") else tensor.to(self.device)

    def _decode__estimator(self, content, where):
        return self.estimator(content, where)

    def _decode__optimizer(self, content, where):
        cls = getattr(torch.optim, content, None) if isinstance(content, str) else None
        if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
            self.fail(where, f"{content!r} is not an optimizer class of torch.optim. {_FIX}")
        return cls

    def _decode__random_state(self, content, where):
        rng = np.random.RandomState()
        try:
            rng.set_state(("MT19937", np.asarray(content["keys"], dtype=np.uint32),
                           int(content["pos"]), int(content["has_gauss"]),
                           float(content["gauss"])))
        except ValueError as error:
            self.fail(where, f"invalid RandomState ({error}). {_FIX}")
        return rng

    def _decode__hierarchy(self, content, where):
        parents = self.value(content["parents"], f"{where}.parents")
        names = self.value(content["names"], f"{where}.names")
        try:
            levels = (self.value(content["levels"], f"{where}.levels")
                      if "levels" in content else None)
            return Hierarchy(parents, names=names, levels=levels)
        except (ValueError, TypeError) as error:
            self.fail(where, f"invalid hierarchy ({error}). {_FIX}")

    def _decode__dataframe(self, content, where):
        parts = {key: self.value(content[key], f"{where}.{key}")
                 for key in ("index", "columns", "data")}
        return pd.DataFrame(parts["data"], index=parts["index"], columns=parts["columns"])

    def _decode__series(self, content, where):
        return pd.Series(self.value(content["data"], f"{where}.data"),
                         index=self.value(content["index"], f"{where}.index"),
                         name=self.value(content["name"], f"{where}.name"))


def _tag_is(value, tag):
    return isinstance(value, dict) and len(value) == 1 and tag in value


def _is_count(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1
