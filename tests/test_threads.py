"""``n_threads``: torch's thread count is scoped to ``fit`` and ``predict``, then restored."""

import threading

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklstm import GRURegressor, LSTMRegressor
from sklstm._threads import torch_threads


class RecordThreads(Callback):
    """Records torch's intra-op thread count at the end of every epoch."""

    def initialize(self):
        self.seen = []
        return self

    def on_epoch_end(self, net, **kwargs):
        self.seen.append(torch.get_num_threads())


@pytest.fixture
def two_threads():
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


def _data():
    rng = np.random.RandomState(0)
    return rng.normal(size=(40, 5, 2)), rng.normal(size=40)


@pytest.mark.parametrize("params, inside", [
    ({}, 1),                                              # "auto", a small model: one thread
    ({"n_threads": None}, 2),                             # torch's setting
    ({"n_threads": 3}, 3),
    ({"hidden_size": 256, "batch_size": 128}, 2),         # "auto", a large model
])
def test_fit_scopes_the_thread_count_and_restores_it(two_threads, params, inside):
    X, y = _data()
    record = RecordThreads()
    model = LSTMRegressor(max_epochs=2, callbacks=[("threads", record)], random_state=0,
                          **params).fit(X, y)
    seen = model.net_.callbacks_[-1][1].seen
    assert seen == [inside, inside]
    assert torch.get_num_threads() == two_threads
    model.predict(X)
    assert torch.get_num_threads() == two_threads


def test_nested_and_concurrent_scopes_restore_the_setting_of_the_first(two_threads):
    with torch_threads(1):
        with torch_threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == two_threads

    X, y = _data()
    errors = []

    def fit():
        try:
            GRURegressor(max_epochs=3, random_state=0).fit(X, y).predict(X)
        except Exception as error:    # pragma: no cover - reported below
            errors.append(error)

    workers = [threading.Thread(target=fit) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors
    assert torch.get_num_threads() == two_threads


@pytest.mark.parametrize("value", [0, 1.5, "all", True])
def test_bad_n_threads_is_named(value):
    X, y = _data()
    with pytest.raises((ValueError, TypeError), match=r"n_threads.*'auto', None or a positive int"):
        LSTMRegressor(n_threads=value, max_epochs=1).fit(X, y)
