"""A mypy plugin for the PEP 3333 rules that types cannot express.

The protocols in :mod:`wsgitypes.types` catch shape errors (a ``bytes`` status, a
tuple of headers, a missing ``exc_info`` parameter); they cannot see that ``"200"``
lacks a reason phrase, that a header value carries ``\\r\\n``, that an application
sets ``Connection``, or that ``environ["PATH_INF"]`` is a typo.  This plugin does,
with its own error codes::

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
    ``"http_host"``) read from or written to a dict annotated ``WSGIEnvironment``;
    the message says which key was meant.

Reads of well-known keys from such a dict get their real types (reveal_type shows
them): ``environ["wsgi.input"]`` is an ``InputStream``, ``environ["PATH_INFO"]`` and
any ``environ["HTTP_..."]`` a ``str``, ``environ.get("QUERY_STRING")`` a
``str | None`` and ``environ.get("QUERY_STRING", "")`` a ``str``.  Other keys
(``"myapp.session"``) stay ``Any``, without an error.

Where it looks:

* calls of ``StartResponse`` from :mod:`wsgitypes`, ``wsgiref.types`` or
  ``_typeshed.wsgi``: the status (a literal, a ``Final`` name or a ``Literal`` type)
  and the headers when they are written as a list literal of ``(name, value)``
  tuples of literals or ``Final`` names;
* ``append`` / ``insert`` / ``extend`` / ``+=`` on a list annotated
  :data:`wsgitypes.ResponseHeaders`;
* ``environ[key]``, ``environ.get(key[, default])`` and ``environ[key] = value`` on a
  name or attribute annotated ``WSGIEnvironment`` (ours, ``wsgiref.types`` or
  ``_typeshed.wsgi``; Werkzeug's and Flask's ``request.environ`` are annotated with
  the latter).  A plain ``dict[str, Any]`` is left alone, and so is a variable whose
  type mypy infers from a call (the alias is lost there).

The plugin only reads mypy's trees and types, through the stable hook surface
(``get_method_hook``).  Every check is a rule of :mod:`wsgitypes.rules`, the
catalogue the validator and the server use, so the three never disagree; each
message names its rule.  Suppress one line with ``# type: ignore[wsgi-status]``, or
a code everywhere with ``--disable-error-code wsgi-hop-by-hop``.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

from mypy.erasetype import remove_instance_last_known_values
from mypy.errorcodes import ErrorCode
from mypy.nodes import (
    AssignmentStmt,
    CallExpr,
    Expression,
    IndexExpr,
    ListExpr,
    MemberExpr,
    NameExpr,
    OperatorAssignmentStmt,
    RefExpr,
    StrExpr,
    TupleExpr,
    TypeInfo,
    Var,
)
from mypy.options import Options
from mypy.plugin import CheckerPluginInterface, MethodContext, Plugin
from mypy.typeops import make_simplified_union
from mypy.types import (
    AnyType,
    Instance,
    LiteralType,
    NoneType,
    ProperType,
    TupleType,
    Type,
    TypeAliasType,
    UnionType,
    get_proper_type,
)

from wsgitypes import environ as _environ_module
from wsgitypes import rules as _rules_module
from wsgitypes.rules import (
    HEADER_NAME,
    HEADER_VALUE,
    HOP_BY_HOP,
    STATUS_CHARS,
    STATUS_FORMAT,
    STATUS_LATIN1,
    STATUS_RULES,
    Rule,
    environ_value_type,
    suggest_environ_key,
)

__all__ = [
    "ENVIRON_KEY",
    "HOP_BY_HOP_CODE",
    "WSGI_HEADER",
    "WSGI_STATUS",
    "WSGIPlugin",
    "environ_key_problem",
    "header_problems",
    "plugin",
    "rule_problem",
    "status_problem",
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

_START_RESPONSE_CALLS = frozenset(
    {
        "wsgitypes.types.StartResponse.__call__",
        "wsgiref.types.StartResponse.__call__",
        "_typeshed.wsgi.StartResponse.__call__",  # before Python 3.11 (it re-exports wsgiref.types after)
    }
)
# alias -> the module whose InputStream / ErrorStream / FileWrapper the reads return
_ENVIRON_ALIASES = {
    "wsgitypes.types.WSGIEnvironment": "wsgitypes.types",
    "wsgiref.types.WSGIEnvironment": "wsgiref.types",
    "_typeshed.wsgi.WSGIEnvironment": "_typeshed.wsgi",
}
_HEADERS_ALIASES = frozenset({"wsgitypes.types.ResponseHeaders"})
_BUILTIN_TYPES = {"str": "builtins.str", "bool": "builtins.bool", "int": "builtins.int"}

_RULE_CODES = {
    STATUS_CHARS: WSGI_STATUS,
    STATUS_LATIN1: WSGI_STATUS,
    STATUS_FORMAT: WSGI_STATUS,
    HEADER_NAME: WSGI_HEADER,
    HEADER_VALUE: WSGI_HEADER,
    HOP_BY_HOP: HOP_BY_HOP_CODE,
}


# --- the checks: the catalogue's own functions, memoized --------------------------


@functools.lru_cache(maxsize=4096)
def rule_problem(rule: Rule, value: str) -> str | None:
    """The message for ``value`` breaking ``rule``, or None; it names the rule and its PEP section."""
    assert rule.check is not None, rule.id
    detail = rule.check(value)
    if detail is None:
        return None
    return f'{detail} (rule {rule.id}, PEP 3333 "{rule.section}")'


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
    suggestion = suggest_environ_key(key)
    if suggestion is None:
        return None
    return f'"{key}" is not a well-known environ key; did you mean "{suggestion}"?'


_value_type_name = functools.lru_cache(maxsize=4096)(environ_value_type)


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
    """``x`` in ``x[k]``, ``x.get(k)``, ``x.append(h)``, ``x[k] = v``, ``x += [h]``."""
    context = ctx.context
    if isinstance(context, IndexExpr):
        return context.base
    if isinstance(context, CallExpr) and isinstance(context.callee, MemberExpr):
        return context.callee.expr
    if isinstance(context, OperatorAssignmentStmt):
        return context.lvalue
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


# --- the plugin -------------------------------------------------------------------


class WSGIPlugin(Plugin):
    """Read-only method hooks: ``start_response`` calls, header lists, environ reads."""

    def __init__(self, options: Options) -> None:
        super().__init__(options)
        # mypy asks for a hook on every method call: one dict look-up answers it
        self._method_hooks: dict[str, Callable[[MethodContext], Type]] = {
            **dict.fromkeys(_START_RESPONSE_CALLS, self._start_response),
            "builtins.dict.__getitem__": self._environ_getitem,
            "builtins.dict.get": self._environ_get,
            "builtins.dict.__setitem__": self._environ_setitem,
            "builtins.list.append": self._header_added,
            "builtins.list.insert": self._header_added,
            "builtins.list.extend": self._headers_added,
            "builtins.list.__iadd__": self._headers_added,
        }
        self._protocols: dict[str, TypeInfo | None] = {}

    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return self._method_hooks.get(fullname)

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
        """``headers.extend([...])`` / ``headers += [...]``."""
        if ctx.args and ctx.args[0] and _alias_name(ctx.api, _receiver(ctx)) in _HEADERS_ALIASES:
            self._check_headers(ctx.api, _header_items(ctx.args[0][0]))
        return ctx.default_return_type

    # environ[key], environ.get(key[, default]), environ[key] = value

    def _environ_key(self, ctx: MethodContext) -> tuple[str, str] | None:
        """(key, the alias's module) for a literal key on a dict annotated as an environ."""
        if not ctx.args or not ctx.args[0] or not _is_str_any_dict(ctx.type):
            return None
        keys = _literal_strs(ctx.arg_types[0][0])
        if len(keys) != 1:
            return None
        module = _ENVIRON_ALIASES.get(_alias_name(ctx.api, _receiver(ctx)) or "")
        if module is None:
            return None
        problem = environ_key_problem(keys[0])
        if problem is not None:
            ctx.api.fail(problem, ctx.args[0][0], code=ENVIRON_KEY)
            return None
        return keys[0], module

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

    def _environ_getitem(self, ctx: MethodContext) -> Type:
        found = self._environ_key(ctx)
        if found is not None:
            value_type = self._value_type(ctx, *found)
            if value_type is not None:
                return value_type
        return ctx.default_return_type

    def _environ_get(self, ctx: MethodContext) -> Type:
        found = self._environ_key(ctx)
        if found is not None:
            value_type = self._value_type(ctx, *found)
            if value_type is not None:
                if len(ctx.arg_types) > 1 and ctx.arg_types[1]:
                    default = get_proper_type(ctx.arg_types[1][0])
                    if (
                        isinstance(value_type, Instance) and isinstance(default, Instance)
                        and default.type is value_type.type and not default.args
                    ):
                        return value_type  # the common environ.get("QUERY_STRING", "")
                    return make_simplified_union([value_type, remove_instance_last_known_values(default)])
                return UnionType([value_type, NoneType()])
        return ctx.default_return_type

    def _environ_setitem(self, ctx: MethodContext) -> Type:
        self._environ_key(ctx)  # a near-miss only: what may be stored is not ours to say
        return ctx.default_return_type


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point (``plugins = wsgitypes.mypy``)."""
    return WSGIPlugin
