"""Data-parallel training with ``accelerator`` (sklstm._distributed, the Shard of _training).

The two-process test launches ``torchrun --standalone --nproc_per_node 2`` on
this machine (CPU, gloo) and compares with one process fitting the same model
on the same global batches.

Tolerance of that comparison: the two processes compute each batch's loss
and gradient as two partial sums, the single process as one sum, so float32
rounds them differently (about 1e-7 relative per step), and training
carries the difference forward. Measured here over 9 epochs of 6 batches
(and a weighted, early-stopped fit): at most 9e-8 of the largest value,
for losses and predictions alike. The assertions allow 1e-5 (the float32
tolerance of tests/conftest.py), which still fails by orders of magnitude
when the sharding or the weighting of the shares is wrong: weighting every
process's loss by 1 / world_size (right for even batches only, here wrong for
the last batch and for the weighted fit) moved the losses by 2e-2.
"""

import os
import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from skorch import NeuralNetRegressor

from sklstm import LSTMRegressor, Windower
from sklstm._training import SequenceRows, Shard, TensorBatches

accelerate = pytest.importorskip("accelerate")

#: Relative tolerance between the two-process and the one-process fit (see above).
RTOL = 1e-5

N_ROWS = 161            # 5 batches of 32 and one of 1 row: rank 1 gets a placeholder
PARAMS = dict(hidden_size=8, batch_size=32, max_epochs=8, n_iter_no_change=None,
              random_state=0)
WEIGHTED = dict(PARAMS, max_epochs=30, n_iter_no_change=2, tol=0.0, early_stopping=True,
                validation_fraction=0.25)


def _data():
    rng = np.random.default_rng(0)
    series = np.sin(np.arange(N_ROWS + 12) / 5) + 0.1 * rng.normal(size=N_ROWS + 12)
    X = np.stack([series[i:i + 12] for i in range(N_ROWS)])[..., None].astype(np.float32)
    y = series[12:]
    weight = rng.uniform(0.2, 2.0, N_ROWS)
    weight[::7] = 0.0
    return X, y, weight


SCRIPT = """
import sys

import numpy as np
import torch
from accelerate import Accelerator
from skorch.callbacks import Callback

from sklstm import LSTMRegressor

torch.set_num_threads(1)
PARAMS, WEIGHTED = {params!r}, {weighted!r}


class RowsSeen(Callback):
    def on_epoch_begin(self, net, **kwargs):
        self.rows = 0

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        self.rows += len(batch[0]) if training else 0

    def on_epoch_end(self, net, **kwargs):
        net.history.record("rows_seen", self.rows)


data = np.load(sys.argv[1])
X, y, weight = data["X"], data["y"], data["weight"]
accelerator = Accelerator(cpu=True)
out = {{"world_size": accelerator.num_processes}}
model = LSTMRegressor(accelerator=accelerator, callbacks=[RowsSeen()], **PARAMS).fit(X, y)
out["loss"], out["pred"] = model.loss_curve_, model.predict(X)
out["rows_seen"] = model.history_[:, "rows_seen"]
model.partial_fit(X, y)
out["partial_loss"], out["partial_pred"] = model.loss_curve_, model.predict(X)
out["module"] = type(model.net_.module_).__name__
weighted = LSTMRegressor(accelerator=accelerator, **WEIGHTED).fit(X, y, sample_weight=weight)
out["weighted_loss"], out["weighted_pred"] = weighted.loss_curve_, weighted.predict(X)
out["weighted_valid"] = weighted.history_[:, "valid_loss"]
np.savez(f"{{sys.argv[2]}}/rank{{accelerator.process_index}}.npz", **out)
"""


def _single_process(X, y, weight):
    model = LSTMRegressor(**PARAMS).fit(X, y)
    out = {"loss": model.loss_curve_, "pred": model.predict(X)}
    model.partial_fit(X, y)
    out["partial_loss"], out["partial_pred"] = model.loss_curve_, model.predict(X)
    weighted = LSTMRegressor(**WEIGHTED).fit(X, y, sample_weight=weight)
    out["weighted_loss"], out["weighted_pred"] = weighted.loss_curve_, weighted.predict(X)
    out["weighted_valid"] = weighted.history_[:, "valid_loss"]
    return out


def _two_processes(script, tmp_path):
    """Run ``script`` in two gloo processes on ``tmp_path/data.npz``; their outputs."""
    env = dict(os.environ, OMP_NUM_THREADS="1")
    run = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node",
         "2", str(script), str(tmp_path / "data.npz"), str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return [np.load(tmp_path / f"rank{r}.npz") for r in (0, 1)]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_two_processes_train_the_model_of_one(tmp_path):
    X, y, weight = _data()
    np.savez(tmp_path / "data.npz", X=X, y=y, weight=weight)
    script = tmp_path / "train.py"
    script.write_text(SCRIPT.format(params=PARAMS, weighted=WEIGHTED))
    ranks = _two_processes(script, tmp_path)
    assert int(ranks[0]["world_size"]) == 2
    # each process trained on its share: 81 rows (rank 1: 80 and one placeholder), not 161
    assert_array_equal(ranks[0]["rows_seen"], [81] * PARAMS["max_epochs"])
    assert_array_equal(ranks[1]["rows_seen"], [81] * PARAMS["max_epochs"])
    assert str(ranks[0]["module"]) == "FusedRecurrentNet"      # net_.module_ is not wrapped

    reference = _single_process(X, y, weight)
    for name, expected in reference.items():
        expected = np.asarray(expected, dtype=np.float64)
        # the processes hold the same model: the same computation, bit for bit
        assert_array_equal(ranks[0][name], ranks[1][name], err_msg=name)
        # and it is the single process's, up to float32 rounding (module docstring)
        assert ranks[0][name].shape == expected.shape, name
        assert_allclose(ranks[0][name], expected, rtol=RTOL,
                        atol=RTOL * np.abs(expected).max(), err_msg=name)
    assert reference["loss"][-1] < 0.85 * reference["loss"][0]     # it learned (0.72 here)
    assert len(reference["weighted_loss"]) < WEIGHTED["max_epochs"]   # early stopping acted


PANEL_SCRIPT = """
import sys

import numpy as np
import torch
from accelerate import Accelerator

from sklstm import LSTMRegressor, Windower

torch.set_num_threads(1)
data = np.load(sys.argv[1])
windows = Windower(8, series_id=0).fit_transform(data["table"])     # read on demand
accelerator = Accelerator(cpu=True)
model = LSTMRegressor(accelerator=accelerator, **{params!r}).fit(windows, data["y"])
np.savez(f"{{sys.argv[2]}}/rank{{accelerator.process_index}}.npz", loss=model.loss_curve_,
         pred=model.predict(windows), lazy=type(windows).__name__)
"""


def _panel():
    """Four series of different levels, rows interleaved: (id, value, covariate)."""
    rng = np.random.default_rng(1)
    t = np.arange(45)
    parts = [np.column_stack([np.full(45, k), 5 * (k + 1) + np.sin(t / 4 + k)
                              + 0.1 * rng.normal(size=45), rng.normal(size=45)])
             for k in range(4)]
    table = np.stack(parts, axis=1).reshape(-1, 3)          # day by day, series interleaved
    y = np.roll(table[:, 1], -4)                            # the series' next day
    return table[:-4], y[:-4]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_two_processes_train_the_model_of_one_on_panel_windows(tmp_path):
    table, y = _panel()
    np.savez(tmp_path / "data.npz", table=table, y=y)
    script = tmp_path / "train.py"
    script.write_text(PANEL_SCRIPT.format(params=PARAMS))
    ranks = _two_processes(script, tmp_path)
    assert str(ranks[0]["lazy"]) == "LazyWindows"
    windows = Windower(8, series_id=0).fit_transform(table)
    one = LSTMRegressor(**PARAMS).fit(windows, y)
    for name, expected in (("loss", one.loss_curve_), ("pred", one.predict(windows))):
        expected = np.asarray(expected, dtype=np.float64)
        assert_array_equal(ranks[0][name], ranks[1][name], err_msg=name)
        assert_allclose(ranks[0][name], expected, rtol=RTOL,
                        atol=RTOL * np.abs(expected).max(), err_msg=name)


# ---------------------------------------------------------------- one process


def _fit(**params):
    X, y, _ = _data()
    return LSTMRegressor(**{**PARAMS, "max_epochs": 3, **params}).fit(X, y), X


def test_accelerator_none_changes_nothing():
    default, X = _fit()
    explicit, _ = _fit(accelerator=None)
    assert type(explicit.net_) is NeuralNetRegressor
    assert explicit.get_params()["accelerator"] is None
    assert default.loss_curve_ == explicit.loss_curve_
    assert_array_equal(default.predict(X), explicit.predict(X))


@pytest.mark.parametrize("value", ["cuda", "auto", True, object(), accelerate.Accelerator])
def test_bad_accelerator_names_the_parameter_and_the_fix(value):
    with pytest.raises(ValueError, match=r"LSTMRegressor: invalid value accelerator=.*; "
                                         r"expected one of None or an "
                                         r"accelerate\.Accelerator.*pip install"):
        _fit(accelerator=value)


def test_gradient_accumulation_is_refused():
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=2)
    with pytest.raises(ValueError, match=r"LSTMRegressor: accelerator has "
                                         r"gradient_accumulation_steps=2.*raise batch_size"):
        _fit(accelerator=accelerator)


def test_an_accelerator_that_misses_the_launch_is_refused(monkeypatch):
    accelerator = accelerate.Accelerator(cpu=True)
    monkeypatch.setenv("WORLD_SIZE", "2")      # as torchrun sets it for each process
    with pytest.raises(ValueError, match=r"LSTMRegressor: this process is one of "
                                         r"WORLD_SIZE=2.*Accelerator\(cpu=True\)"):
        _fit(accelerator=accelerator)


def test_one_process_accelerator_trains_the_plain_model():
    # in one process the shard is the whole batch and the loss share is 1.0:
    # the same computation as without an accelerator, so the same bits
    accelerator = accelerate.Accelerator(cpu=True)
    plain, X = _fit()
    accelerated, _ = _fit(accelerator=accelerator)
    assert accelerated.loss_curve_ == plain.loss_curve_
    assert_array_equal(accelerated.predict(X), plain.predict(X))
    assert type(accelerated.net_.module_) is type(plain.net_.module_)


def test_accelerated_estimator_clones_pickles_and_saves(tmp_path):
    import sklstm

    accelerator = accelerate.Accelerator(cpu=True)
    model, X = _fit(accelerator=accelerator)
    assert clone(model).accelerator is accelerator       # a parameter, stored as given
    restored = pickle.loads(pickle.dumps(model))
    assert_array_equal(restored.predict(X), model.predict(X))
    restored.partial_fit(X, model.predict(X))            # trains on after unpickling
    with pytest.raises(TypeError, match=r"set accelerator=None"):
        sklstm.save(model, tmp_path / "refused")
    model.set_params(accelerator=None)
    sklstm.save(model, tmp_path / "model")
    assert_array_equal(sklstm.load(tmp_path / "model").predict(X), model.predict(X))


# -------------------------------------------------------------------- shards


def _rows(n=10):
    X = np.arange(n * 3, dtype=np.float32).reshape(n, 3, 1)
    y = torch.arange(n, dtype=torch.float32)[:, None]
    return SequenceRows(X, y, lambda batch: batch)


def test_shards_of_every_process_make_up_each_batch():
    rows = _rows(10)
    torch.manual_seed(0)
    whole = [y for _, y in TensorBatches(rows, 4, shuffle=True)]
    shares = []
    for rank in range(3):
        torch.manual_seed(0)                 # every process draws the same permutation
        batches = TensorBatches(rows, 4, shuffle=True, shard=Shard(rank, 3))
        shares.append([(y, batches.counts, batches.global_targets) for _, y in batches])
    for i, batch in enumerate(whole):
        counted = [y for share in shares for y, counts, _ in [share[i]] if counts]
        assert_array_equal(torch.sort(torch.cat(counted)[:, 0]).values,
                           torch.sort(batch[:, 0]).values)
        for share in shares:
            assert_array_equal(share[i][2], batch)       # the whole batch's targets
    # the last batch has 2 rows for 3 processes: rank 2 gets a placeholder
    assert [share[-1][1] for share in shares] == [True, True, False]
    assert len(shares[2][-1][0]) == 1


def test_shard_agrees_on_rank_0_permutation():
    rows = _rows(8)
    reversed_order = Shard(0, 1, agree=lambda order: torch.arange(8).flip(0))
    batches = TensorBatches(rows, 3, shuffle=True, shard=reversed_order)
    assert_array_equal(torch.cat([y for _, y in batches])[:, 0], torch.arange(8).flip(0))
