from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.extensions import db
from app.institutions.models import Institution
from app.territory.models import Department, Municipality, MunicipalityKind
from app.territory.services import default_territory_file
from tests.conftest import count

HEADER = "kind,code,name,department,province\n"


def test_shipped_territory_file_loads(app):
    result = app.test_cli_runner().invoke(args=["territory", "load", str(default_territory_file())])
    assert result.exit_code == 0, result.output
    assert count(app, Department) == 9
    assert count(app, Municipality) > 330
    with app.app_context():
        codes = set(db.session.scalars(select(Department.iso_code)))
        assert codes == {"BO-H", "BO-L", "BO-C", "BO-O", "BO-P", "BO-T", "BO-S", "BO-B", "BO-N"}
        el_alto = db.session.scalar(select(Municipality).where(Municipality.name == "El Alto"))
        assert el_alto.department.iso_code == "BO-L"
        assert (
            db.session.scalar(
                select(func.count()).where(
                    Municipality.kind == MunicipalityKind.INDIGENOUS_AUTONOMY
                )
            )
            >= 1
        )
    # Loading again updates in place: no duplicates.
    app.test_cli_runner().invoke(args=["territory", "load", str(default_territory_file())])
    assert count(app, Department) == 9


def test_bad_rows_load_nothing(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "department,BO-L,La Paz,,\n"
        + "municipality,020101,La Paz,BO-L,Murillo\n"
        + "municipality,999999,Atlantis,BO-X,Nowhere\n"
        + "volcano,111,Sajama,BO-O,\n"
        + "municipality,020101,Duplicate,BO-L,Murillo\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["territory", "load", str(bad)])
    assert result.exit_code != 0
    assert "unknown department 'BO-X'" in result.output
    assert "unknown kind 'volcano'" in result.output
    assert "duplicate code 020101" in result.output
    assert count(app, Department) == 0 and count(app, Municipality) == 0


def test_wrong_header_refused(app, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,code\nLa Paz,BO-L\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["territory", "load", str(bad)])
    assert result.exit_code != 0 and "header must be" in result.output


def test_demo_loads_every_role_and_refuses_twice(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "--small"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        roles = set(db.session.scalars(select(User.role)))
        assert roles == set(Role)
        languages = set(db.session.scalars(select(User.language)))
        assert languages == {"es", "qu", "ay", "gn", "en"}
        responders = db.session.scalars(select(User).where(User.role == Role.RESPONDER)).all()
        assert responders and all(r.institution_id for r in responders)
        kinds = set(db.session.scalars(select(Institution.kind)))
        assert len(kinds) >= 5
    assert runner.invoke(args=["demo", "--small", "--if-empty"]).output.startswith(
        "database not empty"
    )
    assert runner.invoke(args=["demo", "--small"]).exit_code != 0


def test_demo_accounts_can_log_in(app, client):
    from app.demo.services import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["demo", "--small"])
    response = client.post(
        "/login", data={"email": "admin@demo.qhawaq.bo", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_create_admin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--name",
            "Boss",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0
    result = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--name",
            "Boss",
            "--password",
            "a long enough password",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert user.role == Role.ADMIN and user.is_verified


def test_institution_name_falls_back_to_spanish(app):
    from app.core.i18n_content import localized

    names = {"es": "Ministerio de Salud", "qu": "Qhali kay Ministerio"}
    with app.test_request_context("/?lang=qu"):
        assert localized(names).text == "Qhali kay Ministerio"
        assert not localized(names).is_fallback
    with app.test_request_context("/?lang=gn"):
        text = localized(names)
        assert text.text == "Ministerio de Salud" and text.is_fallback and text.lang == "es"
