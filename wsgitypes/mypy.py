"""A mypy plugin for the PEP 3333 rules that types cannot express.

The protocols in :mod:`wsgitypes.types` catch shape errors (a ``bytes`` status, a
tuple of headers, a missing ``exc_info`` parameter); they cannot see that ``"200"``
lacks a reason phrase, that a header value carries ``\\r\\n``, that an application
sets ``Connection``, that ``environ["PATH_INF"]`` is a typo or that
``environ["CONTENT_LENGTH"]`` raises ``KeyError`` on a GET.  This plugin does, with
its own error codes::

    # mypy.ini / setup.cfg: [mypy]            pyproject.toml: [tool.mypy]
    plugins = wsgitypes.mypy                  plugins = ["wsgitypes.mypy"]

``wsgi-status``
    A literal or ``Final`` status given to ``start_response`` that is not
    ``"NNN Reason"``, holds control characters (CR, LF, ...), or is not Latin-1.
``wsgi-header``
    A literal header name that is not an RFC 9110 token, or a literal header value
    with CR, LF or other control characters, or text outside Latin-1.
``wsgi-hop-by-hop``
    A hop-by-hop header set by the application: Connection, Keep-Alive,
    Proxy-Authenticate, Proxy-Authorization, Proxy-Connection, TE, Trailers,
    Transfer-Encoding, Upgrade, in any letter case.
``wsgi-environ-key``
    A near-miss of a well-known key (``"PATH_INF"``, ``"wsgi.inputt"``,
    ``"http_host"``, ``"HTTP_CONTENT_TYPE"``) read from or written to an environ;
    the message says which key was meant.
``wsgi-environ-absent``
    ``environ[key]`` for a key a server may leave out (``CONTENT_LENGTH``,
    ``QUERY_STRING``, any ``HTTP_`` header; :func:`wsgitypes.rules.may_be_absent`),
    unless the same function tests ``key in ...``, sets the key or catches
    ``KeyError`` around the read.
``wsgi-environ-type``
    A read whose value PEP 3333 fixes (every CGI variable is a ``str``) used where
    that type does not fit: ``length: int = environ["CONTENT_LENGTH"]``.

An environ is a name or attribute annotated ``WSGIEnvironment`` (ours,
``wsgiref.types`` or ``_typeshed.wsgi``; Werkzeug's and Flask's ``request.environ``
are annotated with the latter).  A plain ``dict[str, Any]`` is left alone, and so is
a variable whose type mypy infers from a call (the alias is lost there).

**Typed reads.**  By default a read keeps the type mypy gives it (``Any``), so
enabling the plugin changes no inference: code that builds ``dict`` literals or
``**kwargs`` from environ reads, passes ``environ["wsgi.input"]`` where ``IO[bytes]``
is expected or carries ``# type: ignore[no-any-return]`` on such a read type-checks
as before.  The value's real type is used only to check it against what the context
asks for (``wsgi-environ-type``).  With ``typed_environ_reads = true`` in the
plugin's own section, reads get their real types instead (``environ["wsgi.input"]``
an ``InputStream``, ``environ.get("QUERY_STRING", "")`` a ``str``), as
:func:`wsgitypes.environ_view` gives them in both checkers::

    [wsgitypes-mypy]                          [tool.wsgitypes-mypy]
    typed_environ_reads = true                typed_environ_reads = true

Through :class:`wsgitypes.Environ` (the typed view) mypy already rejects unknown and
may-be-absent keys; the plugin replaces its list of overloads by one sentence, and
flags near-misses given to ``.get()``.

The plugin only reads mypy's trees and types, through the stable hook surface
(``get_method_hook``, ``get_method_signature_hook``, ``type_context``).  Every check
is a rule of :mod:`wsgitypes.rules`, the catalogue the validator and the server use,
so the three never disagree; each message is one sentence that names the rule and
says how to fix it.  Suppress one line with ``# type: ignore[wsgi-status]``, or a
code everywhere with ``--disable-error-code wsgi-hop-by-hop``.
"""

from __future__ import annotations

import ast
import configparser
import functools
import hashlib
import os
import sys
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from mypy.erasetype import remove_instance_last_known_values
from mypy.errorcodes import CALL_OVERLOAD, ErrorCode
from mypy.messages import format_type
from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    Expression,
    IndexExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OpExpr,
    OperatorAssignmentStmt,
    RefExpr,
    StrExpr,
    TupleExpr,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.plugin import CheckerPluginInterface, MethodContext, MethodSigContext, Plugin, ReportConfigContext
from mypy.subtypes import is_subtype
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    CallableType,
    FunctionLike,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeAliasType,
    TypeOfAny,
    UninhabitedType,
    UnionType,
    get_proper_type,
    has_type_vars,
)

from wsgitypes import environ as _environ_module
from wsgitypes import rules as _rules_module
from wsgitypes.environ import WELL_KNOWN_KEYS
from wsgitypes.rules import (
    ENVIRON_NO_HTTP_CONTENT,
    ENVIRON_REQUIRED,
    HEADER_NAME,
    HEADER_VALUE,
    HOP_BY_HOP,
    HTTP_CONTENT_KEYS,
    STATUS_CHARS,
    STATUS_FORMAT,
    STATUS_LATIN1,
    STATUS_RULES,
    Rule,
    environ_type_rule,
    environ_value_type,
    may_be_absent,
    suggest_environ_key,
)

__all__ = [
    "CONFIG_SECTION",
    "ENVIRON_ABSENT",
    "ENVIRON_KEY",
    "ENVIRON_TYPE",
    "HOP_BY_HOP_CODE",
    "WSGI_HEADER",
    "WSGI_STATUS",
    "PluginConfig",
    "WSGIPlugin",
    "absent_key_problem",
    "environ_key_problem",
    "header_problems",
    "plugin",
    "rule_problem",
    "status_problem",
    "view_key_problem",
]


def _fingerprint() -> str:
    # mypy re-checks everything when a plugin's entry module or its __version__
    # changes, not when a module it imports does: fold the catalogue's source in.
    digest = hashlib.sha256()
    for module in (_rules_module, _environ_module):
        try:
            digest.update(Path(str(module.__file__)).read_bytes())
        except OSError:  # pragma: no cover - e.g. run from a zip file
            digest.update(module.__name__.encode())
    return digest.hexdigest()[:12]


__version__ = f"1+{_fingerprint()}"
"""Changes whenever this module's checks or the rule catalogue they use change."""

WSGI_STATUS = ErrorCode("wsgi-status", "Check literal WSGI status strings (PEP 3333)", "WSGI")
WSGI_HEADER = ErrorCode("wsgi-header", "Check literal WSGI response header names and values", "WSGI")
HOP_BY_HOP_CODE = ErrorCode("wsgi-hop-by-hop", "Check that a WSGI application sends no hop-by-hop header", "WSGI")
ENVIRON_KEY = ErrorCode("wsgi-environ-key", "Check keys of a WSGI environ for near-misses of well-known keys", "WSGI")
ENVIRON_ABSENT = ErrorCode(
    "wsgi-environ-absent", "Check that environ keys a server may leave out are read with .get()", "WSGI"
)
ENVIRON_TYPE = ErrorCode("wsgi-environ-type", "Check that a WSGI environ value fits where it is used", "WSGI")

_START_RESPONSE_CALLS = frozenset(
    {
        "wsgiref.types.StartResponse.__call__",  # also wsgitypes.StartResponse: the same type
        "_typeshed.wsgi.StartResponse.__call__",  # before Python 3.11 (it re-exports wsgiref.types after)
    }
)
# alias -> the module whose InputStream / ErrorStream / FileWrapper typed reads return
_ENVIRON_ALIASES = {
    "wsgitypes.types.WSGIEnvironment": "wsgitypes.types",
    "wsgiref.types.WSGIEnvironment": "wsgiref.types",
    "_typeshed.wsgi.WSGIEnvironment": "_typeshed.wsgi",
}
_HEADERS_ALIASES = frozenset({"wsgitypes.types.ResponseHeaders"})
_VIEW_GETITEM = "wsgitypes.environ.Environ.__getitem__"
_VIEW_GET = "wsgitypes.environ.Environ.get"
_BUILTIN_TYPES = {"str": "builtins.str", "bool": "builtins.bool", "int": "builtins.int"}

_RULE_CODES = {
    STATUS_CHARS: WSGI_STATUS,
    STATUS_LATIN1: WSGI_STATUS,
    STATUS_FORMAT: WSGI_STATUS,
    HEADER_NAME: WSGI_HEADER,
    HEADER_VALUE: WSGI_HEADER,
    HOP_BY_HOP: HOP_BY_HOP_CODE,
}


# --- configuration: the plugin's own section of the mypy config file --------------

CONFIG_SECTION = "wsgitypes-mypy"
"""``[wsgitypes-mypy]`` in mypy.ini / setup.cfg, ``[tool.wsgitypes-mypy]`` in pyproject.toml."""


@dataclass(frozen=True)
class PluginConfig:
    """The plugin's options, read from its section of the file mypy reads its own from."""

    typed_environ_reads: bool = False
    """Give environ reads their real types (changes inference), instead of only checking them."""

    @classmethod
    def load(cls, config_file: str | None) -> PluginConfig:
        """The options in ``config_file``; a bad one ends mypy with one line naming it (exit 2)."""
        if not config_file:
            return cls()
        try:
            values = _config_section(config_file)
            unknown = sorted(set(values) - {"typed_environ_reads"})
            if unknown:
                raise ValueError(f"unknown option {unknown[0]!r} (known: typed_environ_reads)")
            return cls(**{name: _boolean(name, value) for name, value in values.items()})
        except (OSError, ValueError, configparser.Error, tomllib.TOMLDecodeError) as error:
            print(f"{config_file}: [{CONFIG_SECTION}]: {error}", file=sys.stderr)
            raise SystemExit(2) from None


def _config_section(config_file: str) -> dict[str, object]:
    if config_file.endswith(".toml"):
        with open(config_file, "rb") as file:
            tool: object = tomllib.load(file).get("tool")
        section: object = cast("dict[str, object]", tool).get(CONFIG_SECTION, {}) if isinstance(tool, dict) else {}
        if not isinstance(section, dict):
            raise ValueError("expected a table")
        return cast("dict[str, object]", section)
    parser = configparser.ConfigParser()
    parser.read(config_file, encoding="utf-8")
    return dict(parser[CONFIG_SECTION]) if parser.has_section(CONFIG_SECTION) else {}


def _boolean(name: str, value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in configparser.ConfigParser.BOOLEAN_STATES:
        return configparser.ConfigParser.BOOLEAN_STATES[value.strip().lower()]
    raise ValueError(f"{name} = {value!r} is not a boolean (true or false)")


# --- the messages: one sentence each, from the catalogue's checks and fixes ---------


def _message(detail: str, fix: str, rule: Rule) -> str:
    return f"{detail}; {fix} (rule {rule.id}, {rule.source})"


@functools.lru_cache(maxsize=4096)
def rule_problem(rule: Rule, value: str) -> str | None:
    """The message for ``value`` breaking ``rule``, or None: the check's detail, the rule's fix, the rule's id and source."""
    assert rule.check is not None, rule.id
    detail = rule.check(value)
    if detail is None:
        return None
    return _message(detail, rule.fix, rule)


def status_problem(status: str) -> tuple[Rule, str] | None:
    """The first status rule ``status`` breaks (control characters, Latin-1, format)."""
    for rule in STATUS_RULES:
        message = rule_problem(rule, status)
        if message is not None:
            return rule, message
    return None


def header_problems(name: str | None, value: str | None) -> Iterator[tuple[Rule, str]]:
    """Every header rule a (name, value) pair breaks; None stands for a value not known statically."""
    if name is not None:
        message = rule_problem(HEADER_NAME, name)
        if message is None:
            message = rule_problem(HOP_BY_HOP, name)
            if message is not None:
                yield HOP_BY_HOP, message
        else:
            yield HEADER_NAME, message
    if value is not None:
        message = rule_problem(HEADER_VALUE, value)
        if message is not None:
            yield HEADER_VALUE, message


@functools.lru_cache(maxsize=4096)
def environ_key_problem(key: str) -> str | None:
    """The message for a near-miss of a well-known environ key, or None."""
    meant = suggest_environ_key(key)
    if meant is None:
        return None
    if key in HTTP_CONTENT_KEYS:
        return _message(f'no server sets "{key}", the header is in "{meant}"', f'read "{meant}"', ENVIRON_NO_HTTP_CONTENT)
    return f'"{key}" is not an environ key PEP 3333 or CGI defines; did you mean "{meant}"?'


@functools.lru_cache(maxsize=4096)
def absent_key_problem(key: str) -> str:
    """The message for subscripting a key a server may leave out."""
    return _message(f'a server may leave "{key}" out of the environ, and then this raises KeyError',
                    f'read it with .get("{key}")', ENVIRON_REQUIRED)


@functools.lru_cache(maxsize=4096)
def view_key_problem(key: str | None) -> str:
    """The message for a key ``Environ[...]`` does not subscript (None: a key not known statically)."""
    if key is None:
        return "Environ subscripts only literal keys; read a computed key with .get(key)"
    return (
        environ_key_problem(key)
        or (absent_key_problem(key) if may_be_absent(key) else None)
        or f'Environ does not know the key "{key}"; read it with .get("{key}"), or declare it: Environ[Literal["{key}"]]'
    )


_value_type_name = functools.lru_cache(maxsize=4096)(environ_value_type)
_type_rule = functools.lru_cache(maxsize=4096)(environ_type_rule)
_VIEW_KEYS = frozenset(key for key in WELL_KNOWN_KEYS if not may_be_absent(key))  # what Environ subscripts


# --- reading literals out of mypy's trees and types (read-only) -------------------


def _literal_strs(typ: Type) -> list[str]:
    """The str literal(s) a type pins down: ``Literal["x"]``, a literal's inferred type, a union of them."""
    proper = get_proper_type(typ)
    if isinstance(proper, Instance) and proper.last_known_value is not None:
        proper = proper.last_known_value
    if isinstance(proper, LiteralType):
        if isinstance(proper.value, str) and proper.fallback.type.fullname == "builtins.str":
            return [proper.value]
        return []
    if isinstance(proper, UnionType):
        return [value for item in proper.items for value in _literal_strs(item)]
    return []


def _only_literal_strs(typ: ProperType) -> bool:
    """``Literal["x"]`` or a union of str literals, and nothing else."""
    items = typ.items if isinstance(typ, UnionType) else [typ]
    return all(isinstance(get_proper_type(item), LiteralType) and _literal_strs(item) for item in items)


def _expr_str(expr: Expression) -> str | None:
    """The value of a str literal, or of a name declared ``Final`` with one."""
    if isinstance(expr, StrExpr):
        return expr.value
    if isinstance(expr, RefExpr) and isinstance(expr.node, Var):
        value = expr.node.final_value
        if isinstance(value, str) and expr.node.is_final:
            return value
    return None


def _alias_name(api: CheckerPluginInterface, expr: Expression | None) -> str | None:
    """The alias a name or attribute chain was annotated with (``environ``, ``self.environ``)."""
    if isinstance(expr, NameExpr):
        # a variable's own type, declared or inferred: what get_expression_type would give
        # unless the binder narrowed it, and a narrowed union loses the alias anyway
        typ = expr.node.type if isinstance(expr.node, Var) else None
    else:
        probe = expr
        while isinstance(probe, MemberExpr):
            probe = probe.expr
        if not isinstance(probe, NameExpr):
            return None  # re-checking a call or a subscript could repeat its errors
        assert expr is not None
        typ = api.get_expression_type(expr)
    if isinstance(typ, TypeAliasType) and typ.alias is not None:
        return typ.alias.fullname
    return None


def _is_str_any_dict(typ: ProperType) -> bool:
    """``dict[str, Any]``, what every WSGIEnvironment alias expands to (a cheap first filter)."""
    return (
        isinstance(typ, Instance)
        and len(typ.args) == 2
        and isinstance(get_proper_type(typ.args[1]), AnyType)
    )


def _receiver(ctx: MethodContext) -> Expression | None:
    """``x`` in ``x[k]``, ``x.get(k)``, ``x.append(h)``, ``x[k] = v``, ``x += [h]``, ``x + [h]``."""
    context = ctx.context
    if isinstance(context, IndexExpr):
        return context.base
    if isinstance(context, CallExpr) and isinstance(context.callee, MemberExpr):
        return context.callee.expr
    if isinstance(context, OperatorAssignmentStmt):
        return context.lvalue
    if isinstance(context, OpExpr):
        return context.left
    if isinstance(context, AssignmentStmt) and ctx.args and ctx.args[0]:
        # ``x[k] = v``: the hook sees the statement; find the subscript assigned through k
        for lvalue in context.lvalues:
            if isinstance(lvalue, IndexExpr) and lvalue.index is ctx.args[0][0]:
                return lvalue.base
    return None


def _header_items(expr: Expression) -> Iterator[tuple[Expression, Expression]]:
    """The (name, value) expressions of a list or tuple literal of 2-tuples."""
    if isinstance(expr, (ListExpr, TupleExpr)):
        for item in expr.items:
            if isinstance(item, TupleExpr) and len(item.items) == 2:
                yield item.items[0], item.items[1]


def _asked_for(api: CheckerPluginInterface) -> ProperType | None:
    """The type the context asks of the expression being checked, when it asks for one.

    None where nothing is asked (an unannotated assignment, an attribute access), or
    where the answer is not settled yet (``Any``, a type variable being inferred).
    """
    if not api.type_context or api.type_context[-1] is None:
        return None
    asked = get_proper_type(api.type_context[-1])
    if isinstance(asked, (AnyType, UninhabitedType)) or has_type_vars(asked):
        return None
    return asked


# --- which reads an `in` test, an assignment or `except KeyError` guards ------------


@dataclass(frozen=True)
class _Guards:
    """Per function of one source file: the environ keys its own code tests or sets."""

    scopes: tuple[tuple[int, int, frozenset[str]], ...]  # (first line, last line, keys)
    key_error_handled: tuple[tuple[int, int], ...]  # lines of ``try:`` bodies that catch KeyError

    def guard(self, key: str, line: int) -> bool:
        return any(first <= line <= last and key in keys for first, last, keys in self.scopes) or any(
            first <= line <= last for first, last in self.key_error_handled
        )


_CATCHES_KEY_ERROR = frozenset({"KeyError", "LookupError", "Exception", "BaseException"})


def _str_constant(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


class _GuardFinder(ast.NodeVisitor):
    def __init__(self) -> None:
        self.scopes: list[tuple[int, int, frozenset[str]]] = []
        self.key_error_handled: list[tuple[int, int]] = []
        self._keys: list[set[str]] = []

    def scope(self, node: ast.AST, first: int, last: int) -> None:
        self._keys.append(set())
        self.generic_visit(node)
        self.scopes.append((first, last, frozenset(self._keys.pop())))

    def visit_Module(self, node: ast.Module) -> None:
        self.scope(node, 1, sys.maxsize)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        self.scope(node, node.lineno, node.end_lineno or node.lineno)

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_Compare(self, node: ast.Compare) -> None:  # "KEY" in environ, "KEY" not in environ
        if isinstance(node.ops[0], (ast.In, ast.NotIn)) and (key := _str_constant(node.left)) is not None:
            self._keys[-1].add(key)
        self.generic_visit(node)

    def visit_If(self, node: ast.If | ast.IfExp | ast.While | ast.Assert) -> None:  # if environ.get("KEY"): ...
        self._tested(node.test)
        self.generic_visit(node)

    visit_IfExp = visit_While = visit_Assert = visit_If

    def visit_BoolOp(self, node: ast.BoolOp) -> None:  # environ.get("KEY") and int(environ["KEY"])
        for value in node.values[:-1]:
            self._tested(value)
        self.generic_visit(node)

    def _tested(self, test: ast.expr) -> None:
        """A key read with ``.get`` in a condition (truthy, or compared with None) is guarded there."""
        for node in ast.walk(test):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" and node.args:
                if (key := _str_constant(node.args[0])) is not None:
                    self._keys[-1].add(key)

    def visit_Call(self, node: ast.Call) -> None:  # environ.setdefault("KEY", ...)
        if isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault" and node.args:
            if (key := _str_constant(node.args[0])) is not None:
                self._keys[-1].add(key)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:  # environ["KEY"] = value
        if isinstance(node.ctx, ast.Store) and (key := _str_constant(node.slice)) is not None:
            self._keys[-1].add(key)
        self.generic_visit(node)

    def visit_Try(self, node: ast.Try) -> None:
        for handler in node.handlers:
            names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if any(name is None or (isinstance(name, ast.Name) and name.id in _CATCHES_KEY_ERROR) for name in names):
                self.key_error_handled.append((node.body[0].lineno, node.body[-1].end_lineno or node.lineno))
                break
        self.generic_visit(node)


@functools.lru_cache(maxsize=64)
def _guards(path: str, stamp: tuple[int, int]) -> _Guards:
    try:
        tree = ast.parse(Path(path).read_bytes(), path)
    except (OSError, SyntaxError, ValueError):
        return _Guards((), ())
    finder = _GuardFinder()
    finder.visit(tree)
    return _Guards(tuple(finder.scopes), tuple(finder.key_error_handled))


def _is_guarded(path: str, key: str, line: int) -> bool:
    try:
        status = os.stat(path)
    except OSError:
        return False  # no file to read (mypy -c): report
    return _guards(path, (status.st_mtime_ns, status.st_size)).guard(key, line)


# --- the plugin -------------------------------------------------------------------


class WSGIPlugin(Plugin):
    """Read-only method hooks: ``start_response`` calls, header lists, environ reads."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        self.config = PluginConfig.load(options.config_file)
        # --shadow-file SOURCE SHADOW (editors checking an unsaved buffer): mypy checks SHADOW's text
        self._shadows = {os.path.abspath(source): shadow for source, shadow in options.shadow_file or ()}
        # mypy asks for a hook on every method call: one dict look-up answers it
        self._method_hooks: dict[str, Callable[[MethodContext], Type]] = {
            **dict.fromkeys(_START_RESPONSE_CALLS, self._start_response),
            "builtins.dict.__getitem__": self._environ_getitem,
            "builtins.dict.get": self._environ_get,
            "builtins.dict.__setitem__": self._environ_setitem,
            "builtins.dict.pop": self._environ_key_named,
            "builtins.dict.__delitem__": self._environ_key_named,
            "builtins.list.append": self._header_added,
            "builtins.list.insert": self._header_added,
            "builtins.list.extend": self._headers_added,
            "builtins.list.__iadd__": self._headers_added,
            "builtins.list.__add__": self._headers_added,
            _VIEW_GET: self._view_get,
        }
        self._protocols: dict[str, TypeInfo | None] = {}

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return self._method_hooks.get(fullname)

    def get_method_signature_hook(self, fullname: str) -> Callable[[MethodSigContext], FunctionLike] | None:
        return self._view_subscript if fullname == _VIEW_GETITEM else None

    def report_config_data(self, ctx: ReportConfigContext) -> Any:
        return {"typed_environ_reads": self.config.typed_environ_reads}  # a change re-checks every module

    # start_response(status, headers, exc_info=None)

    def _start_response(self, ctx: MethodContext) -> Type:
        if ctx.args and ctx.args[0]:
            status_expr = ctx.args[0][0]
            for status in dict.fromkeys(_literal_strs(ctx.arg_types[0][0])):
                if (problem := status_problem(status)) is not None:
                    ctx.api.fail(problem[1], status_expr, code=_RULE_CODES[problem[0]])
        if len(ctx.args) > 1 and ctx.args[1]:
            self._check_headers(ctx.api, _header_items(ctx.args[1][0]))
        return ctx.default_return_type

    def _check_headers(self, api: CheckerPluginInterface, items: Iterator[tuple[Expression, Expression]]) -> None:
        for name_expr, value_expr in items:
            for rule, message in header_problems(_expr_str(name_expr), _expr_str(value_expr)):
                where = value_expr if rule is HEADER_VALUE else name_expr
                api.fail(message, where, code=_RULE_CODES[rule])

    def _header_added(self, ctx: MethodContext) -> Type:
        """``headers.append((name, value))`` / ``headers.insert(i, (name, value))``."""
        if ctx.args and ctx.args[-1] and _alias_name(ctx.api, _receiver(ctx)) in _HEADERS_ALIASES:
            self._check_headers(ctx.api, _header_items(ListExpr([ctx.args[-1][0]])))
        return ctx.default_return_type

    def _headers_added(self, ctx: MethodContext) -> Type:
        """``headers.extend([...])`` / ``headers += [...]`` / ``headers + [...]``."""
        if ctx.args and ctx.args[0] and _alias_name(ctx.api, _receiver(ctx)) in _HEADERS_ALIASES:
            self._check_headers(ctx.api, _header_items(ctx.args[0][0]))
        return ctx.default_return_type

    # environ[key], environ.get(key[, default]), environ[key] = value on a WSGIEnvironment

    def _environ_key(self, ctx: MethodContext) -> tuple[str, str] | None:
        """(key, the alias's module) for a literal key on a dict annotated as an environ.

        A near-miss is reported for each of a key's literals (``Literal["PATH_INF", ...]``);
        only a key of one literal is read typed.
        """
        if not ctx.args or not ctx.args[0] or not _is_str_any_dict(ctx.type):
            return None
        keys = _literal_strs(ctx.arg_types[0][0])
        if not keys:
            return None
        module = _ENVIRON_ALIASES.get(_alias_name(ctx.api, _receiver(ctx)) or "")
        if module is None:
            return None
        if self._report_near_misses(ctx, keys) or len(keys) != 1:
            return None
        return keys[0], module

    @staticmethod
    def _report_near_misses(ctx: MethodContext, keys: list[str]) -> bool:
        """Report each key that is a near-miss of a well-known one; whether there was any."""
        problems = [problem for key in dict.fromkeys(keys) if (problem := environ_key_problem(key)) is not None]
        for problem in problems:
            ctx.api.fail(problem, ctx.args[0][0], code=ENVIRON_KEY)
        return bool(problems)

    def _value_type(self, ctx: MethodContext, key: str, module: str) -> ProperType | None:
        """The type of ``environ[key]``, from the catalogue's type names; None: leave it Any."""
        name = _value_type_name(key)
        if name is None:
            return None
        if name in _BUILTIN_TYPES:
            return ctx.api.named_generic_type(_BUILTIN_TYPES[name], [])
        if name == "tuple[int, int]":
            int_type = ctx.api.named_generic_type("builtins.int", [])
            return TupleType([int_type, int_type], ctx.api.named_generic_type("builtins.tuple", [int_type]))
        # InputStream, ErrorStream, FileWrapper: the alias's own module's protocol, or ours;
        # only from a module this build has loaded.
        for candidate in (f"{module}.{name}", f"wsgitypes.types.{name}"):
            info = self._protocol(candidate)
            if info is not None:
                # (not named_generic_type: the checker's lookup needs each package to
                # name its submodule, which ``from wsgitypes.types import ...`` does not do)
                return Instance(info, [])
        return None

    def _protocol(self, fullname: str) -> TypeInfo | None:
        if fullname not in self._protocols:
            symbol = self.lookup_fully_qualified(fullname)
            self._protocols[fullname] = symbol.node if symbol is not None and isinstance(symbol.node, TypeInfo) else None
        return self._protocols[fullname]

    def _read(self, ctx: MethodContext, key: str, read_type: Type, where: str) -> Type:
        """A typed read's result: its real type, or (by default) mypy's, checked against the context."""
        if self.config.typed_environ_reads:
            return read_type
        rule = _type_rule(key)
        asked = _asked_for(ctx.api)
        if (
            rule is not None and asked is not None and not is_subtype(read_type, asked)
            and is_subtype(ctx.default_return_type, asked)  # else mypy reports it already
        ):
            options = ctx.api.options
            detail = f"{where} is {format_type(read_type, options)}, not {format_type(asked, options)}"
            proper = get_proper_type(read_type)
            if isinstance(proper, UnionType) and any(isinstance(get_proper_type(item), NoneType) for item in proper.items):
                message = _message(detail, f'give a default: .get("{key}", ...)', ENVIRON_REQUIRED)
            else:
                message = _message(detail, "convert it where another type is needed", rule)
            ctx.api.fail(message, ctx.context, code=ENVIRON_TYPE)
        return ctx.default_return_type

    def _environ_getitem(self, ctx: MethodContext) -> Type:
        found = self._environ_key(ctx)
        if found is None:
            return ctx.default_return_type
        key, module = found
        source = self._shadows.get(os.path.abspath(ctx.api.path), ctx.api.path) if self._shadows else ctx.api.path
        if may_be_absent(key) and not _is_guarded(source, key, ctx.context.line):
            ctx.api.fail(absent_key_problem(key), ctx.context, code=ENVIRON_ABSENT)
        value_type = self._value_type(ctx, key, module)
        if value_type is None:
            return ctx.default_return_type
        return self._read(ctx, key, value_type, f'environ["{key}"]')

    def _environ_key_named(self, ctx: MethodContext) -> Type:
        """``environ.pop(key)``, ``del environ[key]``: a misspelt key, as in a read.

        (Not ``key in environ``: mypy checks that operator with its errors held back.)
        """
        self._environ_key(ctx)
        return ctx.default_return_type

    def _environ_get(self, ctx: MethodContext) -> Type:
        found = self._environ_key(ctx)
        if found is None:
            return ctx.default_return_type
        key, module = found
        value_type = self._value_type(ctx, key, module)
        if value_type is None:
            return ctx.default_return_type
        read_type: Type = UnionType([value_type, NoneType()])
        if len(ctx.arg_types) > 1 and ctx.arg_types[1]:
            default = get_proper_type(ctx.arg_types[1][0])
            if (
                isinstance(value_type, Instance) and isinstance(default, Instance)
                and default.type is value_type.type and not default.args
            ):
                read_type = value_type  # the common environ.get("QUERY_STRING", "")
            else:
                read_type = make_simplified_union([value_type, remove_instance_last_known_values(default)])
        return self._read(ctx, key, read_type, f'environ.get("{key}")')

    def _environ_setitem(self, ctx: MethodContext) -> Type:
        self._environ_key(ctx)  # a near-miss only: what may be stored is not ours to say
        return ctx.default_return_type

    # the typed view, Environ: messages for what its overloads reject

    def _view_subscript(self, ctx: MethodSigContext) -> FunctionLike:
        """``env[key]``: a key the view rejects gets one sentence instead of mypy's list of overloads.

        The hook sees each overload in turn; it reports once (on the last overload, the
        one taking ``AlwaysPresentKey``) and lets every overload take the key, typed
        ``Any``, so that mypy adds no error of its own.  The error keeps mypy's code
        (``call-overload``): the plugin changes the words, not what the view accepts.
        """
        signature = ctx.default_signature
        if not ctx.args or len(ctx.args[0]) != 1:
            return signature
        key_expr = ctx.args[0][0]
        keys: list[str | None]
        if (key := _expr_str(key_expr)) is not None:
            keys = [key]
        elif isinstance(key_expr, RefExpr):
            key_type = get_proper_type(ctx.api.get_expression_type(key_expr))
            if not isinstance(key_type, Instance) or key_type.type.fullname != "builtins.str":
                return signature  # Any, a str subclass, a non-str: mypy's own answer
            keys = list(_literal_strs(key_type)) or [None]
        else:
            return signature
        declared: set[str] = set()
        if isinstance(ctx.type, Instance) and ctx.type.args:
            extra = get_proper_type(ctx.type.args[0])
            if not isinstance(extra, UninhabitedType):  # (Never, the default: no keys beyond the view's)
                if not _only_literal_strs(extra):  # Environ[str], Environ[Any], a TypeVar: every key is declared
                    return signature
                declared.update(_literal_strs(extra))
        rejected = [key for key in keys if key is None or (key not in _VIEW_KEYS and key not in declared)]
        if not rejected:
            return signature
        if self._is_last_view_overload(signature):
            ctx.api.fail(view_key_problem(rejected[0]), ctx.context, code=CALL_OVERLOAD)
        str_type = ctx.api.named_generic_type("builtins.str", [])
        return signature.copy_modified(  # pyright: ignore[reportUnknownMemberType] - mypy leaves its defaults unannotated
            arg_types=[str_type, *signature.arg_types[1:]], ret_type=AnyType(TypeOfAny.from_error)
        )

    @staticmethod
    def _is_last_view_overload(signature: CallableType) -> bool:
        first = get_proper_type(signature.arg_types[0]) if signature.arg_types else None
        return isinstance(first, Instance) and first.type.fullname == "wsgitypes.environ.AlwaysPresentKey"

    def _view_get(self, ctx: MethodContext) -> Type:
        """``env.get(key)``: every key is valid there, so a near-miss would pass unseen."""
        if ctx.args and ctx.args[0]:
            keys = _literal_strs(ctx.arg_types[0][0])
            # One literal only: mypy tries the view's overloads on each literal of a union,
            # and an error reported meanwhile would make it reject the call
            if len(keys) == 1:
                self._report_near_misses(ctx, keys)
        return ctx.default_return_type


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point (``plugins = wsgitypes.mypy``)."""
    return WSGIPlugin
