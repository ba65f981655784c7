"""``python -m wsgitypes.probe URL [--json]``: the same as ``python -m wsgitypes probe``."""

import sys

from wsgitypes.probe.cli import main

sys.exit(main(sys.argv[1:]))
