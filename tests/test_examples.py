"""Every gallery example runs in full, headless."""

import os
import re
import runpy
from pathlib import Path

import matplotlib

# The examples leave the backend to whoever runs them (sphinx-gallery and
# docs/conf.py use Agg, a desktop session its GUI backend); here it is Agg,
# chosen before any example imports pyplot.
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        plt.close("all")
    assert matplotlib.get_backend().lower() == "agg", "an example switched the backend"
    pngs = list(tmp_path.glob("*.png"))
    assert pngs and all(p.stat().st_size > 10_000 for p in pngs)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_leaves_the_backend_to_its_runner(path):
    # a backend chosen inside an example would override a reader's GUI backend
    source = path.read_text()
    assert not re.search(r"matplotlib\.use\(|^\s*%matplotlib", source, re.M), (
        f"{path.name} selects a matplotlib backend; drop the call (the tests and "
        "docs/conf.py choose Agg)")


def test_there_are_examples():
    assert EXAMPLES, os.listdir(Path(__file__).parents[1] / "examples")
