from typing import Any

class ConfigurationError(Exception): ...

# command: "setup-server" or "start-server"; args: the positional command-line arguments
# (the WSGI script); options: vars() of the parsed mod_wsgi-express options.  Writes the
# server root and returns options completed with the derived settings.
def setup_server(command: str, args: list[str], options: dict[str, Any]) -> dict[str, Any]: ...
