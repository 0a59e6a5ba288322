import numpy as np
import pytest
import torch

# The test models are tiny: on a small machine one intra-op thread is faster
# than two, and it does not collapse when another process shares the cores.
torch.set_num_threads(1)


@pytest.fixture
def seq_data():
    """A small learnable sequence task: y depends on two time steps."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(96, 8, 2))
    y = X[:, -1, 0] + 0.5 * X[:, -3, 1]
    return X, y
