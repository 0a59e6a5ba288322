"""skorch plumbing shared by every regressor.

``SequenceRows`` is the training data skorch sees: the validated sequences as
the user gave them (a strided view of a series stays a view) and the encoded
targets. ``TensorBatches`` replaces skorch's default ``DataLoader``: a batch is
an index, not a per-sample collation. For ``SequenceRows`` it gathers the
windows of the next few batches (one block of about
:data:`~sklstm._validation.CHUNK_ELEMENTS` values) from the sequences and puts
them in model units together, so the windows of all rows never exist at once:
memory stays O(the sequences) plus one block, and NumPy's per-call cost is
paid once per block rather than once per batch. ``TailSplit`` holds out the
*last* fraction of the samples for validation, which for windowed series is the
honest choice (a random split would validate on windows that overlap training
windows); for a panel's windows (:class:`~sklstm._lazy_windows.LazyWindows`),
the last fraction of *each series* (:func:`tail_split`), so that a panel is
validated on its latest time steps rather than on the series listed last.

For data-parallel training (``accelerator``, see :mod:`sklstm._distributed`)
``TensorBatches`` takes a :class:`Shard`: every process cuts the same epoch
into the same batches and yields its own rows of each.
"""

import math

import numpy as np
import torch
from skorch.dataset import Dataset

from ._lazy_windows import LazyWindows
from ._validation import chunk_rows, gather

__all__ = ["SequenceRows", "TensorBatches", "Shard", "TailSplit", "silent", "tail_split",
           "rows_of", "several_series", "step_settings"]

#: ``lr`` and ``weight_decay`` that ``"auto"`` gives windows of one series and
#: a panel's windows of several series (see :func:`step_settings`).
ONE_SERIES_STEP = (0.01, 0.0)
PANEL_STEP = (0.001, 0.001)


def several_series(X):
    """Whether ``X`` is a panel's windows of more than one series.

    Only a :class:`~sklstm._lazy_windows.LazyWindows` (what
    ``Windower(series_id=...)`` returns) knows its series; any other ``X`` is
    taken as one series in time order.
    """
    return isinstance(X, LazyWindows) and len(X) > 0 and X.first.min() != X.first.max()


def step_settings(several, lr, weight_decay):
    """``lr`` and ``weight_decay`` with ``"auto"`` decided by what one model learns.

    One series (``several`` false): ``lr=0.01``, no weight decay. Several
    series learnt by one global model (a panel's windows, the nodes of a
    hierarchy): ``lr=0.001`` with ``weight_decay=0.001``. The smaller,
    decayed step scored better on each of the four real panels and on the
    synthetic retail panel measured in ``docs/real_data.rst`` ("Training
    settings across the real cases"), while on single series it underfits
    some (a trending seasonal series lost more than half its accuracy), so
    one series keeps the larger step.
    """
    auto_lr, auto_decay = PANEL_STEP if several else ONE_SERIES_STEP
    return (auto_lr if lr == "auto" else lr,
            auto_decay if weight_decay == "auto" else weight_decay)


def tail_split(X, fraction, n_tail):
    """The rows that train and the rows held out at the end of ``X``'s time.

    Panel windows (a :class:`~sklstm._lazy_windows.LazyWindows` of several
    series) hold out the last ``fraction`` of every series' windows (boolean
    masks); any other ``X``, one series in time order, its last ``n_tail``
    rows (slices, so a strided view stays a view), the caller's count for
    one series whether its windows are lazy or not.

    Returns
    -------
    keep, held : slice or ndarray of bool
    n_held : int
    """
    if several_series(X):
        held = X.series_tail(fraction)
        return ~held, held, int(held.sum())
    n_tail = max(0, min(n_tail, len(X)))
    return slice(0, len(X) - n_tail), slice(len(X) - n_tail, len(X)), n_tail


def rows_of(data, index):
    """``data[index]`` for a NumPy array or a tensor, ``index`` a slice or a NumPy mask."""
    if isinstance(data, torch.Tensor) and isinstance(index, np.ndarray):
        index = torch.from_numpy(index).to(data.device)
    return data[index]


class SequenceRows(torch.utils.data.Dataset):
    """Training rows whose model inputs are made one block of batches at a time.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, ...), float32 or float64
        Validated sequences, left as they are: a strided view is not copied.
    y : torch.Tensor of shape (n_samples, n_targets)
        Encoded targets (with the weight column of a masked loss), on the
        training device.
    prepare : callable
        Maps a C-contiguous float32 batch of ``X``'s rows to the model's
        input, a float32 array (``SequenceRegressor._model_inputs``).

    Attributes
    ----------
    input_shape : tuple of int
        One sample's shape in model units.
    """

    def __init__(self, X, y, prepare):
        self.X = X
        self.y = y
        self.prepare = prepare

    @property
    def input_shape(self):
        return tuple(self.prepare(gather(self.X, slice(0, 1))).shape[1:])

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        X, y = self.batch(slice(i, i + 1))
        return X[0], y[0]

    def batch(self, rows):
        """Model inputs and targets of ``rows`` (a slice, or a CPU tensor of indices)."""
        index = rows if isinstance(rows, slice) else rows.numpy()
        X = torch.from_numpy(self.prepare(gather(self.X, index)))
        return X.to(self.y.device), self.y[rows.to(self.y.device)
                                           if isinstance(rows, torch.Tensor) else rows]

    def block_rows(self, batch_size):
        """Rows made at once: whole batches, about one chunk of values, at least one batch."""
        return max(1, chunk_rows(self.X.shape[1:]) // batch_size) * batch_size

    def split(self, keep, held):
        """Rows ``keep`` and rows ``held`` (slices or boolean masks), as two ``SequenceRows``."""
        return (SequenceRows(self.X[keep], rows_of(self.y, keep), self.prepare),
                SequenceRows(self.X[held], rows_of(self.y, held), self.prepare))


class TensorBatches:
    """Iterate over ``(X, y)`` mini-batches of a tensor-backed dataset or of ``SequenceRows``.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset or SequenceRows
        A skorch dataset holds ``X`` (a tensor) and ``y`` (a tensor or None) as
        attributes; ``SequenceRows`` makes each batch's model inputs.
    batch_size : int
        Samples per batch; the last batch may be smaller.
    shuffle : bool, default=False
        Draw a new permutation from torch's (forked, seeded) RNG each epoch,
        on the training device. Both kinds of dataset draw the same
        permutation and cut it into the same batches.
    shard : Shard or None, default=None
        Data-parallel training: yield only this process's rows of each batch
        (see :class:`Shard`). ``None`` yields whole batches.

    Attributes
    ----------
    global_targets : torch.Tensor or None
        With ``shard``: the targets of the whole batch whose share was
        yielded last (what the loss of every process together averages over).
    counts : bool
        With ``shard``: whether the rows yielded last count in the loss
        (``False`` for a placeholder row, see :class:`Shard`).
    """

    def __init__(self, dataset, batch_size, shuffle=False, shard=None):
        self.dataset = dataset
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.shard = shard
        self.global_targets = None
        self.counts = True

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        if self.shard is not None:
            yield from self._sharded()
            return
        if isinstance(self.dataset, SequenceRows):
            yield from self._gathered()
            return
        n = len(self.X)
        if self.shuffle:
            order = torch.randperm(n, device=self.X.device)
            X, y = self.X[order], None if self.y is None else self.y[order]
        else:
            X, y = self.X, self.y
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            yield X[start:stop], None if y is None else y[start:stop]

    def _gathered(self):
        n, size = len(self.dataset), self.batch_size
        order = (torch.randperm(n, device=self.y.device).cpu() if self.shuffle else None)
        block = self.dataset.block_rows(size)
        for first in range(0, n, block):
            last = min(first + block, n)
            X, y = self.dataset.batch(slice(first, last) if order is None
                                      else order[first:last])
            for start in range(0, last - first, size):
                yield X[start:start + size], y[start:start + size]

    def _sharded(self):
        """This process's share of every batch: the same batches as without a shard."""
        shard, size, n = self.shard, self.batch_size, len(self.X)
        rows = isinstance(self.dataset, SequenceRows)
        if self.shuffle:
            device = self.y.device if rows else self.X.device
            order = shard.agree(torch.randperm(n, device=device).cpu())
        else:
            order = torch.arange(n)
        block = self.dataset.block_rows(size) if rows else n
        for first in range(0, n, block):
            batches = torch.split(order[first:first + block], size)
            shares = [shard.rows(batch) for batch in batches]
            X, y = self._take(torch.cat([share for share, _ in shares]))
            start = 0
            for batch, (share, counts) in zip(batches, shares):
                self.global_targets = None if self.y is None else self.y[batch.to(self.y.device)]
                self.counts = counts
                stop = start + len(share)
                yield (X[start:stop].to(shard.device),
                       None if y is None else y[start:stop].to(shard.device))
                start = stop

    def _take(self, index):
        """Inputs and targets of the rows ``index`` (a CPU tensor of row numbers)."""
        if isinstance(self.dataset, SequenceRows):
            return self.dataset.batch(index)
        X = self.X[index.to(self.X.device)]
        return X, None if self.y is None else self.y[index.to(self.y.device)]


class Shard:
    """This process's share of each mini-batch in data-parallel training.

    Every process draws the epoch's permutation as a single process would,
    ``agree`` replaces it with the one all processes use, and every process
    cuts it into the same batches of ``batch_size`` rows; process ``rank``
    keeps rows ``rank::world_size`` of each. A batch with fewer rows than
    there are processes leaves some with none: they get the batch's first row
    as a placeholder, so that every process still runs one step per batch,
    and its loss must count zero (:attr:`TensorBatches.counts` is ``False``).

    Parameters
    ----------
    rank : int
        This process's number, ``0 <= rank < world_size``.
    world_size : int
        Number of processes. ``Shard(0, 1, device)`` yields whole batches.
    device : torch.device, str or None, default=None
        Where the yielded batches go; ``None`` leaves them where they are made.
    agree : callable or None, default=None
        Maps this process's permutation (a CPU int64 tensor) to the one all
        processes use, such as rank 0's; ``None`` keeps it (every process
        draws the same one from the same seed).

    Examples
    --------
    >>> import torch
    >>> batch = torch.arange(5)
    >>> Shard(0, 2).rows(batch), Shard(1, 2).rows(batch)
    ((tensor([0, 2, 4]), True), (tensor([1, 3]), True))
    >>> Shard(1, 2).rows(torch.tensor([7]))       # a placeholder
    (tensor([7]), False)
    """

    def __init__(self, rank, world_size, device=None, agree=None):
        self.rank = rank
        self.world_size = world_size
        self.device = device
        self.agree_with = agree

    def agree(self, order):
        """The epoch's permutation that every process uses."""
        return order if self.agree_with is None else self.agree_with(order)

    def rows(self, batch):
        """This process's rows of ``batch`` (1-D row numbers) and whether they count."""
        share = batch[self.rank::self.world_size]
        if len(share):
            return share, True
        return batch[:1], False


class TailSplit:
    """Train/validation split that keeps time order: the tail validates.

    Parameters
    ----------
    fraction : float
        Share of samples, taken from the end, used for validation.
    """

    def __init__(self, fraction):
        self.fraction = fraction

    def __call__(self, dataset, y=None, **fit_params):
        n = len(dataset.X)
        keep, held, n_valid = tail_split(dataset.X, self.fraction,
                                         max(1, int(round(self.fraction * n))))
        if n_valid < 1 or n - n_valid < 1:
            raise ValueError(
                f"early_stopping holds out the last validation_fraction={self.fraction} "
                f"of the {n} samples (of each series' samples for a panel), which leaves "
                f"{n_valid} validation and {n - n_valid} training sample(s); both need at "
                "least one. Pass more samples, change validation_fraction or set "
                "early_stopping=False."
            )
        if isinstance(dataset, SequenceRows):
            return dataset.split(keep, held)
        X, y = dataset.X, dataset.y
        return (Dataset(rows_of(X, keep), rows_of(y, keep)),
                Dataset(rows_of(X, held), rows_of(y, held)))


def silent(*args, **kwargs):
    """A message sink that drops its input (picklable, unlike a lambda)."""
