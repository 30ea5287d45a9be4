"""Bolt listeners registered per kind, as module-level functions (the layout of Slack's Bolt templates).

Each listener only acknowledges, filters, de-duplicates and hands work to the responder; what it needs
arrives in Bolt's ``context`` as :class:`Deps` (put there by one middleware), not through closures.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.slack.listeners import actions, commands, events
from bot.slack.listeners.deps import Deps


def register(app: App, deps: Deps) -> None:
    """Attach ``deps`` to every request's context, then every listener and the error handler."""

    @app.middleware
    def provide_deps(context: Any, next: Callable[[], None]) -> None:
        context["deps"] = deps
        next()

    events.register(app)
    commands.register(app)
    actions.register(app)


__all__ = ["Deps", "register"]
