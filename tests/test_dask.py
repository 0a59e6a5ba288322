"""Model search on a Dask cluster: same results as a serial run, to the bit.

Seeds come from each estimator's ``random_state`` and torch runs one intra-op
thread in every process (conftest sets it here; the cluster fixture sets it in
the workers), so a fit does the same float operations in the same order
wherever it runs.
"""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline

from sklstm import GRURegressor, LSTMRegressor, PeepholeLSTMRegressor, Windower, forecast_xy
from sklstm.datasets import load_nile

_EXTRA = 'the "distributed" extra: pip install -c constraints.txt -e ".[distributed]"'
distributed = pytest.importorskip("distributed", reason=f"dask.distributed is missing; {_EXTRA}")
joblib = pytest.importorskip("joblib", reason=f"joblib is missing; {_EXTRA}")


@pytest.fixture(scope="module")
def client():
    """Two single-threaded worker processes on the loopback interface."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None,
                                  timeout="60s") as cluster, \
            distributed.Client(cluster, timeout="60s") as client:
        client.wait_for_workers(2, timeout=60)
        # the nanny already starts workers with OMP_NUM_THREADS=1; make it explicit
        client.run(torch.set_num_threads, 1)
        assert set(client.run(torch.get_num_threads).values()) == {1}
        yield client


@pytest.fixture(scope="module")
def nile_xy():
    X, y = forecast_xy(load_nile().to_numpy(), horizon=1)       # (n, 1), (n, 1)
    return X, y.ravel()


def make_search(n_jobs):
    pipe = Pipeline([("win", Windower()), ("model", LSTMRegressor())])
    grid = [
        {"model": [LSTMRegressor(hidden_size=4, max_epochs=4, random_state=0)],
         "win__window": [4, 8]},
        {"model": [GRURegressor(hidden_size=4, max_epochs=4, random_state=1)],
         "win__window": [4, 8]},
    ]
    return GridSearchCV(pipe, grid, cv=TimeSeriesSplit(3),
                        scoring="neg_mean_absolute_error", n_jobs=n_jobs,
                        error_score="raise")


def test_grid_search_on_dask_equals_serial(client, nile_xy):
    X, y = nile_xy
    serial = make_search(n_jobs=1).fit(X, y)

    with distributed.get_task_stream(client) as tasks, \
            joblib.parallel_config(backend="dask"):
        on_dask = make_search(n_jobs=-1).fit(X, y)
    assert len(tasks.data) > 0, "the search did not run on the cluster"

    results, expected = on_dask.cv_results_, serial.cv_results_
    assert [repr(p) for p in results["params"]] == [repr(p) for p in expected["params"]]
    assert len(results["params"]) == 4
    for key in ["mean_test_score", "std_test_score", "rank_test_score",
                "split0_test_score", "split1_test_score", "split2_test_score"]:
        np.testing.assert_array_equal(results[key], expected[key], err_msg=key)
    assert np.isfinite(results["mean_test_score"]).all()
    assert repr(on_dask.best_params_) == repr(serial.best_params_)
    np.testing.assert_array_equal(on_dask.best_estimator_.predict(X),
                                  serial.best_estimator_.predict(X))


def test_fitted_estimator_comes_back_from_a_worker(client, nile_xy):
    """Fit in a worker process; the pickled-back model predicts as a local fit."""
    X, y = nile_xy
    Xw = Windower(window=6).fit_transform(X)
    reg = PeepholeLSTMRegressor(hidden_size=4, max_epochs=3, early_stopping=True,
                                n_iter_no_change=2, random_state=0)
    remote = client.submit(clone(reg).fit, Xw, y, pure=False).result(timeout=120)
    local = clone(reg).fit(Xw, y)
    assert remote.n_iter_ == local.n_iter_
    np.testing.assert_array_equal(remote.loss_curve_, local.loss_curve_)
    np.testing.assert_array_equal(remote.predict(Xw), local.predict(Xw))
