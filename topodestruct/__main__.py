"""``python -m topodestruct``: the same as the ``topodestruct`` command."""
import sys

from .cli import main

sys.exit(main())
