"""``python -m derivations`` runs the deepderive command line."""

import sys

from .cli import main

sys.exit(main())
