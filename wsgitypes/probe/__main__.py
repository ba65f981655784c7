"""``python -m wsgitypes.probe URL [options]``: the same command as ``python -m wsgitypes probe``."""

import sys

from wsgitypes.cli import main

sys.exit(main(["probe", *sys.argv[1:]]))
