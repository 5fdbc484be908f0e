"""The table of `nanoforge/*` request handlers, filled by decorators in daemon/handlers/.

Handlers are plain module-level coroutines `(core, params) -> result`, so each area of
the protocol lives in its own module and a session is just this table bound to the
shared Core. What belongs to one connection only (LSP documents, progress tokens) is
set up by session hooks, which get the connection's LanguageServer too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pygls.exceptions import JsonRpcInternalError, JsonRpcInvalidParams

from nanoforge.engine.checks import SignalFileError

from . import paths, protocol
from .typedschema import invalid_param

log = logging.getLogger("nanoforge.daemon")

USER_ERRORS = (ValueError, RuntimeError, OSError, SignalFileError)
"""What nanoforge raises, in words, for a problem the user can fix."""

Handler = Callable[[Any, Any], Awaitable[Any]]  # (core, params as declared) -> result as declared
SessionHook = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Method:
    name: str
    fn: Handler
    user_errors: bool


METHODS: dict[str, Method] = {}
SESSION_HOOKS: list[SessionHook] = []


def handler(name: str, *, user_errors: bool = True) -> Callable[[Handler], Handler]:
    """Registers `fn` as the handler of request `name`, which daemon/protocol.py declares;
    its params are checked against the declaration before `fn` sees them. With
    `user_errors`, the engine's precise exceptions reach the client as JSON-RPC errors
    with the same words."""

    def deco(fn: Handler) -> Handler:
        if name not in protocol.REQUESTS:
            raise RuntimeError(f"{name} is not declared in daemon/protocol.py REQUESTS")
        if name in METHODS:
            raise RuntimeError(f"two handlers for {name}: {METHODS[name].fn.__module__} and {fn.__module__}")
        METHODS[name] = Method(name, fn, user_errors)
        return fn

    return deco


def session_hook(fn: SessionHook) -> SessionHook:
    """Registers `fn(ls, core)`, called once for every new connection."""
    SESSION_HOOKS.append(fn)
    return fn


def notify(ls: Any, method: str, params: Any) -> None:
    """Sends a notification that daemon/protocol.py declares, so clients know its shape."""
    if method not in protocol.NOTIFICATIONS:
        raise RuntimeError(f"{method} is not declared in daemon/protocol.py NOTIFICATIONS")
    ls.protocol.notify(method, params)


def plain(obj: Any) -> Any:
    """pygls hands unknown methods' params over as attribute objects; handlers want dicts."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if hasattr(obj, "_asdict"):
        return {k: plain(v) for k, v in obj._asdict().items()}
    if isinstance(obj, (list, tuple)):
        return [plain(v) for v in obj]
    return obj


def require(params: dict[str, Any], key: str, kind: type | tuple[type, ...] = str) -> Any:
    if key not in params or params[key] is None:
        raise JsonRpcInvalidParams(message=f"missing parameter '{key}'")
    if not isinstance(params[key], kind):
        raise JsonRpcInvalidParams(message=f"parameter '{key}' has the wrong type")
    return params[key]


def _raised_by_nanoforge(e: BaseException) -> bool:
    """Whether nanoforge's own code raised `e` (a message written for users), rather than
    Python or a library deep inside a call (their words are about the code, not the input)."""
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and str(tb.tb_frame.f_globals.get("__name__", "")).startswith("nanoforge.")


def user_message(e: BaseException) -> str | None:
    """The words a client gets for `e` when it is a problem with the user's input or files;
    None when it is a fault of the daemon's, whose text must not reach a client."""
    if isinstance(e, OSError) and e.errno is not None and e.strerror:  # the system's words, about a file
        return f"{e.filename}: {e.strerror.lower()}" if e.filename else e.strerror.lower()
    if isinstance(e, USER_ERRORS) and _raised_by_nanoforge(e) and str(e):
        return str(e)
    return None


def internal_message(what: str) -> str:
    """The one answer for a fault of the daemon's: no exception text, no traceback (they are
    about the daemon's code and may name its files); the details are in the daemon's log."""
    try:
        where = str(paths.log_path())
    except Exception:
        where = "the daemon's log (daemon.log in NANOFORGE_HOME)"
    return f"internal error in the nanoforge daemon while handling {what}; the details are in {where} — please report them"


def internal_error(what: str) -> JsonRpcInternalError:
    log.exception("internal error in %s", what)
    return JsonRpcInternalError(message=internal_message(what))


def bind(method: Method, core: Any) -> Callable[[Any], Awaitable[Any]]:
    """The pygls feature for `method` in a session on `core`: params checked against the
    declaration, a user's problem answered in words, any other failure as an internal error."""

    params_type = protocol.REQUESTS[method.name][0]

    async def call(params: Any) -> Any:
        args = plain(params) if params is not None else {}
        if (why := invalid_param(params_type, args)) is not None:
            raise JsonRpcInvalidParams(message=why)
        try:
            return await method.fn(core, args)
        except JsonRpcInvalidParams:
            raise
        except Exception as e:
            if method.user_errors and (words := user_message(e)) is not None:
                raise JsonRpcInvalidParams(message=words) from None
            raise internal_error(method.name) from None

    call.__name__ = method.fn.__name__
    return call


def install(ls: Any, core: Any) -> None:
    """Serves every registered request on `ls` and runs the session hooks."""
    from . import handlers  # noqa: F401  (importing the modules fills the table)

    for hook in SESSION_HOOKS:
        hook(ls, core)
    for method in METHODS.values():
        ls.feature(method.name)(bind(method, core))


async def in_thread(core: Any, fn: Callable[..., Any], *args: Any) -> Any:
    """Runs builds, emulation and plots on the build pool: never on the event loop, and
    never in the way of the quick checks on the check pool."""
    return await core.loop.run_in_executor(core.build_pool, fn, *args)
