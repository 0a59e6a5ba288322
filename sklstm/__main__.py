"""``python -m sklstm``: the ``sklstm`` command (see :mod:`sklstm.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
