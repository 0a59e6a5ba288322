"""Sphinx configuration for the sklstm documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the gallery examples (pages keep their
code, without figures). The build needs no network access, and the pages
need none to display: MathJax is served from ``_static/mathjax``.
"""

import os
import warnings

# The gallery draws with matplotlib's non-interactive Agg backend: set before
# anything (sklstm, an example, sphinx-gallery's scraper) imports pyplot, so
# the examples need no backend code of their own.
os.environ["MPLBACKEND"] = "Agg"

import torch  # noqa: E402

import sklstm  # noqa: E402

project = "sklstm"
copyright = "sklstm developers"
version = release = sklstm.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # serves MathJax from _static/mathjax instead of a CDN, so formulas
    # render in a browser without network access (the ``docs`` extra)
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

exclude_patterns = ["_build"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_theme = "pydata_sphinx_theme"
html_title = f"sklstm {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False

# -- API reference ----------------------------------------------------------
# autosummary writes one page per name listed in api.rst into docs/generated/
# (gitignored), from the templates in _templates/autosummary/: estimator.rst
# (methods written in sklstm, plus "Examples using ..."), module_class.rst
# (torch modules: their own methods only) and sklstm_function.rst.
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Cross-references to objects outside sklstm (numpy, sklearn, torch, pandas)
# would need intersphinx inventories fetched over the network; the build is
# offline, so numpydoc leaves such types as plain text.
numpydoc_xref_param_type = False

# -- Gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # run every plot_*.py example (the default pattern, stated for clarity)
    "filename_pattern": r"/plot_",
    "image_scrapers": ("matplotlib",),
    "within_subsection_order": "FileNameSortKey",
    # "Examples using X" lists on the API pages
    "doc_module": ("sklstm",),
    "backreferences_dir": "generated/backreferences",
    "inspect_global_variables": True,
    "download_all_examples": False,
    "remove_config_comments": True,
    "plot_gallery": "True",
    # an example that raises fails the build (after the others have run)
    "abort_on_example_error": False,
    "only_warn_on_example_error": False,
    # no binder / jupyterlite / network links
    "show_memory": False,
    # no execution-time pages: they load their table script from a CDN
    "write_computation_times": False,
}

# Torch runs on one thread during the gallery, as in the tests: the example
# models are small, and on a busy 2-core machine two threads made single
# examples minutes slower.
torch.set_num_threads(1)

warnings.filterwarnings(
    "ignore", category=UserWarning,
    message="Matplotlib is currently using agg, which is a non-GUI backend")
