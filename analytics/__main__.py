"""`python -m analytics`: Palier's command line."""

import sys

from analytics.cli import main

sys.exit(main())
