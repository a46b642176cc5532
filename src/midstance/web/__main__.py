"""``python -m midstance.web serve|worker|docs``."""

import sys

from midstance.web.cli import main

sys.exit(main())
