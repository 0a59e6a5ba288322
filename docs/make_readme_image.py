"""Regenerate the figure the README shows, ``docs/_static/compare_variants.png``.

The figure is the output of the gallery example
``examples/plot_compare_variants.py``, run unchanged in a temporary directory;
every PNG the example writes is copied to the output directory. From the
repository root::

    python docs/make_readme_image.py                   # -> docs/_static/compare_variants.png
    python docs/make_readme_image.py --out-dir /tmp/x  # leave the committed file alone
    python docs/make_readme_image.py --example examples/plot_sunspots_forecast.py

It takes about as long as the example (under a minute on two CPU cores).
"""

import argparse
import os
import runpy
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EXAMPLE = ROOT / "examples" / "plot_compare_variants.py"
DEFAULT_OUT_DIR = ROOT / "docs" / "_static"


def make_image(example=DEFAULT_EXAMPLE, out_dir=DEFAULT_OUT_DIR):
    """Run ``example`` in a temporary directory and copy its PNGs to ``out_dir``.

    Returns the list of written paths.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    example = Path(example).resolve()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            runpy.run_path(str(example), run_name="__main__")
        finally:
            os.chdir(cwd)
            plt.close("all")
        pngs = sorted(Path(tmp).glob("*.png"))
        if not pngs:
            raise RuntimeError(f"{example.name} wrote no PNG file")
        return [Path(shutil.copy(p, out_dir / p.name)) for p in pngs]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--example", default=str(DEFAULT_EXAMPLE),
                        help="gallery example to run (default: %(default)s)")
    parser.add_argument("--out-dir", default=str(DEFAULT_OUT_DIR),
                        help="where to copy the PNGs (default: %(default)s)")
    args = parser.parse_args(argv)
    for path in make_image(args.example, args.out_dir):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")


if __name__ == "__main__":
    sys.exit(main())
