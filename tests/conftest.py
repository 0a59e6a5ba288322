"""Shared fixtures, and the rules the tests follow.

Comparing floats
----------------
Exact equality (``assert_array_equal``, ``torch.equal``) is asserted only
where the *same* computation is repeated: a pickle or joblib round trip, a
refit with the same seed, a prediction made alone or inside a larger batch,
the same fit in another process of the same machine. Two *different*
computations of the same quantity (two code paths, two layouts, a rescaled
input) are compared with a tolerance scaled to the dtype they ran in, a few
units in the last place: about ``1e-12`` relative in float64 and ``1e-5`` in
float32 (the :func:`float_tol` fixture). Vectorised float kernels round
differently for different tensor shapes, and vector widths differ between
CPUs (SSE, AVX2, AVX-512), so bit-equality between two code paths that holds
on one machine fails on another.

Learning tests
--------------
A test that asserts a model learned something compares it with the strongest
cheap baseline of :mod:`sklstm.baselines` (last value, seasonal naive, ridge
regression on lags) fitted on the same windows, never with a forecast written
out by index arithmetic. Its margin was measured once over at least 10 seeds,
and the worst case is written next to the threshold.
"""

import numpy as np
import pytest
import torch

# The test models are tiny: on a small machine one intra-op thread is faster
# than two, and it does not collapse when another process shares the cores.
torch.set_num_threads(1)

#: Relative tolerance of a comparison between two computations, per dtype.
RTOL = {np.dtype(np.float32): 1e-5, np.dtype(np.float64): 1e-12}


@pytest.fixture
def float_tol():
    """``float_tol(dtype, scale=1.0)`` -> ``{"rtol": ..., "atol": ...}``.

    The tolerance for comparing two different computations that ran in
    ``dtype``: ``rtol`` from the rule above, and ``atol = rtol * scale`` for
    values that may pass through zero, where ``scale`` is the magnitude of the
    values compared (a relative tolerance alone means nothing near zero).
    Use as ``assert_allclose(a, b, **float_tol(np.float32, scale=np.abs(b).max()))``.
    """

    def tol(dtype, scale=1.0):
        rtol = RTOL[np.dtype(dtype)]
        return {"rtol": rtol, "atol": rtol * float(scale)}

    return tol


@pytest.fixture
def seq_data():
    """A small learnable sequence task: y depends on two time steps."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(96, 8, 2))
    y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    return X, y
