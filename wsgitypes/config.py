"""Settings for a command from a TOML file and environment variables, under its command line.

Every option of an ``argparse`` parser becomes a setting, with nothing to declare:

* its TOML key is its first long flag without the dashes (``--max-requests`` ->
  ``max-requests``; a positional argument goes by its name, ``app``);
* its environment variable is the prefix and the key in upper case, dashes as
  underscores (``WSGITYPES_MAX_REQUESTS``).

A value is read as the command line would read it, with the option's own type and
choices: a TOML string or number, or an environment variable's text.  A flag
(``--no-check``) takes ``true`` or ``false`` (in the environment also ``1``/``0``,
``yes``/``no``, ``on``/``off``); an option that may be repeated (``--bind``) takes a
TOML array, or whitespace-separated words in the environment.  The precedence is
**command line > environment > file > the option's default**, whole values each:
``--bind`` on the command line replaces the file's ``bind`` list, it does not add to it.

A value that does not convert, an unknown key or a file that is not TOML is a
:class:`ConfigError` whose message names where the value came from
(``WSGITYPES_PORT``, ``serve.toml: port``).  Environment variables with the prefix
that name no option are left alone (other parts of wsgitypes read some), but one that
looks like a misspelt option gets a warning.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, cast

__all__ = [
    "ConfigError", "Layered", "Repeated", "Setting", "from_environ", "from_table", "given", "layer", "read_table", "settings", "to_toml",
]

_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A setting that cannot be used; the message is one line naming where it came from."""


class Setting(NamedTuple):
    """One option of the parser, with its TOML key and environment variable."""

    action: argparse.Action
    key: str
    variable: str

    @property
    def dest(self) -> str:
        return self.action.dest

    @property
    def is_flag(self) -> bool:
        """Takes no value on the command line (store_true, store_false, store_const)."""
        return self.action.nargs == 0

    @property
    def repeated(self) -> bool:
        """May be given more than once, each adding to a list (``action=Repeated``)."""
        return isinstance(self.action, Repeated)


class Repeated(argparse.Action):
    """The action for an option that may be repeated: each use adds its value to a list,
    the first replacing the default, so that a ``--bind`` on the command line replaces
    the file's ``bind`` list rather than adding to it.  (argparse's ``append`` would add
    to whatever default it finds.)  As a setting: a TOML array, words in the environment."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option_string: str | None = None) -> None:
        current = getattr(namespace, self.dest, None)
        items: list[object] = [] if current is None or current is self.default else list(current)
        setattr(namespace, self.dest, [*items, values])


def settings(parser: argparse.ArgumentParser, prefix: str) -> dict[str, Setting]:
    """Every option of ``parser`` but ``--help`` and ``--version``, by TOML key."""
    found: dict[str, Setting] = {}
    for action in parser._actions:  # the parser's options: argparse offers no public list
        if action.dest in ("help", "version") or action.nargs == argparse.PARSER:
            continue
        long_flags = [flag for flag in action.option_strings if flag.startswith("--")]
        key = long_flags[0][2:] if long_flags else action.dest
        found[key] = Setting(action, key, prefix + key.upper().replace("-", "_"))
    return found


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()


def given(parser: argparse.ArgumentParser, command: argparse.ArgumentParser, argv: Sequence[str]) -> dict[str, object]:
    """The values of ``command``'s options that ``argv`` gives explicitly (parsed by ``parser``).

    ``argv`` must already parse: this parses it once more with every default of
    ``command`` replaced by a marker, and keeps what is not the marker.
    """
    saved = {action.dest: action.default for action in command._actions}
    command.set_defaults(**{dest: _UNSET for dest in saved})
    try:
        namespace, _ = parser.parse_known_args(list(argv))
    finally:
        command.set_defaults(**saved)
    return {dest: value for dest, value in vars(namespace).items() if dest in saved and value is not _UNSET}


def _convert_one(setting: Setting, value: object, where: str) -> object:
    action = setting.action
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(f"{where}: expected {'a string or number' if action.type else 'a string'}, got {_shown(value)}")
    if action.type is None and not isinstance(value, str):
        raise ConfigError(f"{where}: expected a string, got {_shown(value)}")
    text = str(value)
    converted: object = text
    if action.type is not None:
        convert: Any = action.type
        try:
            converted = convert(text)
        except argparse.ArgumentTypeError as error:
            raise ConfigError(f"{where}: {error}") from None
        except (TypeError, ValueError):
            name = getattr(convert, "__name__", repr(convert))
            raise ConfigError(f"{where}: invalid {name} value: {text!r}") from None
    if action.choices is not None and converted not in action.choices:
        raise ConfigError(f"{where}: invalid choice: {text!r} (choose from {', '.join(map(repr, action.choices))})")
    return converted


def _convert(setting: Setting, value: object, where: str, from_text: bool) -> object:
    """``value`` as the command line would have made it; :class:`ConfigError` if it cannot be."""
    action = setting.action
    if setting.is_flag:
        if from_text and isinstance(value, str):
            if value.strip().lower() not in _TRUE | _FALSE:
                raise ConfigError(f"{where}: expected true or false, got {value!r}")
            value = value.strip().lower() in _TRUE
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {_shown(value)}")
        return action.const if value else action.default
    if setting.repeated:
        if from_text and isinstance(value, str):
            value = value.split()
        items = cast(list[object], value) if isinstance(value, list) else [value]
        return [_convert_one(setting, item, where) for item in items]
    if isinstance(value, list):
        raise ConfigError(f"{where}: expected one value, got a list")
    return _convert_one(setting, value, where)


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _suggestion(word: str, choices: Sequence[str]) -> str:
    import difflib  # (imported for an error message: not carried by every server process)

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def read_table(path: Path, table: Sequence[str] = (), shown: str | None = None) -> dict[str, object] | None:
    """The TOML table at ``table`` (a path of keys; empty: the whole file) in ``path``, None when the file lacks it."""
    import tomllib  # (only where there is a file to read)

    shown = shown or str(path)
    try:
        with path.open("rb") as file:
            data: Any = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{shown}: no such file") from None
    except OSError as error:
        raise ConfigError(f"{shown}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{shown}: not valid TOML: {error}") from None
    for key in table:
        data = cast(dict[str, object], data).get(key) if isinstance(data, dict) else None
        if data is None:
            return None
    if not isinstance(data, dict):
        raise ConfigError(f"{shown}: [{'.'.join(table)}] is not a table")
    return cast(dict[str, object], data)


def from_table(table: Mapping[str, object], where: str, known: Mapping[str, Setting], refused: Sequence[str] = ()) -> dict[str, object]:
    """The values a TOML table gives, by option dest; ``where`` names the table in messages."""
    values: dict[str, object] = {}
    for key, value in table.items():
        setting = known.get(key)
        if setting is None or key in refused:
            hint = "" if setting is not None else _suggestion(key, [name for name in known if name not in refused])
            raise ConfigError(f"{where}: unknown setting {key!r}{hint}" if setting is None else f"{where}: {key!r} cannot be set in a file")
        values[setting.dest] = _convert(setting, value, f"{where}: {key}", from_text=False)
    return values


def from_environ(environ: Mapping[str, str], prefix: str, known: Mapping[str, Setting]) -> tuple[dict[str, object], list[str]]:
    """The values the environment gives, by option dest, and warnings about variables that look misspelt."""
    by_variable = {setting.variable: setting for setting in known.values()}
    names = [variable.removeprefix(prefix) for variable in by_variable]  # (the shared prefix would make everything look alike)
    values: dict[str, object] = {}
    warnings: list[str] = []
    for variable, text in environ.items():
        if not variable.startswith(prefix):
            continue
        setting = by_variable.get(variable)
        if setting is None:
            import difflib

            close = difflib.get_close_matches(variable.removeprefix(prefix), names, n=1, cutoff=0.8)
            if close:
                warnings.append(f"{variable} is not a setting (did you mean {prefix}{close[0]}?); ignored")
            continue
        values[setting.dest] = _convert(setting, text, variable, from_text=True)
    return values, warnings


class Layered(NamedTuple):
    """The settings as used, and where each one that is not a default came from."""

    values: dict[str, object]
    sources: dict[str, str]
    """By dest: ``"command line"``, the environment variable, or the file and key."""

    def namespace(self) -> argparse.Namespace:
        return argparse.Namespace(**self.values)


def layer(defaults: Mapping[str, object], *layers: tuple[Mapping[str, object], str | Mapping[str, str]]) -> Layered:
    """``defaults`` overridden by each ``(values, source)`` in turn (the last wins); ``source``
    names where the layer's values came from, or where each did (by dest)."""
    values, sources = dict(defaults), dict[str, str]()
    for layer_values, source in layers:
        for dest, value in layer_values.items():
            values[dest] = value
            sources[dest] = source if isinstance(source, str) else source[dest]
    return Layered(values, sources)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in cast(list[object], value)) + "]"
    import json

    return json.dumps(str(value), ensure_ascii=False)  # a JSON string is a TOML basic string


def to_toml(layered: Layered, known: Mapping[str, Setting]) -> str:
    """The settings in use as a TOML file would give them, each not at its default
    followed by a comment naming where it came from (``--print-config``)."""
    lines: list[str] = []
    for key, setting in known.items():
        value = layered.values.get(setting.dest)
        if setting.is_flag:
            value = value == setting.action.const
        source = layered.sources.get(setting.dest)
        if value is None:
            lines.append(f"# {key} is not set")
            continue
        lines.append(f"{key} = {_toml_value(value)}" + (f"  # from {source}" if source else ""))
    return "\n".join(lines) + "\n"
