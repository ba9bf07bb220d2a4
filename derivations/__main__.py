"""``python -m derivations`` runs the deepderive command line."""

import sys

from derivations.cli import main

sys.exit(main())
