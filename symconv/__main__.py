"""``python -m symconv``: the ``symconv`` command."""
import sys

from .cli import main

sys.exit(main())
