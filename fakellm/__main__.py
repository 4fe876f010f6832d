"""`python -m fakellm` is the `fakellm` command."""

import sys

from fakellm.cli import main

sys.exit(main())
