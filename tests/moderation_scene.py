"""A small world for the moderation tests: a program open for comments, a moderator, an admin,
citizens (one writes in Quechua), and login helpers."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.models import Role, User
from app.comments import services as comments
from app.comments.models import Comment, Stance
from app.extensions import db
from app.moderation.reason_models import ModerationReason
from app.observations.models import Observation
from app.programs.models import Program
from tests import factories
from tests.conftest import logged_in


@dataclass
class Scene:
    program_id: int
    moderator: User
    admin: User
    ana: User
    beto: User
    carla: User
    dario: User
    #: A citizen whose language is Quechua.
    quechua: User


def build(app: Flask, make_user) -> Scene:
    moderator = make_user(role=Role.MODERATOR, email="mod@example.org", display_name="Mod Erador")
    admin = make_user(role=Role.ADMIN, email="admin@example.org", display_name="Ad Min")
    ana = make_user(email="ana@example.org", display_name="Ana Autora")
    beto = make_user(email="beto@example.org", display_name="Beto")
    carla = make_user(email="carla@example.org", display_name="Carla")
    dario = make_user(email="dario@example.org", display_name="Dario")
    quechua = make_user(email="qu@example.org", display_name="Killa", language="qu")
    with app.app_context():
        program = factories.program()
        db.session.commit()
        program_id = program.id
    return Scene(program_id, moderator, admin, ana, beto, carla, dario, quechua)


#: The moderation tests' name for the one login helper.
login = logged_in


def add_comment(app: Flask, author: User, program_id: int, body: str, parent_id=None) -> int:
    with app.app_context():
        program = db.session.get(Program, program_id)
        parent = db.session.get(Comment, parent_id) if parent_id else None
        comment = comments.add_comment(
            db.session.get(User, author.id), program, body, Stance.FOR, parent=parent
        )
        db.session.commit()
        return comment.id


def reason_id(app: Flask, key: str) -> int:
    with app.app_context():
        return db.session.scalar(select(ModerationReason.id).where(ModerationReason.key == key))


def file_observation(app: Flask, filer: User, state: str = "submitted", **fields) -> str:
    with app.app_context():
        observation = factories.observation(db.session.get(User, filer.id), state=state, **fields)
        db.session.commit()
        return observation.code


def observation_row(app: Flask, code: str) -> Observation:
    with app.app_context():
        row = db.session.scalar(select(Observation).where(Observation.code == code))
        db.session.expunge(row)
        return row


def comment_row(app: Flask, comment_id: int) -> Comment:
    with app.app_context():
        row = db.session.get(Comment, comment_id)
        db.session.expunge(row)
        return row


def anonymous(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client
