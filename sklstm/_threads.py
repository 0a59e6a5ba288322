"""How many threads torch may use inside ``fit`` and ``predict``.

torch's intra-op thread count is one setting for the whole process. By
default it is one thread per core, which pays off for large matrix
products but not for the small ones of a window model: there the threads
spend their time synchronising, and when another process is busy on the
same cores a fit can take ten times as long (measured in
``benchmarks/threads.py`` and the README). :func:`torch_threads` sets the
count for the length of a ``fit`` or ``predict`` and restores it after, so
the estimator never changes the global setting that the rest of the program
sees. Nested and concurrent scopes (a ``predict`` inside ``fit``, fits in
threads of one process) share one count, and the setting found before the
first scope is restored when the last one ends.
"""

import threading
from contextlib import contextmanager

import torch

__all__ = ["torch_threads", "SMALL_MODEL"]

#: ``hidden_size * batch_size`` at or below which ``n_threads="auto"`` uses one thread.
SMALL_MODEL = 64 * 256

_lock = threading.Lock()
_depth = 0
_saved = None


@contextmanager
def torch_threads(n):
    """Run a block with torch's intra-op threads set to ``n`` (``None``: as they are)."""
    global _depth, _saved
    if n is None:
        yield
        return
    with _lock:
        if _depth == 0:
            _saved = torch.get_num_threads()
        _depth += 1
        torch.set_num_threads(n)
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                torch.set_num_threads(_saved)
