"""The permission questions and the authorization matrix are one story (issue 16, point 2).

Every access decision in routes and templates is a question asked of
``app.accounts.permissions.can`` (directly, through ``require`` or the ``@requires`` decorator),
each registered by a feature's ``permissions.py``. These tests read the code to check that
every question asked is registered and every registered question is asked, and check
EXPECTED in test_authorization.py against the rules: a route guarded by ``@requires(question)``
must be refused (403; a visitor is sent to log in) exactly to the roles ``can`` refuses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask

import app as app_package
from app.accounts.models import User
from app.accounts.permissions import RULES, can, requires
from app.extensions import db
from tests.security.matrix import empty_database
from tests.security.test_authorization import EXPECTED, routes
from tests.security.world import ROLES, build

APP_DIR = Path(app_package.__file__).parent
TEMPLATES_DIR = APP_DIR.parent / "templates"

#: The functions that ask a question, and the position of the question among their arguments.
ASKERS = {"can": 1, "require": 0, "requires": 0}

TEMPLATE_CAN = re.compile(r"\bcan\(")
TEMPLATE_QUESTION = re.compile(r"""\bcan\(\s*(['"])([\w.]+)\1""")


class _Questions(ast.NodeVisitor):
    """The questions one module asks. A question is a string literal or a module-level string
    constant; a function that only passes on its own ``action`` parameter (``require`` itself,
    the template helper) asks nothing of its own."""

    def __init__(self, where: str, constants: dict[str, str]) -> None:
        self.where = where
        self.constants = constants
        self.parameters: list[set[str]] = []
        self.asked: list[tuple[str, str]] = []
        self.dynamic: list[str] = []

    def _scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        names = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        self.parameters.append({a.arg for a in names})
        self.generic_visit(node)
        self.parameters.pop()

    visit_FunctionDef = _scope
    visit_AsyncFunctionDef = _scope
    visit_Lambda = _scope

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name in ASKERS:
            position = ASKERS[name]
            argument = next((k.value for k in node.keywords if k.arg == "action"), None)
            if argument is None and len(node.args) > position:
                argument = node.args[position]
            place = f"{self.where}:{node.lineno}"
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                self.asked.append((argument.value, place))
            elif isinstance(argument, ast.Name) and argument.id in self.constants:
                self.asked.append((self.constants[argument.id], place))
            elif not (
                isinstance(argument, ast.Name)
                and any(argument.id in scope for scope in self.parameters)
            ):
                self.dynamic.append(place)
        self.generic_visit(node)


def _module_constants(tree: ast.Module) -> dict[str, str]:
    constants: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    constants[target.id] = node.value.value
    return constants


def asked_questions() -> tuple[dict[str, list[str]], list[str]]:
    """question → where it is asked, and the places that ask a question this test cannot read."""
    asked: dict[str, list[str]] = {}
    dynamic: list[str] = []
    for path in sorted(APP_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        finder = _Questions(str(path.relative_to(APP_DIR.parent)), _module_constants(tree))
        finder.visit(tree)
        for question, place in finder.asked:
            asked.setdefault(question, []).append(place)
        dynamic += finder.dynamic
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        where = str(path.relative_to(TEMPLATES_DIR.parent))
        found = list(TEMPLATE_QUESTION.finditer(text))
        for match in found:
            line = text.count("\n", 0, match.start()) + 1
            asked.setdefault(match.group(2), []).append(f"{where}:{line}")
        if len(found) != len(TEMPLATE_CAN.findall(text)):
            dynamic.append(where)
    return asked, dynamic


def test_every_question_asked_is_registered(app: Flask) -> None:
    asked, dynamic = asked_questions()
    assert not dynamic, f"questions not written as a literal or a module constant: {dynamic}"
    unknown = {q: places for q, places in asked.items() if q not in RULES}
    assert not unknown, f"questions no permissions.py registers (can() refuses them): {unknown}"


def test_every_registered_question_is_asked(app: Flask) -> None:
    asked, _dynamic = asked_questions()
    unused = sorted(RULES.keys() - asked.keys())
    assert not unused, f"registered questions nothing in app/ or templates/ asks: {unused}"


def test_requires_keeps_its_question_on_the_view() -> None:
    @requires("admin.users")
    def view() -> str:
        return ""

    assert view.required_question == "admin.users"  # type: ignore[attr-defined]


def guarded_routes(app: Flask) -> dict[tuple[str, str], str]:
    """(rule, method) → the question its view's ``@requires`` asks."""
    guarded: dict[tuple[str, str], str] = {}
    for url_rule in app.url_map.iter_rules():
        question = getattr(app.view_functions[url_rule.endpoint], "required_question", None)
        if question is None:
            continue
        for method in (url_rule.methods or set()) - {"HEAD", "OPTIONS"}:
            guarded[(url_rule.rule, method)] = question
    return guarded


def disagreement(role: str, allowed: bool, status: int) -> str | None:
    """What is wrong with ``status`` as the matrix's expectation when ``can`` says ``allowed``."""
    refused_status = 302 if role == "anonymous" else 403
    if allowed and status == refused_status:
        return f"can() lets {role} in, EXPECTED says {status}"
    if not allowed and status != refused_status:
        return f"can() refuses {role} (so {refused_status}), EXPECTED says {status}"
    return None


def test_the_matrix_agrees_with_the_rules_of_guarded_routes(app: Flask) -> None:
    guarded = guarded_routes(app)
    # The decorator is found through MethodView/CrudView pages and outer decorators too.
    assert guarded[("/admin/plans", "GET")] == "programs.admin"
    assert guarded[("/admin/users", "GET")] == "admin.users"
    assert guarded[("/observations/new", "GET")] == "observation.file"
    assert guarded[("/moderation", "GET")] == "moderation.queue"
    assert len(guarded) > 60, len(guarded)
    empty_database(app)
    world = build(app)
    problems: list[str] = []
    with app.app_context():
        users: dict[str, User | None] = {
            role: (None if role == "anonymous" else db.session.get(User, world.users[role]))
            for role in ROLES
        }
        for key in sorted(guarded.keys() & routes(app)):
            if key not in EXPECTED:
                continue  # test_every_route_has_an_expectation reports it
            question = guarded[key]
            for role, status in zip(ROLES, EXPECTED[key], strict=True):
                problem = disagreement(role, can(users[role], question), status)
                if problem:
                    problems.append(f"{key[1]} {key[0]} ({question}): {problem}")
        db.session.remove()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("role", "allowed", "status", "wrong"),
    [
        ("anonymous", False, 302, False),
        ("anonymous", False, 200, True),
        ("citizen", False, 403, False),
        ("citizen", False, 404, True),
        ("citizen", True, 403, True),
        ("citizen", True, 400, False),
        ("admin", True, 302, False),
    ],
)
def test_disagreement(role: str, allowed: bool, status: int, wrong: bool) -> None:
    assert (disagreement(role, allowed, status) is not None) == wrong
