"""Data-parallel training under an :class:`accelerate.Accelerator`.

With ``accelerator=Accelerator()`` a regressor's ``fit`` and ``partial_fit``
train one model in every process of a launch (``accelerate launch`` or
``torchrun``), each process on its share of every mini-batch:

* every process reads the whole training set (each one runs the same script
  on the same data) and validates, scales and windows it as one process
  would;
* each epoch, every process draws the permutation a single process would and
  takes rank 0's (a broadcast), so all of them cut the same batches of
  ``batch_size`` rows; process ``rank`` trains on rows ``rank::world_size`` of
  each (:class:`~sklstm._training.Shard`);
* the module is wrapped for gradient averaging by the accelerator
  (``accelerator.prepare_model``: ``DistributedDataParallel`` when there are
  several processes) for training only. ``net_.module_`` stays the plain
  module, so early stopping's best weights, pickling, :func:`sklstm.save` and
  :func:`sklstm.export.to_onnx` see what they see without an accelerator;
* each process's loss is weighted by its share of the batch's loss
  denominator (rows, or with ``sample_weight`` / ``missing="mask"`` the
  weights of the observed targets), so the averaged gradient is the gradient
  of the loss of the whole batch, including a last batch that does not split
  evenly;
* the recorded loss of each batch is the sum of those weighted losses over
  the processes (the loss of the whole batch), and each epoch's training and
  validation losses are then taken from rank 0, so every process makes the
  same early-stopping decision. Every process validates on the whole
  validation tail;
* ``predict`` runs in each process on the rows it is given, unsharded.

One step is the single-process step on the same global batch, up to float32
rounding: the whole batch's loss is summed in another order. Dropout masks
are drawn per process, so with ``dropout > 0`` a run matches a single
process in distribution only.
"""

import os
import sys

import torch
from skorch import NeuralNetRegressor
from skorch.callbacks import Callback
from skorch.dataset import unpack_data
from skorch.hf import AccelerateMixin
from skorch.utils import to_tensor

from ._training import Shard
from .nn.losses import MaskedLoss

__all__ = ["ACCELERATOR_TEXT", "AgreeOnLosses", "DataParallelNet", "NoPrintLog", "Rank0Permutation",
           "data_parallel_net", "is_accelerator"]

#: How the ``accelerator`` rule describes a valid value in its error message.
ACCELERATOR_TEXT = ("an accelerate.Accelerator, such as accelerate.Accelerator() in a script "
                    "started by accelerate launch or torchrun (install it with "
                    "pip install 'sklstm[accelerate]')")

#: Accelerator modes that shard or compile the model themselves: not data-parallel.
_UNSUPPORTED = ("DEEPSPEED", "FSDP", "XLA", "MEGATRON_LM")

#: Seed offset between processes, for their dropout masks (see ``on_train_begin``).
_RANK_SEED_STRIDE = 1_000_003


def is_accelerator(value):
    """Whether ``value`` is an :class:`accelerate.Accelerator` (never imports accelerate)."""
    accelerate = sys.modules.get("accelerate")
    return accelerate is not None and isinstance(value, accelerate.Accelerator)


def data_parallel_net(estimator, **kwargs):
    """The :class:`DataParallelNet` for ``estimator``, from its ``NeuralNetRegressor`` kwargs.

    Checks that the estimator's ``accelerator`` can train it data-parallel,
    and makes the accelerator's device the estimator's (``predict`` runs
    there).
    """
    accelerator = estimator.accelerator
    _check_accelerator(estimator, accelerator)
    device = accelerator.device
    estimator._torch_device = "cpu" if device.type == "cpu" else str(device)
    rank, world_size = accelerator.process_index, accelerator.num_processes
    agree = Rank0Permutation(accelerator) if world_size > 1 else None
    callbacks = kwargs.pop("callbacks")
    for item in callbacks:
        callback = item[1] if isinstance(item, (tuple, list)) else item
        if getattr(callback, "sink", None) is print:     # print once, not once per process
            callback.sink = accelerator.print
    if "callbacks__print_log" in kwargs and kwargs["callbacks__print_log"] is None:
        # the mixin sets the log's sink, so a log must exist, one that prints nothing
        kwargs["callbacks__print_log"] = NoPrintLog()
    kwargs.update(
        device=None,                                     # the accelerator places the model
        iterator_train__shard=Shard(rank, world_size, device, agree),
        iterator_valid__shard=Shard(0, 1, device),       # every process validates on all
        callbacks=[("agree_on_losses", AgreeOnLosses(accelerator))] + callbacks,
    )
    return DataParallelNet(accelerator=accelerator, **kwargs)


def _check_accelerator(estimator, accelerator):
    name = type(estimator).__name__
    mode = accelerator.distributed_type
    if getattr(mode, "name", str(mode)) in _UNSUPPORTED:
        raise ValueError(
            f"{name}: accelerator uses {mode}, which shards or compiles the model "
            "itself; sklstm trains data-parallel only (every process holds the whole "
            "model). Make the Accelerator without a DeepSpeed, FSDP, Megatron-LM or "
            "XLA plugin (accelerate config: 'multi-GPU' or 'multi-CPU').")
    launched = int(os.environ.get("WORLD_SIZE", "1"))
    if accelerator.num_processes != launched:
        raise ValueError(
            f"{name}: this process is one of WORLD_SIZE={launched} started together, "
            f"but accelerator sees {accelerator.num_processes} process(es), so each "
            "would train alone. Without GPUs, make it with Accelerator(cpu=True).")
    if accelerator.gradient_accumulation_steps != 1:
        raise ValueError(
            f"{name}: accelerator has gradient_accumulation_steps="
            f"{accelerator.gradient_accumulation_steps}; sklstm steps once per batch. "
            "Make the Accelerator with gradient_accumulation_steps=1 and raise "
            "batch_size instead (the batch is split between the processes).")
    if estimator._torch_device != "cpu":
        raise ValueError(
            f"{name}: device={estimator.device!r} together with an accelerator. The "
            f"accelerator decides where each process trains (here {accelerator.device}); "
            "leave device='cpu', the default.")


class Rank0Permutation:
    """Replace this process's permutation with rank 0's (a broadcast).

    Parameters
    ----------
    accelerator : accelerate.Accelerator
    """

    def __init__(self, accelerator):
        self.accelerator = accelerator

    def __call__(self, order):
        from accelerate.utils import broadcast

        return broadcast(order.to(self.accelerator.device), from_process=0).cpu()


class AgreeOnLosses(Callback):
    """Take every epoch's training and validation loss from rank 0.

    The processes compute the same numbers; taking rank 0's makes sure that
    callbacks after this one (early stopping above all) decide the same in
    every process, since a process that stopped alone would leave the others
    waiting for it.

    Parameters
    ----------
    accelerator : accelerate.Accelerator
    """

    def __init__(self, accelerator):
        self.accelerator = accelerator

    def on_epoch_end(self, net, **kwargs):
        if self.accelerator.num_processes == 1:
            return
        from accelerate.utils import broadcast

        names = [name for name in ("train_loss", "valid_loss") if name in net.history[-1]]
        values = torch.tensor([net.history[-1, name] for name in names],
                              dtype=torch.float64, device=self.accelerator.device)
        values = broadcast(values, from_process=0).tolist()
        for name, value in zip(names, values):
            net.history.record(name, value)


class NoPrintLog(Callback):
    """Stands in for skorch's ``PrintLog`` when there is nothing to print (``verbose=0``).

    Parameters
    ----------
    sink : callable, default=print
        Accepted (skorch's ``AccelerateMixin`` sets it) and never called.
    """

    def __init__(self, sink=print):
        self.sink = sink


class DataParallelNet(AccelerateMixin, NeuralNetRegressor):
    """``NeuralNetRegressor`` that trains data-parallel under an ``accelerate.Accelerator``.

    skorch's :class:`~skorch.hf.AccelerateMixin` prepares the net's module and
    optimizer once, in ``initialize``, and puts the wrapped objects in their
    place. Here the module and optimizer stay plain: the accelerator prepares
    them at the start of each training run (``fit`` or ``partial_fit``),
    training runs through the prepared ones, and they are dropped at its end.
    So ``module_`` is the trained module at any time (early stopping's best
    weights load into it; pickling, saving and ONNX export read it), and a
    later ``partial_fit`` trains data-parallel again.

    The training iterator must be a :class:`~sklstm._training.TensorBatches`
    with a :class:`~sklstm._training.Shard`, which tells each step what share
    of the batch's loss this process holds (see :mod:`sklstm._distributed`).
    """

    #: While training: the prepared module and optimizers (a dict, as skorch
    #: allows torch objects as attributes only in its initialize methods).
    _prepared = None
    #: While training: the training TensorBatches (it knows the batch's shares).
    _train_batches = None

    def _initialize_accelerator(self):
        """Place the modules and criteria on the accelerator's device (nothing is wrapped)."""
        for name in self._modules + self._criteria:
            module = getattr(self, name + "_")
            if isinstance(module, torch.nn.Module):
                module.to(self.accelerator.device)
        return self

    def _unwrap_accelerator(self):
        """Drop what ``on_train_begin`` prepared; the accelerator forgets it too."""
        if self._prepared is None:
            return
        module, optimizers = self._prepared["module"], self._prepared["optimizers"]
        # restores the module's own forward if mixed precision replaced it
        self.accelerator.unwrap_model(module, keep_fp32_wrapper=False)
        _forget(getattr(self.accelerator, "_models", None), module)
        for optimizer in optimizers.values():
            _forget(getattr(self.accelerator, "_optimizers", None), optimizer)
        self._prepared = self._train_batches = None

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        accelerator = self.accelerator
        self._prepared = {
            "module": accelerator.prepare_model(self.module_),
            "optimizers": {name: accelerator.prepare_optimizer(getattr(self, name + "_"))
                           for name in self._optimizers},
        }
        if accelerator.process_index:
            # Rank 0 keeps the seeded stream of a single process (its
            # permutations are the ones used); the others draw dropout masks
            # from streams of their own.
            torch.manual_seed(torch.initial_seed()
                              + _RANK_SEED_STRIDE * accelerator.process_index)

    def get_iterator(self, dataset, training=False):
        # skorch's, without accelerate's prepare: TensorBatches shards itself
        iterator = NeuralNetRegressor.get_iterator(self, dataset, training=training)
        if training:
            self._train_batches = iterator
        return iterator

    def infer(self, x, **fit_params):
        """The module's output; in training, through the prepared (gradient-averaging) module."""
        if self._prepared is None or not self.module_.training:
            return super().infer(x, **fit_params)
        return self._prepared["module"](to_tensor(x, device=self.device), **fit_params)

    def train_step_single(self, batch, **fit_params):
        """Forward, loss and backward of this process's rows; returns the whole batch's loss.

        The loss is scaled by ``world_size`` times this process's share of the
        batch's loss denominator before ``accelerator.backward``: averaged
        over the processes, the gradients are then those of the whole
        batch's loss.
        """
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        with self.accelerator.autocast():
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        share = self._loss_share(yi)
        world_size = self.accelerator.num_processes
        self.accelerator.backward(loss * (share * world_size))
        total = loss.detach() * share
        if world_size > 1:
            from accelerate.utils import reduce

            total = reduce(total, reduction="sum")
        return {"loss": total, "y_pred": y_pred}

    def _step_optimizer(self, step_fn):
        step_fn()
        for optimizer in self._prepared["optimizers"].values():
            optimizer.step()

    def evaluation_step(self, batch, training=False):
        # skorch's: predictions stay in the process that asked for them
        return NeuralNetRegressor.evaluation_step(self, batch, training=training)

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        if training:    # the epoch's loss averages batches weighted by their whole size
            self.history.record_batch("train_batch_size",
                                      len(self._train_batches.global_targets))

    def _loss_share(self, yi):
        """This process's share of the batch's loss denominator (0 for a placeholder)."""
        batches = self._train_batches
        if not batches.counts:
            return 0.0
        whole = self._loss_mass(batches.global_targets)
        return self._loss_mass(yi) / whole if whole > 0 else 0.0

    def _loss_mass(self, y):
        """What the loss of targets ``y`` divides by, up to a factor equal in every process."""
        if isinstance(self.criterion_, MaskedLoss):     # [targets, weight] columns
            observed = ~torch.isnan(y[:, :-1])
            return float((y[:, -1:] * observed).sum())
        return float(len(y))

    def __getstate__(self):
        state = super().__getstate__()
        for name in ("_prepared", "_train_batches"):
            state.pop(name, None)
        # where the tensors were, for skorch's device map when unpickling
        state["device"] = str(self.accelerator.device)
        return state


def _forget(prepared, obj):
    """Remove ``obj`` from an accelerator's list of prepared objects, if it is there."""
    if isinstance(prepared, list):
        for i, item in enumerate(prepared):
            if item is obj:
                del prepared[i]
                return
