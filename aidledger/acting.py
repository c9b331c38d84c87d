"""Who is acting, and through which channel, for the write transactions of the current request or command.

A context variable, so that each web request (thread or task) has its own: the CLI sets it once it has
authenticated its user, the web application for each request. `Database.write()` records it with every committed
write (auth/tables.py `writes`). Code that calls the services directly (tests, scripts) acts as channel `local`.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

CHANNELS = ("cli", "web", "api", "local")


@dataclass(frozen=True)
class Acting:
    user: str | None
    channel: str


ACTING: ContextVar[Acting] = ContextVar("aidledger_acting", default=Acting(None, "local"))
