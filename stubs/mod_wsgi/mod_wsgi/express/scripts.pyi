from typing import Any

WSGI_HANDLER_SCRIPT: str
WSGI_RESOURCE_SCRIPT: str
WSGI_DEFAULT_SCRIPT: str
TELEMETRY_SERVICE_SCRIPT: str
WSGI_CONTROL_SCRIPT: str
APACHE_ENVVARS_FILE: str

# Each writes files under options["server_root"]; options is the dict setup_server() completes.
def generate_wsgi_handler_script(options: dict[str, Any]) -> None: ...
def generate_telemetry_service_script(options: dict[str, Any]) -> None: ...
def generate_control_scripts(options: dict[str, Any]) -> None: ...
