"""``python -m wsgitypes``: see :mod:`wsgitypes.cli`."""

import sys

from wsgitypes.cli import main

sys.exit(main())
