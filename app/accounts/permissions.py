"""Authorization as one function of (user, action, object), tested as a role-by-action matrix.
Feature packages register their actions here so every check reads the same way."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import abort
from flask_login import current_user

from app.accounts.models import Role, User
from app.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")

Rule = Callable[[User | None, Any], bool]

#: action → rule(user, obj). Anonymous users arrive as None.
RULES: dict[str, Rule] = {}

#: What a moderation block (``User.posting_blocked``) takes away; reading stays.
POSTING_ACTIONS = frozenset(
    {
        "comment.create",
        "comment.reply",
        "comment.vote",
        "comment.flag",
        "observation.file",
        "observation.flag",
    }
)


def rule(action: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[action] = fn
        return fn

    return register


def can(user: User | None, action: str, obj: Any = None) -> bool:
    """True when ``user`` may do ``action`` (on ``obj``). Unknown actions are refused."""
    if user is not None and (not getattr(user, "is_authenticated", False) or user.is_blocked):
        user = None
    if user is not None and action in POSTING_ACTIONS and user.is_posting_blocked:
        return False
    check = RULES.get(action)
    return bool(check and check(user, obj))


def require(action: str, obj: Any = None) -> None:
    """Abort with 403 (or send anonymous users to log in) unless the current user may act."""
    user = current_user if current_user.is_authenticated else None
    if can(user, action, obj):
        return
    if user is None:
        abort(login_manager.unauthorized())
    abort(403)


def requires(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Guard a view with ``require(action)``. The question is kept on the view as
    ``required_question`` (``functools.wraps`` carries it through outer decorators), so the
    authorization matrix can be checked against the rule."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            require(action)
            return view(*args, **kwargs)

        wrapped.__dict__["required_question"] = action
        return wrapped

    return decorator


@rule("admin.users")
def _admin_users(user: User | None, _obj: Any) -> bool:
    return user is not None and user.role == Role.ADMIN


@rule("admin.block")
def _admin_block(user: User | None, target: User | None) -> bool:
    # An admin never blocks or demotes themself: the site would lose its last key.
    return (
        user is not None and _admin_users(user, None) and (target is None or target.id != user.id)
    )
