import optparse
from typing import Any

SHELL: str | None
option_list: list[optparse.Option]

def check_percentage(option: optparse.Option, opt_str: str, value: float | None, parser: optparse.OptionParser) -> None: ...

# platforms: "all", "unix", "windows" or several joined with "|"; the rest goes to optparse.make_option.
def add_option(platforms: str, *args: Any, **kwargs: Any) -> None: ...
