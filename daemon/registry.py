"""The table of `nanoforge/*` request handlers, filled by decorators in daemon/handlers/.

Handlers are plain module-level coroutines `(core, params) -> result`, so each area of
the protocol lives in its own module and a session is just this table bound to the
shared Core. What belongs to one connection only (LSP documents, progress tokens) is
set up by session hooks, which get the connection's LanguageServer too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pygls.exceptions import JsonRpcInvalidParams

from nanoforge.engine.checks import SignalFileError

from . import protocol
from .typedschema import invalid_param

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


def bind(method: Method, core: Any) -> Callable[[Any], Awaitable[Any]]:
    """The pygls feature for `method` in a session on `core`."""

    params_type = protocol.REQUESTS[method.name][0]

    async def call(params: Any) -> Any:
        args = plain(params) if params is not None else {}
        if (why := invalid_param(params_type, args)) is not None:
            raise JsonRpcInvalidParams(message=why)
        if not method.user_errors:
            return await method.fn(core, args)
        try:
            return await method.fn(core, args)
        except JsonRpcInvalidParams:
            raise
        except (ValueError, FileNotFoundError, FileExistsError, PermissionError, SignalFileError, RuntimeError) as e:
            raise JsonRpcInvalidParams(message=str(e)) from None
        except OSError as e:
            raise JsonRpcInvalidParams(message=f"{e.filename or ''}: {e.strerror or e}") from None

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
