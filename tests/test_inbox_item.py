"""An institution's working view of one observation: its own only."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role, User
from app.extensions import db
from tests import factories
from tests.conftest import logged_in as login


def test_responder_of_another_institution_gets_404(app, make_user, make_institution):
    gams = make_institution("Gobierno Autónomo Municipal de Sucre", acronym="GAMS")
    mop = make_institution("Ministerio de Obras Públicas", acronym="MOP")
    make_user(email="filer@example.org")
    make_user(email="gams@example.org", role=Role.RESPONDER, institution=gams)
    make_user(email="mop@example.org", role=Role.RESPONDER, institution=mop)
    with app.app_context():
        filer = db.session.scalar(select(User).where(User.email == "filer@example.org"))
        accepted = factories.observation(
            filer, state="accepted", institution=db.session.get(type(gams), gams.id)
        )
        pending = factories.observation(filer, institution=db.session.get(type(gams), gams.id))
        db.session.commit()
        code, pending_code = accepted.code, pending.code
    own, other = login(app, "gams@example.org"), login(app, "mop@example.org")
    page = own.get(f"/inbox/{code}")
    assert page.status_code == 200
    assert f"/observations/{code}/act/acknowledge" in page.get_data(as_text=True)
    assert f'href="/inbox/{code}"' in own.get("/inbox").get_data(as_text=True)
    assert other.get(f"/inbox/{code}").status_code == 404
    assert other.get("/inbox/CS-2026-99999").status_code == 404
    # Not yet accepted by moderation: not in anyone's inbox.
    assert own.get(f"/inbox/{pending_code}").status_code == 404
    assert login(app, "filer@example.org").get(f"/inbox/{code}").status_code == 403
    assert app.test_client().get(f"/inbox/{code}").status_code == 302
