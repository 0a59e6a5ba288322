"""``SequenceRegressor``: what every sklstm regressor shares.

Validation, seeding, input and target scaling, the skorch net and the training
loop live here once. A variant is a subclass that declares its parameters
(``_variant_params``, ``_parameter_constraints``) and builds its torch module
(``_build_module``); the other hooks it may override are listed, with what
each receives, returns and may set, in the "Adding a variant" section of the
:class:`SequenceRegressor` docstring.
"""

import copy
import inspect
import numbers
from contextlib import contextmanager
from functools import partial

import numpy as np
import torch
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted
from skorch import NeuralNetRegressor
from skorch.callbacks import EarlyStopping, ProgressBar

from ._distributed import ACCELERATOR_TEXT, data_parallel_net, is_accelerator
from ._forward import ChunkedForwardMixin
from ._future import history
from ._intervals import is_levels, training_levels
from ._model_intervals import ModelIntervalsMixin
from ._pickling import TorchStateMixin
from ._threads import SMALL_MODEL, torch_threads
from ._training import (
    SequenceRows,
    TailSplit,
    TensorBatches,
    several_series,
    silent,
    step_settings,
)
from ._validation import (
    Interval,
    Options,
    check_params,
    check_sequences,
    check_target,
    chunk_rows,
    flatten_target,
    gather,
    inherit_rules,
    row_chunks,
)
from ._window_norm import (
    MODES,
    ChannelMoments,
    channel_stats,
    choose_window_norm_chunked,
    from_window_units,
    level_ratio,
    normalize_windows,
    spread_elasticity,
    standardize_channels,
    to_window_units,
    window_stats,
)
from .nn.decoder import FutureDecoder
from .nn.losses import LOSSES, MaskedLoss, PositiveOutput
from .nn.quantile import PinballLoss, QuantileHead
from .nn.skip import LinearSkip

__all__ = ["SequenceRegressor"]

#: Training windows that ``window_norm="auto"`` reads to choose (evenly spaced).
AUTO_ROWS = 4000

#: The decoder's size for a variant without ``hidden_size``.
DECODER_SIZE = 64

class Registered(Options):
    """Rule: a name in a registry, read when checked (so later entries count too)."""

    def __init__(self, registry, where):
        super().__init__(())
        self.registry, self.where = registry, where

    def is_valid(self, value):
        return isinstance(value, str) and value in self.registry

    def describe(self):
        return f"one of {', '.join(map(repr, self.registry))} (the names in {self.where})"

OPTIMIZERS = {
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "sgd": torch.optim.SGD,
    "rmsprop": torch.optim.RMSprop,
}



def _is_optimizer_class(value):
    return isinstance(value, type) and issubclass(value, torch.optim.Optimizer)


def _is_cuda_name(value):
    return isinstance(value, str) and value.startswith("cuda:") and value[5:].isdigit()


def _is_callback_list(value):
    return isinstance(value, (list, tuple))


def _is_random_state(value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return 0 <= value < 2**32
    return isinstance(value, np.random.RandomState)


class SequenceRegressor(TorchStateMixin, ModelIntervalsMixin, ChunkedForwardMixin, RegressorMixin,
                        BaseEstimator):
    r"""Base class of the sklstm sequence regressors.

    Holds plain hyperparameters; ``fit`` validates the data, standardises the
    target, seeds torch from ``random_state`` (without touching the global RNG)
    and trains a :class:`skorch.NeuralNetRegressor`, kept as ``net_``, around the
    module that the variant's ``_build_module`` returns.

    Parameters
    ----------
    hidden_size : int, default=32
        Units in each recurrent layer (per direction).
    num_layers : int, default=1
        Stacked recurrent layers.
    dropout : float, default=0.0
        Dropout between stacked layers and before the output head.
    lr : float or "auto", default="auto"
        Learning rate of the optimizer. ``"auto"``: 0.01 for windows of one
        series; 0.001 for a panel's windows of several series (from
        ``Windower(series_id=...)``), where one global model learns every
        series and the smaller step forecast better on every panel
        measured (see ``lr_``). ``lr`` and ``weight_decay`` are decided
        separately: the former behaviour on a panel is ``lr=0.01,
        weight_decay=0.0``.
    max_epochs : int, default=200
        Upper bound on passes over the training data.
    batch_size : int, default=32
        Samples per mini-batch.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or torch optimizer class, default="adam"
        The optimizer; a class such as ``torch.optim.NAdam`` is passed to skorch
        as is.
    weight_decay : float or "auto", default="auto"
        L2 penalty passed to the optimizer. ``"auto"``: 0 for windows of one
        series, 0.001 for a panel's windows of several series (see
        ``weight_decay_``).
    tol : float, default=1e-4
        Minimum decrease of the monitored loss (on standardised targets) that
        counts as an improvement.
    early_stopping : bool, default=False
        Hold out the last ``validation_fraction`` of the samples (time order is
        kept: the tail validates; for a panel's windows from
        ``Windower(series_id=...)``, the last fraction of each series'
        windows, its latest dates), stop when the validation loss stops
        improving and restore the weights of the best epoch. When ``False``,
        training stops when the *training* loss plateaus.
    validation_fraction : float, default=0.1
        Share of samples held out when ``early_stopping=True``.
    n_iter_no_change : int or None, default=10
        Epochs without an improvement of at least ``tol`` before training
        stops. ``None`` always runs ``max_epochs`` epochs.
    window_norm : {"auto", None, "standard", "mean", "last", "relative", "level"}, default="auto"
        Per-window normalisation (RevIN, Kim et al. 2022): each window's
        channels are shifted by their window mean (``"standard"``, ``"mean"``)
        or last value (``"last"``, ``"relative"``), and divided by their
        window standard deviation (``"standard"``) or mean absolute value
        (``"relative"``, ``"level"``; ``"level"`` does not shift). The target
        is expressed in the same units as channel ``target_channel`` of its
        window and mapped back in ``predict``, so forecasts of a trending
        series can go beyond the range seen in training, and with a scale,
        series at very different levels share one model (a panel).
        ``"auto"`` decides in ``fit``: when the windows' levels differ between
        windows (a trend, a random walk, a long cycle, or a panel of series at
        different levels; not a seasonal series around a constant level) and
        the last value of the target channel
        forecasts ``y`` better than ``y``'s mean does, ``"relative"`` if a
        window's spread grows with its level (a panel of sales) and
        ``"last"`` if not (a trend under a seasonal swing of fixed size);
        else ``None`` (a stationary series, or regression data). The choice
        is ``window_norm_``. ``None`` leaves windows as they are. In every
        mode the input channels are then standardised with their training
        mean and standard deviation.
    window_norm_channels : {"all", "target"}, default="all"
        The channels ``window_norm`` normalises. ``"all"``: every input
        channel, by its own window statistics (RevIN). ``"target"``: only
        channel ``target_channel``; the other channels (covariates such as a
        promotion flag, a price or calendar features, whose absolute values
        carry their meaning) keep their values and get only the training
        standardisation. Use ``"target"`` with covariates, and for panels of
        series at different levels with ``window_norm="standard"``.
    target_channel : int or None, default=0
        With ``window_norm``, the input channel the target is measured in
        (``0`` is the series column that :func:`~sklstm.forecast_xy` puts
        first). Every output column (horizon step) is mapped with that
        channel's window statistics. ``None`` normalises the inputs only.
    quantiles : tuple of float in (0, 1) or None, default=None
        Train a quantile head: the network outputs one value per (output,
        level), anchored at the median and spread by cumulative softplus
        offsets, so quantiles never cross
        (:class:`~sklstm.nn.quantile.QuantileHead`), and training minimises
        the mean pinball loss in model units. The median is always trained
        (0.5 is added when missing) and is what ``predict`` returns. Read
        them with :meth:`predict_quantiles`; central intervals with
        :meth:`predict_interval` need the levels ``(1 - coverage) / 2`` and
        ``(1 + coverage) / 2``.
    conformal : {False, True, "scaled", "absolute"}, default=False
        Split-conformal calibration: train on the first
        ``1 - calibration_fraction`` of the rows and compute conformity
        scores, per output, on the last ``calibration_fraction`` (time order
        is kept, never shuffled; for a panel's windows, the last fraction of
        each series' windows); the margin for coverage :math:`1 - \alpha`
        is the :math:`\lceil (n + 1)(1 - \alpha) \rceil`-th smallest of the
        :math:`n` scores. Gives every variant intervals, even one trained
        with MSE. The scores, in model units (after ``window_norm`` and
        target scaling, which map the bounds back as they map the point
        forecast):

        - ``"absolute"``: absolute residuals :math:`|y - \hat{y}|`, an
          interval of one width for every window; with ``quantiles``, the
          CQR scores of Romano et al. (2019),
          :math:`\max(\hat{q}_{lo} - y, y - \hat{q}_{hi})`;
        - ``"scaled"`` (what ``True`` means): the same scores divided by
          the standard deviation of the target channel over the window,
          :math:`\sigma_x`; the interval is
          :math:`\hat{y} \pm \hat{s}\, \sigma_x` (or the quantile pair
          widened by :math:`\hat{s}\, \sigma_x`), wide where the series
          is volatile (normalized conformal prediction, Papadopoulos et al.
          2008). Same guarantee, since :math:`\sigma_x` depends on the
          input only; on series whose noise grows with their level it holds
          coverage where ``"absolute"`` does not (see the intervals page of
          the docs). With ``window_norm="standard"`` model units already
          divide by that deviation, so ``"scaled"`` and ``"absolute"``
          coincide; frame windows and ``target_channel=None`` use
          ``"absolute"``.
    calibration_fraction : float in (0, 1), default=0.2
        Share of the training rows, taken from the end, held out for
        calibration when ``conformal=True``.
    missing : {"raise", "mask"}, default="raise"
        What NaN in ``X`` or ``y`` means. ``"raise"``: an error. ``"mask"``:
        a gap. Window and channel statistics leave NaN out (``"last"`` is
        the last observed value); after normalisation a missing input is 0
        and one availability channel per input channel (1 observed, 0
        missing) is appended, so the model sees what was missing; a missing
        target is left out of the loss, output by output. ``predict`` then
        never returns NaN: a window whose target channel (``target_channel``)
        has no observed value at all is an error naming the rows.
    loss : {"squared_error", "absolute_error", "huber", "poisson"}, default="squared_error"
        The training loss of the point forecast, on targets in model units
        (a name in :data:`sklstm.nn.losses.LOSSES`, whose docstring gives
        each formula). ``"absolute_error"`` trains for the median, which
        MAE-type scores (MAE, MASE, WAPE) reward; ``"huber"`` is squared
        within one target standard deviation and absolute beyond.
        ``"poisson"`` (counts, sales) needs non-negative targets: the model
        outputs a positive mean (a log link), targets are divided by their
        training standard deviation without centring, and ``window_norm``
        must leave targets non-negative: ``None``, ``"level"``, or
        ``"auto"``, which then resolves to ``None``. Composes with
        ``sample_weight``, ``missing="mask"``, early stopping and
        ``conformal``. With ``quantiles`` every level
        trains on the pinball loss (the 0.5 level on the absolute error), so
        ``loss`` must be ``"squared_error"`` or ``"absolute_error"`` there.
    skip : bool, default=False
        Add a linear function of the whole window (model units) to the
        network's output, trained with it from zero
        (:class:`~sklstm.nn.skip.LinearSkip`, LSTNet's highway): ridge on
        the lags inside the model, so the network learns what a linear
        model misses. Applies to windows ``(n_timesteps, n_features)``;
        frame inputs (ConvLSTM) and the Tree-LSTM's node layout ignore it.
    n_threads : "auto", int or None, default="auto"
        torch's intra-op threads inside ``fit`` and ``predict``, restored
        afterwards (the global setting is never changed). ``"auto"``: one
        thread for small models (``hidden_size * batch_size <= 16384``, the
        defaults included), whose matrix products are too small to share,
        and torch's setting for larger ones; an int: that many; ``None``:
        torch's global setting (``torch.set_num_threads``). One thread keeps
        small fits fast when other processes share the cores (under
        ``GridSearchCV(n_jobs=...)`` or Dask workers, each process then uses
        one core); see "Threads" in the README.
    callbacks : list of skorch callbacks or (name, callback) tuples, default=None
        Extra skorch callbacks. They are copied in ``fit``, so the objects you
        pass are never modified.
    device : {"cpu", "cuda", "auto"} or "cuda:N", default="cpu"
        Where to train; ``"auto"`` picks CUDA when available.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and dropout. Fitting with the
        same int gives identical models; the global torch RNG is left as it was.
    verbose : int, default=0
        0 is silent, 1 prints a per-epoch log, 2 also shows a progress bar.
    accelerator : accelerate.Accelerator or None, default=None
        Train data-parallel: in a script started by ``accelerate launch`` or
        ``torchrun``, with ``accelerator=accelerate.Accelerator()``, every
        process fits on the same data and trains on its share of each batch
        of ``batch_size`` rows, gradients are averaged, and every process
        ends with the same model; ``device`` stays ``"cpu"`` (the accelerator
        places the model). ``None`` trains in this process alone. See
        "Data-parallel training" on the scaling page of the docs.

    Attributes
    ----------
    net_ : skorch.NeuralNetRegressor
        The trained skorch net; its ``module_`` is the torch module.
    history_ : skorch.history.History
        Per-epoch (and per-batch) training records, ``net_.history``.
    loss_curve_ : list of float
        Training loss at each epoch: ``loss`` on targets in model units, or
        the pinball loss with ``quantiles``.
    n_iter_ : int
        Epochs run so far.
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit`` (the number of time steps).
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    window_norm_ : {None, "standard", "mean", "last"}
        The per-window normalisation in use (``window_norm`` with ``"auto"``
        resolved).
    lr_, weight_decay_ : float
        The learning rate and L2 penalty in use (``"auto"`` resolved on each
        ``fit``'s data, or on the first ``partial_fit`` call's).
    quantiles_ : tuple of float or None
        The levels the quantile head was trained for, sorted, with 0.5;
        ``None`` without ``quantiles``.
    n_calibration_samples_ : int
        Rows the conformity scores were computed on (``conformal=True``
        only; the latest ``partial_fit`` call's tail).

    Notes
    -----
    **Adding a variant.** A variant subclasses this class. It declares its
    parameters in two class dicts, which merge with the parent's
    automatically: ``_variant_params`` (name -> default; the generated
    ``__init__`` only assigns) and ``_parameter_constraints`` (name -> rule
    from :mod:`sklstm._validation`; every ``__init__`` parameter needs one).
    Class attributes ``_max_ndim`` and ``_max_target_ndim`` bound the ranks
    of ``X`` and ``y``; ``_onnx_exportable`` says whether
    :func:`sklstm.export.to_onnx` can export it. Then it overrides hooks:

    .. list-table::
       :header-rows: 1
       :widths: 18 32 22 28

       * - hook
         - receives
         - returns
         - may set on ``self``
       * - ``_build_module``
         - ``input_shape`` (one sample in model units, after
           ``_model_inputs``), ``n_outputs``
         - a ``torch.nn.Module`` mapping a batch to ``(batch, n_outputs)``
         - nothing
       * - ``_prepare_fit``
         - validated ``X`` (with a feature axis; float32 or float64 as
           given, possibly a strided view: read what you need, never copy
           it whole) and ``y`` (2-D float64), at the start of ``fit`` and
           of the first ``partial_fit``
         - ``None``
         - fitted layout read off the data (``hierarchy_``, column maps);
           calls ``super()._prepare_fit``, which sets ``window_norm_``,
           ``lr_`` and ``weight_decay_``
       * - ``_learns_several_series``
         - validated ``X``, in ``_prepare_fit``
         - whether one model learns several series (``lr="auto"`` then
           takes the panel step)
         - nothing
       * - ``_model_inputs``
         - a batch or chunk of validated rows (C-contiguous float32);
           ``fit``: a ``ChannelMoments`` in ``fit``'s input-scaling pass
         - model-unit ``X`` (``None`` in that pass) and the target's
           window statistics, row by row
         - with ``fit=True`` only: the input scaling (``_x_loc``,
           ``_x_scale``)
       * - ``_target_stats``
         - every channel's window location and scale, ``(n, n_channels)``
         - the statistics ``_encode_target`` and ``_decode_target`` use
           (the target channel's; the Tree-LSTM keeps every node's)
         - nothing
       * - ``_encode_target``
         - 2-D ``y`` and window statistics; ``fit=True`` while fitting
         - ``y`` in model units
         - with ``fit=True`` only: the target scaler (``_y_scaler``)
       * - ``_decode_target``
         - model outputs ``(n, n_model_outputs)`` and window statistics
         - ``(n, n_outputs)`` in target units
         - nothing
       * - ``_after_fit``
         - nothing; runs after ``fit`` and after every ``partial_fit``
         - ``None``
         - models derived from the trained net (``quantized_module_``)
       * - ``_inference_module``
         - nothing
         - the module ``predict`` runs (``net_.module_``)
         - nothing
       * - ``_pass_rows``
         - a chunk of model-unit rows (a tensor)
         - rows per padded forward pass of ``predict`` (``PREDICT_CHUNK``)
         - nothing

    With ``quantiles``, ``_build_module`` is asked for ``n_outputs`` times the
    number of levels (column ``o * n_levels + k`` is output ``o``'s level
    ``k``), and the base puts a :class:`~sklstm.nn.quantile.QuantileHead` on
    top; ``_decode_target`` then maps each level's ``(n, n_model_outputs)``
    slice on its own. A variant needs nothing else for quantiles or
    conformal intervals.

    **Adding a loss.** A loss is one
    :class:`~sklstm.nn.losses.PointLoss` passed to
    :func:`~sklstm.nn.losses.register_loss` in :mod:`sklstm.nn.losses`:
    its name (the value of ``loss=``), its elementwise loss on model-unit
    tensors, the torch criterion taking its plain mean, and two flags
    (``positive_output``: a log link and uncentred targets;
    ``nonnegative_target``: ``fit`` refuses negative targets). Weights,
    masks, early stopping, conformal calibration and every variant then
    work with it; test it against an independent computation
    (``tests/test_losses.py``).

    **Adding a scaler.** Per-window normalisation lives in
    :mod:`sklstm._window_norm`: a mode is a branch of
    :func:`~sklstm._window_norm.window_stats`, which returns each window's
    location and scale per channel, and its name goes in ``MODES``;
    inputs, targets (:func:`~sklstm._window_norm.to_window_units`), the
    ONNX graph's twin (``sklstm.export._window_stats``) and conformal
    scores follow from those two arrays.

    **Where the rest lives.** Output heads wrap the variant's module, each
    a small ``nn.Module`` with ``body`` and ``with_body`` (so the quantized
    and exportable twins keep them): :class:`~sklstm.nn.quantile.QuantileHead`,
    :class:`~sklstm.nn.losses.PositiveOutput`,
    :class:`~sklstm.nn.skip.LinearSkip`, and the decoder over known-future
    steps, :class:`~sklstm.nn.decoder.FutureDecoder` (the window layout is
    :mod:`sklstm._future`; ``_future_layout`` says whether a fitted model
    reads it). Predict-time forward passes are
    :mod:`sklstm._forward`; intervals and calibration
    :mod:`sklstm._model_intervals`; pickling :mod:`sklstm._pickling`;
    training batches :mod:`sklstm._training`.

    ``fit`` runs: check parameters and data (``_validate_fit``), the
    variant's ``_prepare_fit`` (on the training rows only, when
    ``conformal=True`` holds a calibration tail out), one pass of
    ``_model_inputs`` over fixed chunks of rows that learns the input
    scaling and collects the target's window statistics
    (``_window_units_target``), ``_encode_target(fit=True)``, training,
    ``_after_fit``, calibration. ``partial_fit`` runs the same setup on its
    first call and only the statistics and encoding on later ones;
    ``predict`` runs ``_model_inputs``, the module and ``_decode_target``
    ``PREDICT_CHUNK`` rows at a time.

    **Windows are never materialised.** ``X`` is kept as it was given (the
    :class:`~sklstm.Windower`'s strided view, O(n x features), stays a view;
    float64 is converted one chunk at a time) and checked chunk by chunk.
    Training batches are gathered from it a block of batches at a time
    (:class:`~sklstm._training.SequenceRows`) and put in model units there;
    early stopping's validation tail, the calibration tail and ``predict``
    go the same way. Peak memory is O(n) for targets, window statistics and
    outputs, plus one chunk (about 6 MiB), never O(n x n_timesteps). Every
    fit takes this one path: the per-batch cost is a few microseconds (see
    the scaling page of the docs), and a row gets the same model inputs,
    bit for bit, whether ``X`` is a view, a dense copy or float64.
    """

    _variant_params = {}
    _max_ndim = 3
    _max_target_ndim = 2
    #: Whether :func:`sklstm.export.to_onnx` can export this estimator.
    _onnx_exportable = True
    _parameter_constraints = {
        "hidden_size": Interval(int, 1),
        "num_layers": Interval(int, 1),
        "dropout": Interval(float, 0.0, 1.0, closed="left"),
        "lr": Options(["auto"], extra=Interval(float, 0.0, closed="neither").is_valid,
                      extra_text="a float > 0"),
        "max_epochs": Interval(int, 1),
        "batch_size": Interval(int, 1),
        "optimizer": Options(OPTIMIZERS, extra=_is_optimizer_class,
                             extra_text="a torch.optim.Optimizer subclass"),
        "weight_decay": Options(["auto"], extra=Interval(float, 0.0).is_valid,
                                extra_text="a float >= 0"),
        "tol": Interval(float, 0.0),
        "early_stopping": Options([True, False]),
        "validation_fraction": Interval(float, 0.0, 1.0, closed="neither"),
        "n_iter_no_change": Interval(int, 1, allow_none=True),
        "window_norm": Options(("auto", None) + MODES),
        "window_norm_channels": Options(["all", "target"]),
        "target_channel": Interval(int, 0, allow_none=True),
        "quantiles": Options([None], extra=is_levels,
                             extra_text="a tuple of floats in (0, 1)"),
        "conformal": Options([False, True, "scaled", "absolute"]),
        "calibration_fraction": Interval(float, 0.0, 1.0, closed="neither"),
        "missing": Options(["raise", "mask"]),
        "loss": Registered(LOSSES, "sklstm.nn.losses.LOSSES"),
        "skip": Options([True, False]),
        "n_threads": Options(["auto", None], extra=Interval(int, 1).is_valid,
                             extra_text="a positive int"),
        "callbacks": Options([None], extra=_is_callback_list, extra_text="a list"),
        "device": Options(["cpu", "cuda", "auto"], extra=_is_cuda_name,
                          extra_text="'cuda:N'"),
        "random_state": Options([None], extra=_is_random_state,
                                extra_text="an int in [0, 2**32) or a "
                                           "numpy.random.RandomState"),
        "verbose": Interval(int, 0),
        "accelerator": Options([None], extra=is_accelerator, extra_text=ACCELERATOR_TEXT),
    }

    def __init__(
        self,
        hidden_size=32,
        num_layers=1,
        *,
        dropout=0.0,
        lr="auto",
        max_epochs=200,
        batch_size=32,
        optimizer="adam",
        weight_decay="auto",
        tol=1e-4,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        window_norm="auto",
        window_norm_channels="all",
        target_channel=0,
        quantiles=None,
        conformal=False,
        calibration_fraction=0.2,
        missing="raise",
        loss="squared_error",
        skip=False,
        n_threads="auto",
        callbacks=None,
        device="cpu",
        random_state=None,
        verbose=0,
        accelerator=None,
    ):
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.tol = tol
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.window_norm = window_norm
        self.window_norm_channels = window_norm_channels
        self.target_channel = target_channel
        self.quantiles = quantiles
        self.conformal = conformal
        self.calibration_fraction = calibration_fraction
        self.missing = missing
        self.loss = loss
        self.skip = skip
        self.n_threads = n_threads
        self.callbacks = callbacks
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.accelerator = accelerator

    def __init_subclass__(cls, **kwargs):
        """Merge a variant's parameter rules; give it an ``__init__`` for its parameters.

        A variant's own ``_parameter_constraints`` extend (and may override)
        the parent's, so it lists only the rules it adds or changes.

        ``_variant_params`` maps a parameter name to its default: names the
        parent already has get a new default, new names are appended as
        keyword-only parameters. The generated ``__init__`` only assigns, and
        carries a real signature, so ``get_params``, ``clone``, ``repr`` and
        ``help`` see every parameter.
        """
        super().__init_subclass__(**kwargs)
        inherit_rules(cls)
        if "__init__" in cls.__dict__ or "_variant_params" not in cls.__dict__:
            return
        parent = inspect.signature(super(cls, cls).__init__)
        params = []
        for p in parent.parameters.values():
            if p.name in cls._variant_params:
                p = p.replace(default=cls._variant_params[p.name])
            params.append(p)
        params += [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
            for name, default in cls._variant_params.items()
            if name not in parent.parameters
        ]
        signature = parent.replace(parameters=params)

        def __init__(self, *args, **kwargs):
            bound = signature.bind(self, *args, **kwargs)
            bound.apply_defaults()
            for name, value in list(bound.arguments.items())[1:]:
                setattr(self, name, value)

        __init__.__signature__ = signature
        __init__.__qualname__ = f"{cls.__qualname__}.__init__"
        __init__.__doc__ = f"Initialise the {cls.__name__}; see the class docstring."
        cls.__init__ = __init__

    # ------------------------------------------------------------------ hooks

    def _build_module(self, input_shape, n_outputs):
        """Return the torch module for sequences of ``input_shape``.

        Parameters
        ----------
        input_shape : tuple of int
            One sample's shape in model units, ``(n_timesteps, n_features)``
            (or what the variant's ``_model_inputs`` makes of it).
        n_outputs : int
            Number of model outputs.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement _build_module(input_shape, n_outputs)"
        )

    #: Whether ``missing="mask"`` applies (its availability channels widen the input).
    _supports_missing = True

    #: Whether windows with known-future steps (:mod:`sklstm._future`) are read
    #: with :class:`~sklstm.nn.decoder.FutureDecoder` (else they are refused).
    _decodes_future = True

    #: Fitted known-future layout ``(n_history, n_future, known channels)``;
    #: ``None`` for plain windows (and for models saved before it existed).
    _future_layout = None

    def _prepare_fit(self, X, y):
        """Hook: set the fitted layout that the data determine, before any encoding.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_timesteps, n_features, ...), float32
            Validated sequences.
        y : ndarray of shape (n_samples, n_outputs), float64
            Validated targets (frame targets flattened).
        """
        if self.missing == "mask" and not self._supports_missing:
            raise ValueError(
                f"{type(self).__name__} does not support missing='mask': each input "
                "channel has a fixed role, with no room for availability channels. "
                "Fill the gaps (for example with SimpleImputer) and use "
                "missing='raise'.")
        self.window_norm_ = self._resolve_window_norm(X, y)
        self.lr_, self.weight_decay_ = step_settings(self._learns_several_series(X),
                                                     self.lr, self.weight_decay)

    def _learns_several_series(self, X):
        """Hook: whether one model learns several series from ``X`` (``lr="auto"``).

        True for a panel's windows of several series
        (:func:`~sklstm._training.several_series`); any other ``X`` is one series.
        """
        return several_series(X)

    def _after_fit(self):
        """Hook: derive what ``predict`` needs from the trained net (nothing here)."""

    def _inference_module(self):
        """Hook: the torch module that ``predict`` runs (the trained one by default)."""
        return self.net_.module_

    # -------------------------------------------------------------- training

    def fit(self, X, y, sample_weight=None):
        """Train a new model on sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Input sequences; a 2-D ``X`` is one univariate series per row.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets; use several outputs for multi-step horizons.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row's loss (the early-stopping
            validation loss is weighted too); ``None`` weighs rows equally.
            The loss is the weighted mean, so scaling every weight by the
            same factor changes nothing. With ``conformal=True``, rows of
            weight 0 are also left out of the calibration scores. In a
            Pipeline: ``pipe.fit(X, y, m__sample_weight=w)``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y, calibration = self._start_fit(X, y, sample_weight)
        with self._seeded(0), torch_threads(self._n_threads()):
            rows = self._training_rows(X, y)
            n_outputs, y = self._n_model_outputs(y), None    # the rows hold it, as a tensor
            self.net_ = self._make_net(rows.input_shape, n_outputs)
            self.net_.fit(rows, None)
            return self._finish_fit(calibration)

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one more epoch on ``(X, y)``, starting a model if needed.

        The first call fixes the input and target scaling and the sequence
        shape; later calls must match them. With ``conformal=True`` every
        call holds out its own last ``calibration_fraction`` of rows and
        recalibrates on them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
            Input sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, with as many outputs as in the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weight of each row's loss, as in :meth:`fit`.

        Returns
        -------
        self : object
            The estimator, trained one epoch further.
        """
        if not hasattr(self, "net_"):
            X, y, calibration = self._start_fit(X, y, sample_weight)
            with self._seeded(0):
                rows = self._training_rows(X, y)
                self.net_ = self._make_net(rows.input_shape,
                                           self._n_model_outputs(y)).initialize()
        else:
            X, y, calibration = self._continue_fit(X, y, sample_weight)
            rows = self._training_rows(X, y)
        with self._seeded(len(self.net_.history)), torch_threads(self._n_threads()):
            self.net_.partial_fit(rows, None, epochs=1)
            return self._finish_fit(calibration)






    def _check_predict_X(self, X):
        """Validate a fitted model's input; with ``missing="mask"``, check each window
        has an observed value of its target channel."""
        check_is_fitted(self)
        mask = self.missing == "mask"
        X, _ = check_sequences(self, X, reset=False, max_ndim=self._max_ndim, allow_nan=mask,
                               dtype=None, future=True)
        channel = self.target_channel
        if mask and channel is not None and X.ndim == 3 and channel < X.shape[2]:
            empty = np.concatenate([
                rows.start + np.flatnonzero(np.isnan(X[rows, :, channel]).all(axis=1))
                for rows in row_chunks(len(X), chunk_rows(X.shape[1:2]))])
            if len(empty):
                raise ValueError(
                    f"{type(self).__name__}: {len(empty)} window(s) have no observed "
                    f"value of the target channel {channel} (rows "
                    f"{', '.join(map(str, empty[:10]))}{', ...' if len(empty) > 10 else ''}"
                    "); there is nothing to forecast from. Use longer windows, or drop "
                    "those rows.")
        return X














    # ------------------------------------------------------------- internals

    def _start_fit(self, X, y, sample_weight=None):
        """The setup ``fit`` and a first ``partial_fit`` share.

        Returns the validated training sequences, as given (their model
        inputs are made batch by batch, see :meth:`_training_rows`), the
        training targets in model units (packed with their weights when the
        loss is masked, see :meth:`_training_target`) and the held-out
        calibration rows (validated, not yet encoded; ``None`` without
        ``conformal``).
        """
        X, y, weight = self._validate_fit(X, y, sample_weight)
        self._masked_loss = weight is not None or self.missing == "mask"
        X, y, weight, calibration = self._split_calibration(X, y, weight)
        self._prepare_fit(X, y)
        y, own = self._window_units_target(X, y, fit=True, weight=weight)
        y = self._encode_target(y, None, fit=True, sample_weight=weight, own=own)
        return X, self._training_target(y, weight), calibration

    def _window_units_target(self, X, y, fit=False, weight=None):
        """``y`` relative to the target's window statistics, one chunk of rows at a time.

        Each chunk's statistics are used and dropped, so a long panel never
        holds them all. With ``fit=True`` this pass also learns the input
        scaling (``_x_loc``, ``_x_scale``): each chunk's window-normalised
        inputs are added to a :class:`~sklstm._window_norm.ChannelMoments`,
        weighted by the rows' ``weight`` when given (a row of weight 0 does
        not shape the scaling). The chunks are fixed by the sequence shape
        (:func:`~sklstm._validation.chunk_rows`), so the statistics do not
        depend on how ``X`` lies in memory.

        Returns
        -------
        y : ndarray
            In window units; ``y`` itself without window statistics.
        own : bool
            Whether ``y`` is a new array (which encoding may overwrite).
        """
        moments = ChannelMoments(weight) if fit else None
        units = None
        for rows in row_chunks(len(X), chunk_rows(X.shape[1:])):
            _, stats = self._model_inputs(gather(X, rows), fit=moments if fit else False)
            if stats is not None:
                part = self._to_window_units(y[rows], stats)
                if units is None:
                    units = np.empty((len(y),) + part.shape[1:], dtype=part.dtype)
                units[rows] = part
        if fit:
            self._x_loc, self._x_scale = moments.result()
        return (y, False) if units is None else (units, True)

    def _training_rows(self, X, y):
        """What skorch trains on: ``X`` as it is, batches made by ``_model_inputs``."""
        return SequenceRows(X, self._to_tensor(y), self._batch_inputs)

    def _batch_inputs(self, X):
        """A gathered batch of training rows in model units."""
        return self._model_inputs(X)[0]

    def _continue_fit(self, X, y, sample_weight=None):
        """Check a later ``partial_fit``'s data against the first; return it as
        :meth:`_start_fit` does, with the scaling of the first call."""
        y, _ = flatten_target(self, y, self._max_target_ndim, fitted_shape=self._target_shape)
        X, y = check_sequences(self, X, y, reset=False, max_ndim=self._max_ndim,
                               y_required=True, allow_nan=self.missing == "mask",
                               dtype=None, future=True)
        y = check_target(y)
        if y.shape[1] != self._y_scaler.n_features_in_:
            raise ValueError(
                f"y has {y.shape[1]} outputs, but {type(self).__name__} was "
                f"started with {self._y_scaler.n_features_in_}. Pass targets "
                "with the same columns, or call fit to start over."
            )
        weight = self._check_weight(sample_weight, X)
        if weight is not None and not self._masked_loss:
            # weights from now on: the same loss, weighted
            self._masked_loss = True
            self.net_.set_params(**self._criterion())
        X, y, weight, calibration = self._split_calibration(X, y, weight)
        y, own = self._window_units_target(X, y)
        return X, self._training_target(self._encode_target(y, None, own=own), weight), \
            calibration

    def _training_target(self, y, weight):
        """What the criterion reads: ``y``, or with the masked loss ``[y, weight]``."""
        if not self._masked_loss:
            return y
        weight = np.ones(len(y)) if weight is None else weight
        return np.concatenate([y, weight[:, np.newaxis]], axis=1)

    def _n_model_outputs(self, y):
        """Model outputs behind a training target (without its weight column)."""
        return y.shape[1] - 1 if self._masked_loss else y.shape[1]

    def _finish_fit(self, calibration=None):
        """Run the ``_after_fit`` hook, calibrate, then expose the training history."""
        self._after_fit()
        if calibration is not None:
            self._calibrate(*calibration)
        self.history_ = self.net_.history
        self.loss_curve_ = list(self.history_[:, "train_loss"])
        self.n_iter_ = len(self.history_)
        return self


    def _validate_fit(self, X, y, sample_weight=None):
        """Check parameters and data; record the target's shape; draw the seed."""
        check_params(self, self._parameter_constraints)
        self._torch_device = self._resolve_device()
        y, self._target_shape = flatten_target(self, y, self._max_target_ndim)
        X, y = check_sequences(self, X, y, reset=True, max_ndim=self._max_ndim,
                               y_required=True, allow_nan=self.missing == "mask",
                               dtype=None, future=True)
        y = check_target(y)
        self._check_future_steps(y)
        self._check_loss(y)
        weight = self._check_weight(sample_weight, X)
        self.quantiles_ = None if self.quantiles is None else training_levels(self.quantiles)
        self._seed = int(check_random_state(self.random_state).randint(2**31 - 1))
        return X, y, weight

    def _check_future_steps(self, y):
        """Check that windows with known-future steps have one step per output."""
        layout = self._future_layout
        if layout is not None and not self._decodes_future:
            raise ValueError(
                f"{type(self).__name__} cannot read windows with known-future steps "
                f"(here {layout[1]} future step(s) after {layout[0]} history steps, "
                "marked by the last channel): its input channels have fixed roles "
                "(nodes, frames). Window the data with Windower(leads='keep') to pass "
                "the lead columns as plain channels, or use a recurrent variant such "
                "as LSTMRegressor, which decodes them step by step.")
        if layout is not None and y.shape[1] != layout[1]:
            raise ValueError(
                f"{type(self).__name__}: the windows carry known-future inputs for "
                f"{layout[1]} step(s) but y has {y.shape[1]} output(s); the decoder "
                "forecasts one output per future step. Build X and y with the same "
                "horizon (forecast_xy(..., horizon=h) gives h lead columns per covariate "
                "and h target columns).")

    def _check_loss(self, y):
        """Check that ``loss`` fits the targets, ``quantiles`` and ``window_norm``."""
        name, loss = type(self).__name__, LOSSES[self.loss]
        if self.quantiles is not None and self.loss not in ("squared_error", "absolute_error"):
            raise ValueError(
                f"{name}: loss={self.loss!r} with quantiles={self.quantiles!r}: a quantile "
                "head trains every level on the pinball loss, so there is no point loss to "
                "choose. Use quantiles=None to train for this loss, or keep "
                "loss='squared_error' with quantiles.")
        if loss.nonnegative_target:
            with np.errstate(invalid="ignore"):
                low = np.nanmin(y) if np.isfinite(y).any() else 0.0
            if low < 0:
                raise ValueError(
                    f"{name}: loss={self.loss!r} needs non-negative targets (counts, "
                    f"sales), but y has values down to {low:g}. Use loss='squared_error' "
                    "or 'absolute_error' for signed targets, or shift y to be >= 0.")
            if self.window_norm not in ("auto", None, "level"):
                raise ValueError(
                    f"{name}: loss={self.loss!r} with window_norm={self.window_norm!r}: "
                    "a target shifted by its window can be negative, which the Poisson "
                    "loss cannot fit. Use window_norm=None (or 'auto', which then means "
                    "None), or 'level', which only divides by the window's level.")

    def _check_weight(self, sample_weight, X):
        """Validated row weights, or ``None`` when they are all equal (the plain mean)."""
        if sample_weight is None:
            return None
        name = type(self).__name__
        if isinstance(sample_weight, numbers.Number):
            raise TypeError(
                f"{name}: sample_weight must be an array of one weight per row, got "
                f"{sample_weight!r}. Pass np.full(len(X), value), or None.")
        weight = _check_sample_weight(sample_weight, X, dtype=np.float64,
                                      ensure_non_negative=True)
        if not np.isfinite(weight).all():
            raise ValueError(f"{name}: sample_weight contains NaN or infinity; pass "
                             "finite, non-negative weights.")
        return None if (weight == weight[0]).all() else weight

    def _resolve_window_norm(self, X, y):
        """``window_norm`` with ``"auto"`` decided on the training data.

        ``X`` is the validated training windows (a view; their last time
        step and at most ``AUTO_ROWS`` evenly spaced windows are read).
        A shifting mode where the windows' levels differ between windows
        (:func:`~sklstm._window_norm.level_ratio` above twice its white-noise
        value ``1 / n_timesteps``: a trend, a random walk, a cycle longer
        than the window, a panel of series at different levels) and
        the last value of the target channel forecasts ``y`` better than
        ``y``'s mean (:func:`~sklstm._window_norm.choose_window_norm`):
        ``"relative"`` where a window's spread grows with its level
        (:func:`~sklstm._window_norm.spread_elasticity` above 1/2, a panel),
        else ``"last"`` (a trend under a swing of fixed size). Otherwise
        ``None``, which is right for stationary series.
        """
        X = history(X, self._future_layout)            # the steps observed so far
        if self.window_norm != "auto":
            self._check_target_channel(X.shape[2])
            return self.window_norm
        channel = self.target_channel
        if channel is None or channel >= X.shape[2]:
            return None
        if LOSSES[self.loss].positive_output:     # window units could be negative
            return None
        def last(rows):                                 # (rows, 1): persistence
            return window_stats(gather(X, (rows, slice(-1, None), slice(channel, channel + 1))),
                                "last")[0]
        mode = choose_window_norm_chunked(
            last, y, row_chunks(len(X), chunk_rows(X.shape[1:])), mode="relative")
        rows = np.unique(np.linspace(0, len(X) - 1, min(len(X), AUTO_ROWS)).astype(int))
        windows = gather(X, rows)[:, :, channel]
        windows = windows.reshape(len(rows), -1)        # frames: time and space pooled
        # white noise gives a ratio near 1 / n_timesteps; twice that is "levels differ"
        if mode is None or not level_ratio(windows) > 2.0 / windows.shape[1]:
            return None
        return "relative" if spread_elasticity(windows) > 0.5 else "last"

    # The inputs' and the target's way into model units and back: one code
    # path for fit, partial_fit and predict.

    def _model_inputs(self, X, fit=False):
        """Window-normalise ``X`` (if asked), then standardise each input channel.

        Every step but the channel statistics works row by row, so ``fit``,
        ``partial_fit`` and ``predict`` call this on one batch or chunk of
        rows at a time, and a row gets the same model inputs in any of them.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_timesteps, n_channels, ...), float32
            C-contiguous (see :func:`~sklstm._validation.gather`).
        fit : bool or ChannelMoments, default=False
            ``True``: learn the channels' training mean and standard deviation
            from ``X`` (:func:`~sklstm._window_norm.channel_stats`). A
            :class:`~sklstm._window_norm.ChannelMoments`: add the
            window-normalised ``X`` to it and stop there (``fit`` learns the
            scaling chunk by chunk this way); the returned ``X`` is then
            ``None``.

        Returns
        -------
        X : ndarray of shape (n_samples, n_timesteps, n_channels, ...), float32
            With ``missing="mask"``: ``2 * n_channels`` channels, the zero-filled
            inputs and then their availability (1 observed, 0 missing).
        stats : tuple of two ndarrays of shape (n_samples,), or None
            Location and scale of the target channel in each window.
        """
        stats = None
        layout = self._future_layout
        if self.window_norm_ is not None:
            # statistics of the history; known-future steps are taken relative to it
            loc, scale = window_stats(history(X, layout), self.window_norm_)
            if layout is not None:                     # the marker: see below
                loc = np.pad(loc, ((0, 0), (0, 1)))
                scale = np.pad(scale, ((0, 0), (0, 1)), constant_values=1.0)
            kept = ~self._normalized_channels(X.shape[2])
            loc[:, kept], scale[:, kept] = 0.0, 1.0
            Xn = normalize_windows(X, loc, scale)
            if self.target_channel is not None:
                stats = self._target_stats(loc, scale)
        else:
            Xn = X
        if isinstance(fit, ChannelMoments):
            fit.add(Xn)
            return None, stats
        if fit:
            self._x_loc, self._x_scale = channel_stats(Xn)
        observed = ~np.isnan(X) if self.missing == "mask" else None
        X = standardize_channels(Xn, self._x_loc, self._x_scale)
        if observed is not None:            # zero-fill gaps; say where they were
            X = np.concatenate([np.where(observed, X, np.float32(0)),
                                observed.astype(np.float32)], axis=2)
        elif layout is not None:            # what is not known ahead: zero-filled
            X = np.where(np.isnan(X), np.float32(0), X)
        return X, stats

    def _normalized_channels(self, n_channels):
        """Boolean mask of the channels ``window_norm`` applies to.

        With known-future steps, neither the marker nor the covariates known
        ahead: their level (a temperature, a promotion, the hour), not their
        change over the window, is what drives the target.
        """
        if self.window_norm_channels == "all" or self.target_channel is None \
                or self.target_channel >= n_channels:
            normalized = np.ones(n_channels, dtype=bool)
        else:
            normalized = np.arange(n_channels) == self.target_channel
        layout = self._future_layout
        if layout is not None:
            normalized[[*layout[2], n_channels - 1]] = False
        return normalized

    def _target_stats(self, loc, scale):
        """The target's window statistics from every channel's ``(n_samples, n_channels)``."""
        return loc[:, self.target_channel], scale[:, self.target_channel]

    def _to_window_units(self, y, stats):
        """Targets ``y`` relative to their windows' statistics ``stats`` (a new array)."""
        return to_window_units(y, *stats)

    def _encode_target(self, y, stats, fit=False, sample_weight=None, own=False):
        """Targets in model units: relative to their window, then standardised.

        With ``fit=True`` the standardisation is learned, weighted by
        ``sample_weight`` (the rows' loss weights) when given. ``own``: ``y``
        is the caller's to overwrite (standardised in place, no copy).
        """
        if stats is not None:
            y, own = self._to_window_units(y, stats), True
        if fit:
            centred = not LOSSES[self.loss].positive_output   # a positive target stays positive
            self._y_scaler = StandardScaler(with_mean=centred).fit(y, sample_weight=sample_weight)
        return self._y_scaler.transform(y, copy=not own)

    def _decode_target(self, y, stats):
        """Inverse of :meth:`_encode_target` (an infinite interval bound stays infinite)."""
        y = y * self._y_scaler.scale_
        if self._y_scaler.with_mean:
            y = y + self._y_scaler.mean_
        return y if stats is None else from_window_units(y, *stats)

    def _check_target_channel(self, n_channels):
        if self.window_norm not in ("auto", None) and self.target_channel is not None \
                and self.target_channel >= n_channels:
            raise ValueError(
                f"{type(self).__name__}: target_channel={self.target_channel} but X "
                f"has {n_channels} feature(s) per time step. Pass the index of the "
                "input channel the target is measured in (0 for the series column "
                "of forecast_xy), or target_channel=None to normalise inputs only."
            )

    def _n_threads(self):
        """torch's intra-op threads for ``fit`` and ``predict``; ``None``: torch's setting."""
        if self.n_threads != "auto":
            return self.n_threads
        size = getattr(self, "hidden_size", None)
        small = not isinstance(size, numbers.Integral) or size * self.batch_size <= SMALL_MODEL
        return 1 if small else None

    def _resolve_device(self):
        device = self.device
        if device == "auto":
            return "cuda" if torch.cuda.is_available() else "cpu"
        if device.startswith("cuda") and not torch.cuda.is_available():
            raise ValueError(
                f"{type(self).__name__}: device={device!r} but CUDA is not available "
                "on this machine. Use device='cpu', or device='auto' to take a GPU "
                "only where there is one."
            )
        if device.startswith("cuda:") and int(device[5:]) >= torch.cuda.device_count():
            raise ValueError(
                f"{type(self).__name__}: device={device!r} but this machine has "
                f"{torch.cuda.device_count()} CUDA device(s), numbered from 0. Pick one "
                "of them, or device='cuda' for the current one."
            )
        return device

    @contextmanager
    def _seeded(self, offset):
        """Run a block under torch RNG seeded from ``random_state``, then restore it."""
        device = torch.device(self._torch_device)
        devices = [device.index or 0] if device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(self._seed + offset)
            yield

    def _make_net(self, input_shape, n_outputs):
        """The skorch net around the variant's module (under a quantile head if asked)."""
        optimizer = OPTIMIZERS.get(self.optimizer, self.optimizer)
        if hasattr(self, "lr_"):
            lr, weight_decay = self.lr_, self.weight_decay_
        else:   # a model saved before "auto": its lr and weight_decay are numbers
            lr, weight_decay = step_settings(False, self.lr, self.weight_decay)
        if self.quantiles_ is None:
            module = self._network(tuple(input_shape), n_outputs)
            if LOSSES[self.loss].positive_output:
                module = PositiveOutput(module)
        else:
            levels = self.quantiles_
            module = QuantileHead(self._network(tuple(input_shape), n_outputs * len(levels)),
                                  len(levels), levels.index(0.5))
        criterion = self._criterion()
        # with an accelerator: a net that trains data-parallel (sklstm._distributed)
        make_net = (NeuralNetRegressor if self.accelerator is None
                    else partial(data_parallel_net, self))
        return make_net(
            module=module,
            **criterion,
            optimizer=optimizer,
            lr=lr,
            optimizer__weight_decay=weight_decay,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            iterator_train=TensorBatches,
            iterator_train__shuffle=True,
            iterator_valid=TensorBatches,
            train_split=TailSplit(self.validation_fraction) if self.early_stopping else None,
            callbacks=self._make_callbacks(),
            device=self._torch_device,
            verbose=self.verbose,
            **self._unused_default_callbacks(),
        )

    def _network(self, input_shape, n_outputs):
        """The variant's module, beside a linear skip of the window when ``skip`` is on.

        With known-future steps the variant's module is the encoder of the
        window under a :class:`~sklstm.nn.decoder.FutureDecoder`.
        """
        layout = self._future_layout
        if layout is None:
            module = self._build_module(input_shape, n_outputs)
        else:
            module = self._decoder(input_shape, n_outputs)
        if self.skip and len(input_shape) == 2:
            module = LinearSkip(module, *input_shape, n_outputs)
        return module

    def _decoder(self, input_shape, n_outputs):
        """The variant's module over the whole window, and a decoder over the future steps."""
        n_history, n_future, known = self._future_layout
        n_channels = input_shape[-1]
        marker = n_channels - 1
        future_channels = [*known, marker]
        # the decoder's step k also reads the target one horizon earlier (the same
        # half-hour yesterday in a day-ahead forecast)
        lags = [] if self.target_channel is None else [self.target_channel]
        if self.missing == "mask":          # values, then availability: marker is values' last
            n_values = n_channels // 2
            future_channels = [*known, *(n_values + c for c in known), n_values - 1]
            lags += [n_values + c for c in lags]
        size = getattr(self, "hidden_size", DECODER_SIZE)
        size = size if isinstance(size, numbers.Integral) else int(list(size)[-1])
        return FutureDecoder(self._build_module(input_shape, size), n_history,
                             future_channels, context_size=size, hidden_size=size,
                             n_per_step=n_outputs // n_future, lag_channels=lags,
                             n_future=n_future)

    def _criterion(self):
        """skorch's criterion settings: ``loss`` or pinball, masked and weighted if needed."""
        levels = self.quantiles_
        if getattr(self, "_masked_loss", False):
            return {"criterion": MaskedLoss, "criterion__quantiles": levels,
                    "criterion__loss": self.loss}
        if levels is None:
            return {"criterion": LOSSES[self.loss].criterion}
        return {"criterion": PinballLoss, "criterion__quantiles": levels}

    def _unused_default_callbacks(self):
        """skorch default callbacks that would only cost time per batch/epoch."""
        unused = {}
        if self.verbose == 0:  # skorch formats its epoch table even when silent
            unused["callbacks__print_log"] = None
        if not self.early_stopping:  # no validation set, nothing to score
            unused["callbacks__valid_loss"] = None
        return unused

    def _make_callbacks(self):
        callbacks = []
        if self.n_iter_no_change is not None or self.early_stopping:
            callbacks.append(("stopping", EarlyStopping(
                monitor="valid_loss" if self.early_stopping else "train_loss",
                patience=self.n_iter_no_change or self.max_epochs + 1,
                threshold=self.tol,
                threshold_mode="abs",
                load_best=self.early_stopping,
                sink=print if self.verbose else silent,
            )))
        if self.verbose >= 2:
            callbacks.append(("progress", ProgressBar()))
        return callbacks + list(copy.deepcopy(self.callbacks or []))


    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.multi_output = True
        return tags
