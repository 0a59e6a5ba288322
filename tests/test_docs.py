"""The documentation covers the public API, and its generated figure can be rebuilt."""

import doctest
import importlib.util
import re
from pathlib import Path

import pytest

import sklstm

ROOT = Path(__file__).parents[1]
DOCS = ROOT / "docs"


def _autosummary_entries(rst):
    """Names listed in the autosummary tables of an .rst file."""
    entries, in_table = set(), False
    for line in rst.splitlines():
        if line.startswith(".. autosummary::"):
            in_table = True
        elif in_table and line and not line.startswith(" "):
            in_table = False
        elif in_table and re.fullmatch(r"   [\w.]+", line):
            entries.add(line.strip())
    return entries


def test_every_public_name_has_an_api_page():
    entries = _autosummary_entries((DOCS / "api.rst").read_text())
    # "TreeLSTMRegressor" or "tree.TreeLSTMRegressor": either documents the name
    listed = entries | {entry.rsplit(".", 1)[-1] for entry in entries}
    missing = [name for name in sklstm.__all__ if name not in listed]
    assert not missing, (
        f"{missing} are in sklstm.__all__ but not listed in docs/api.rst; add one "
        "line per name to the matching autosummary table there."
    )


def test_every_bundled_dataset_function_has_an_api_page():
    from sklstm import datasets

    entries = _autosummary_entries((DOCS / "api.rst").read_text())
    public = [name for name in datasets.__all__
              if callable(getattr(datasets, name)) and name.startswith(("load_", "make_"))]
    missing = [name for name in public if f"datasets.{name}" not in entries]
    assert not missing, f"add datasets.{missing} to docs/api.rst"


@pytest.mark.parametrize("page", ["windowing.rst", "horizons.rst"])
def test_doctests_in_user_guide(page):
    result = doctest.testfile(str(DOCS / page), module_relative=False,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def _load_image_script():
    spec = importlib.util.spec_from_file_location("make_readme_image",
                                                  DOCS / "make_readme_image.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_image_is_committed_and_referenced():
    script = _load_image_script()
    image = script.DEFAULT_OUT_DIR / "compare_variants.png"
    assert image.is_file() and image.stat().st_size > 10_000
    readme = (ROOT / "README.md").read_text()
    assert "docs/_static/compare_variants.png" in readme
    assert "python docs/make_readme_image.py" in readme
    assert script.DEFAULT_EXAMPLE.is_file()


def test_readme_image_script_writes_the_example_png(tmp_path):
    # the default example itself runs in tests/test_examples.py; here a
    # stand-in example checks the script's run-and-copy path in a second
    example = tmp_path / "plot_tiny.py"
    example.write_text(
        "import matplotlib.pyplot as plt\n"
        "import numpy as np\n"
        "fig, ax = plt.subplots()\n"
        "ax.imshow(np.random.RandomState(0).rand(64, 64))\n"
        "fig.savefig('tiny.png', dpi=100)\n"
    )
    out_dir = tmp_path / "out"
    cwd = Path.cwd()
    written = _load_image_script().make_image(example, out_dir)
    assert written == [out_dir / "tiny.png"]
    assert (out_dir / "tiny.png").stat().st_size > 10_000
    assert Path.cwd() == cwd
    assert not (DOCS / "_static" / "tiny.png").exists()


def test_readme_image_script_rejects_an_example_without_png(tmp_path):
    example = tmp_path / "plot_nothing.py"
    example.write_text("x = 1\n")
    with pytest.raises(RuntimeError, match="plot_nothing.py wrote no PNG file"):
        _load_image_script().main(["--example", str(example), "--out-dir",
                                   str(tmp_path / "out")])
