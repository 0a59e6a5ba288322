"""Pickling of the regressors: every torch tensor they hold can be mapped to another device.

:class:`TorchStateMixin` gives :class:`~sklstm.base.SequenceRegressor` its
``__getstate__`` / ``__setstate__``. A model fitted on a GPU unpickles on a
CPU-only machine: its tensors are mapped to the CPU, with a warning. The
safe, pickle-free format is :func:`sklstm.save` (:mod:`sklstm.persistence`).
"""

import io
import pickle
import warnings

import torch

__all__ = ["TorchStateMixin", "pickle_state", "unpickle_state"]


#: Stands for ``net_.module`` in a pickle: it is the same object as ``net_.module_``.
_SAME_AS_MODULE_ = "sklstm: same as module_"


class _DeviceMapUnpickler(pickle.Unpickler):
    """Unpickles torch objects with their storages mapped to ``map_location``."""

    def __init__(self, file, map_location):
        super().__init__(file)
        self.map_location = map_location

    def find_class(self, module, name):
        if (module, name) == ("torch.storage", "_load_from_bytes"):
            return lambda data: torch.load(io.BytesIO(data), map_location=self.map_location,
                                           weights_only=True)
        return super().find_class(module, name)


def pickle_state(state):
    """Pickle state of a :class:`~sklstm.base.SequenceRegressor` whose tensors can be mapped.

    Torch modules and tensors held by the estimator itself (such as
    ``quantized_module_``) are pickled into one blob that
    :func:`unpickle_state` loads with a device map. skorch pickles the net's
    own modules that way already; ``net_.module`` (the same object as
    ``net_.module_``) is replaced by a marker so that it is not pickled a
    second time, outside that map.
    """
    state = dict(state)
    torch_attributes = {name: value for name, value in state.items()
                        if isinstance(value, (torch.nn.Module, torch.Tensor))}
    for name in torch_attributes:
        del state[name]
    if torch_attributes:
        state["_torch_attributes"] = pickle.dumps(torch_attributes)
    net = state.get("net_")
    module = getattr(net, "module", None)
    if module is not None and module is getattr(net, "module_", None):
        shallow = object.__new__(type(net))
        shallow.__dict__.update(net.__dict__)
        shallow.__dict__["module"] = _SAME_AS_MODULE_
        state["net_"] = shallow
    return state


def unpickle_state(state, owner):
    """Inverse of :func:`pickle_state`; CUDA state goes to the CPU when CUDA is absent."""
    device = state.get("_torch_device")
    if isinstance(device, str) and device.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"{owner} was fitted on device {device!r}, but CUDA is not available on "
            "this machine: its tensors were mapped to the CPU and it predicts there. "
            "Set device='cpu' (set_params) before fitting it again here.",
            UserWarning, stacklevel=3)
        device = state["_torch_device"] = "cpu"
    blob = state.pop("_torch_attributes", None)
    if blob is not None:
        state.update(_DeviceMapUnpickler(io.BytesIO(blob), torch.device(device or "cpu")).load())
    net = state.get("net_")
    if isinstance(getattr(net, "module", None), str) and net.module == _SAME_AS_MODULE_:
        net.__dict__["module"] = net.module_
    return state


class TorchStateMixin:
    """``__getstate__`` / ``__setstate__`` through :func:`pickle_state` / :func:`unpickle_state`."""

    def __getstate__(self):
        """Pickle state in which every tensor can be mapped to another device.

        Torch objects held by the estimator itself (``quantized_module_``) go
        into one blob that :meth:`__setstate__` loads with a device map, as
        skorch does for ``net_``'s modules (see :func:`pickle_state`).
        """
        return pickle_state(super().__getstate__())

    def __setstate__(self, state):
        """Restore a pickled estimator; without CUDA, CUDA state goes to the CPU.

        A model fitted with ``device="cuda"`` unpickled where CUDA is not
        available has its tensors mapped to the CPU, predicts there, and
        warns (``UserWarning``).
        """
        super().__setstate__(unpickle_state(state, type(self).__name__))
