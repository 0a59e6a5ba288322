"""skorch plumbing shared by every regressor.

``TensorBatches`` replaces skorch's default ``DataLoader``: the data already sit
in one tensor on the training device, so a batch is an index into it rather
than a per-sample collation. ``TailSplit`` holds out the *last* fraction of the
samples for validation, which for windowed series is the honest choice (a
random split would validate on windows that overlap training windows).
"""

import math

import torch
from skorch.dataset import Dataset

__all__ = ["TensorBatches", "TailSplit", "silent"]


class TensorBatches:
    """Iterate over ``(X, y)`` mini-batches of a tensor-backed skorch dataset.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` (a tensor) and ``y`` (a tensor or None) as attributes.
    batch_size : int
        Samples per batch; the last batch may be smaller.
    shuffle : bool, default=False
        Draw a new permutation from torch's (forked, seeded) RNG each epoch.
    """

    def __init__(self, dataset, batch_size, shuffle=False):
        self.X = dataset.X
        self.y = dataset.y
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return math.ceil(len(self.X) / self.batch_size)

    def __iter__(self):
        n = len(self.X)
        if self.shuffle:
            order = torch.randperm(n, device=self.X.device)
            X, y = self.X[order], None if self.y is None else self.y[order]
        else:
            X, y = self.X, self.y
        for start in range(0, n, self.batch_size):
            stop = start + self.batch_size
            yield X[start:stop], None if y is None else y[start:stop]


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
        n_valid = max(1, int(round(self.fraction * n)))
        if n - n_valid < 1:
            raise ValueError(
                f"early_stopping needs at least 2 samples to hold out a validation "
                f"tail, got {n}. Pass more samples or set early_stopping=False."
            )
        cut = n - n_valid
        X, y = dataset.X, dataset.y
        return Dataset(X[:cut], y[:cut]), Dataset(X[cut:], y[cut:])


def silent(*args, **kwargs):
    """A message sink that drops its input (picklable, unlike a lambda)."""
