"""The documentation covers the public API, its code runs, it renders offline,
and its generated figure can be rebuilt.

Every Python block of ``docs/*.rst`` and of ``README.md`` runs here: the
blocks of one page share a namespace and run in page order, as a reader
would paste them. ``.. code-block:: python`` blocks run as scripts, blocks
of ``>>>`` lines as doctests (their printed output is checked). A block
whose code needs an optional extra that is not installed is skipped with a
reason naming the extra; ``::`` literal blocks are shell commands or program
output and never hold Python (checked below).
"""

import ast
import doctest
import importlib.util
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

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


# -- Python blocks of the pages and the README ---------------------------------

_CODE_DIRECTIVE = re.compile(r"^( *)\.\. (?:code-block|code|sourcecode)::\s*(\S*)\s*$")
_INSTALL = "pip install -c constraints.txt -e '.[{}]'"


@dataclass(frozen=True)
class Block:
    """One code block: where it starts (1-based line of its first code line)."""

    path: Path
    line: int
    code: str
    language: str

    @property
    def id(self):
        return f"{self.path.name}:{self.line}"

    @property
    def is_doctest(self):
        return any(ln.lstrip().startswith(">>>") for ln in self.code.splitlines())


def _indented_body(lines, start, indent):
    """The block of lines indented deeper than ``indent`` from ``start`` on.

    Returns the dedented text and the index of its first line, or ``("", start)``
    when the next non-blank line is not indented deeper.
    """
    first = start
    while first < len(lines) and not lines[first].strip():
        first += 1
    end = first
    while end < len(lines) and (not lines[end].strip()
                                or len(lines[end]) - len(lines[end].lstrip()) > indent):
        end += 1
    if end == first:
        return "", start
    return textwrap.dedent("\n".join(lines[first:end])).strip("\n") + "\n", first


def rst_blocks(path):
    """Every ``.. code-block::`` and ``::`` literal block of an .rst file.

    Returns ``Block`` objects in page order; a ``::`` literal block gets the
    language ``"literal"``.
    """
    lines = path.read_text().splitlines()
    blocks = []
    for i, line in enumerate(lines):
        match = _CODE_DIRECTIVE.match(line)
        if match:
            indent, language = len(match.group(1)), match.group(2) or "default"
            j = i + 1
            while j < len(lines) and lines[j].strip().startswith(":"):  # options
                j += 1
        elif line.rstrip().endswith("::") and not line.lstrip().startswith(".. "):
            indent, language, j = len(line) - len(line.lstrip()), "literal", i + 1
        else:
            continue
        code, first = _indented_body(lines, j, indent)
        if code:
            blocks.append(Block(path, first + 1, code, language))
    return blocks


def readme_blocks(path):
    """The fenced ```` ```python ```` blocks of a Markdown file."""
    text = path.read_text()
    return [Block(path, text[:m.start(1)].count("\n") + 1, m.group(1), "python")
            for m in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M)]


def _pages():
    pages = {path.name: [b for b in rst_blocks(path) if b.language == "python"]
             for path in sorted(DOCS.glob("*.rst"))}
    pages["README.md"] = readme_blocks(ROOT / "README.md")
    return {name: blocks for name, blocks in pages.items() if blocks}


PAGES = _pages()
PYTHON_BLOCKS = [block for blocks in PAGES.values() for block in blocks]


def _has_cuda_and(module):
    return importlib.util.find_spec(module) is not None and torch.cuda.is_available()


def _importable(*modules):
    return all(importlib.util.find_spec(m) is not None for m in modules)


# What a block's imports need, keyed by the imported module or name (a key
# also covers everything under it): (is it there?, the skip reason).
_NEEDS = {
    "sklstm.TreeLSTMRegressor": (lambda: _importable("dgl"),
                                 f"needs the `tree` extra (DGL): {_INSTALL.format('tree')}"),
    "sklstm.export": (lambda: _importable("onnx", "onnxruntime", "onnxscript"),
                      f"needs the `export` extra: {_INSTALL.format('export')}"),
    "dask": (lambda: _importable("dask", "distributed"),
             f"needs the `distributed` extra: {_INSTALL.format('distributed')}"),
    "dask_cuda": (lambda: _has_cuda_and("dask_cuda"),
                  "needs dask-cuda (not an sklstm extra) and a CUDA GPU"),
    "skforecast": (lambda: _importable("skforecast"),
                   f"needs the `interop` extra: {_INSTALL.format('interop')}"),
    "sktime": (lambda: _importable("sktime"),
               f"needs the `interop` extra: {_INSTALL.format('interop')}"),
}


def _imported_names(block):
    """Dotted names a block imports: ``from a.b import c`` gives a.b and a.b.c."""
    if block.is_doctest:
        examples = doctest.DocTestParser().get_examples(block.code)
        source = "\n".join(example.source for example in examples)
    else:
        source = block.code
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _missing_requirement(blocks):
    """The skip reason for the last of ``blocks``, or None when it can run.

    ``blocks`` are a page's blocks up to that one: a block continues the ones
    before it, so it needs what they need.
    """
    for earlier in blocks:
        for name in sorted(_imported_names(earlier)):
            for key, (available, reason) in _NEEDS.items():
                if (name == key or name.startswith(key + ".")) and not available():
                    return reason
    return None


def _run_block(block, namespace):
    """Run one block in ``namespace``; raise AssertionError with the failure."""
    if block.is_doctest:
        output = []
        test = doctest.DocTestParser().get_doctest(
            block.code, namespace, block.id, str(block.path), block.line - 1)
        runner = doctest.DocTestRunner(
            optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
        runner.run(test, out=output.append, clear_globs=False)
        namespace.update(test.globs)  # the parser ran the examples on a copy
        assert runner.failures == 0, "".join(output)
    else:
        # pad with newlines so that a traceback names the block's line in the file
        code = compile("\n" * (block.line - 1) + block.code, str(block.path), "exec")
        exec(code, namespace)


# page name -> {"namespace": dict, "done": blocks run, "failed": block id or None}
_PAGE_STATE = {}


@pytest.mark.parametrize("block", PYTHON_BLOCKS, ids=lambda b: b.id)
def test_docs_python_block_runs(block, tmp_path, monkeypatch):
    page = PAGES[block.path.name]
    reason = _missing_requirement(page[:page.index(block) + 1])
    if reason:
        pytest.skip(reason)
    monkeypatch.chdir(tmp_path)  # blocks that save files write them here
    state = _PAGE_STATE.setdefault(
        block.path.name, {"namespace": {"__name__": "__main__"}, "done": 0, "failed": None})
    index = page.index(block)
    if state["done"] > index:  # a later block's test ran it already
        if state["failed"] == block.id:
            pytest.fail(f"{block.id} failed when a later block of its page ran it")
        return
    # run the blocks before this one first, once per page, whatever the test order
    for earlier in page[state["done"]:index + 1]:
        if state["failed"]:
            pytest.fail(f"{block.id} continues {state['failed']}, which failed")
        state["done"] += 1
        try:
            _run_block(earlier, state["namespace"])
        except BaseException:
            state["failed"] = earlier.id
            raise


def test_every_page_with_code_is_collected():
    assert {"index.rst", "quickstart.rst", "windowing.rst", "horizons.rst",
            "README.md"} <= set(PAGES)
    assert sum(block.is_doctest for block in PYTHON_BLOCKS) >= 2


def test_literal_blocks_hold_no_python():
    # Python shown in a plain ``::`` block would never run; mark it as
    # ``.. code-block:: python`` so that the tests above run it.
    python_line = re.compile(r"^(>>> |import \w|from [\w.]+ import )", re.M)
    hidden = [block.id for path in sorted(DOCS.glob("*.rst")) for block in rst_blocks(path)
              if block.language in {"literal", "default", "py", "python3", "pycon"}
              and python_line.search(block.code)]
    assert not hidden, f"Python code in blocks that no test runs: {hidden}"


def test_a_block_needing_a_missing_extra_names_it(tmp_path, monkeypatch):
    page = tmp_path / "page.rst"
    uses_export = Block(page, 3, "from sklstm.export import to_onnx\n", "python")
    after_it = Block(page, 9, "to_onnx\n", "python")
    plain = Block(page, 1, ">>> from sklstm import Windower\n", "python")
    assert _missing_requirement([plain]) is None
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: None if name == "onnx" else real_find_spec(name))
    assert _missing_requirement([plain]) is None
    for blocks in ([plain, uses_export], [uses_export, after_it]):
        assert _missing_requirement(blocks) == (
            "needs the `export` extra: pip install -c constraints.txt -e '.[export]'")


def test_rst_blocks_finds_directives_literals_and_nesting(tmp_path):
    page = tmp_path / "page.rst"
    page.write_text(textwrap.dedent("""\
        Title
        =====

        A shell command::

            pip install x

        .. code-block:: python
           :caption: a caption

            a = 1
            b = a + 1

        * a list item

          .. code-block:: python

              c = b

        .. math::

            x^2
        """))
    blocks = rst_blocks(page)
    assert [(b.line, b.language, b.code) for b in blocks] == [
        (6, "literal", "pip install x\n"),
        (11, "python", "a = 1\nb = a + 1\n"),
        (18, "python", "c = b\n"),
    ]


# -- The HTML build renders math without network --------------------------------

def test_html_build_serves_mathjax_locally(tmp_path):
    pytest.importorskip("sphinx", reason=f"needs the `docs` extra: {_INSTALL.format('docs')}")
    pytest.importorskip(
        "sphinx-mathjax-offline",
        reason=f"needs the `docs` extra (sphinx-mathjax-offline): {_INSTALL.format('docs')}")
    # build a copy without earlier builds' output, so that the generated pages
    # stay out of the working tree; -D plot_gallery=0 skips running the
    # examples (about 13 s of CPU time)
    generated = ("_build", "generated", "auto_examples", "gen_modules", "sg_execution_times.rst")
    shutil.copytree(DOCS, tmp_path / "docs", ignore=shutil.ignore_patterns(*generated))
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    out = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-D", "plot_gallery=0",
         str(tmp_path / "docs"), str(out)],
        capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]

    pages = sorted(out.rglob("*.html"))
    # no script or stylesheet from the network, MathJax's included
    remote = re.compile(r"""<(?:script|link)\b[^>]*\b(?:src|href)=["'](?:https?:)?//""", re.I)
    assert not [str(p.relative_to(out)) for p in pages if remote.search(p.read_text())]
    with_math = [p for p in pages if 'class="math' in p.read_text()]
    assert {p.name for p in with_math} >= {"variants.html", "quantization.html"}
    for page in with_math:
        scripts = re.findall(r"""<script[^>]*src=["']([^"']*mathjax[^"']*)["']""",
                             page.read_text())
        assert scripts, f"{page.name} has math but loads no MathJax"
        for src in scripts:
            assert (page.parent / src).is_file(), f"{page.name} loads {src}, not in the build"
