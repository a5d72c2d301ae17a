"""`python -m constructs_lib ...`: the `constructs-lib` command."""

import sys

from .cli import main

sys.exit(main())
