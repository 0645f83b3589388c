from __future__ import annotations

import pytest

from app.accounts.models import Role, User
from app.extensions import db


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.CITIZEN, 403),
        (Role.MODERATOR, 403),
        (Role.RESPONDER, 403),
        (Role.ADMIN, 200),
    ],
)
def test_admin_users_page_role_matrix(
    app, client, make_user, make_institution, auth, role, expected
):
    target = make_user(email="target@example.org")
    if role is not None:
        institution = make_institution() if role == Role.RESPONDER else None
        make_user(email="actor@example.org", role=role, institution=institution)
        auth.login("actor@example.org")
    assert client.get("/admin/users").status_code == expected
    assert client.get(f"/admin/users/{target.id}").status_code == expected
    post = client.post(f"/admin/users/{target.id}/block", data={"reason": "x"})
    assert post.status_code == (302 if role == Role.ADMIN else expected)
    assert fetch(app, target.id).is_blocked == (role == Role.ADMIN)


def login_admin(make_user, auth):
    admin = make_user(email="admin@example.org", role=Role.ADMIN)
    auth.login("admin@example.org")
    return admin


def fetch(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_admin_lists_and_searches_users(client, make_user, auth):
    login_admin(make_user, auth)
    make_user(email="quispe@example.org", display_name="Juana Quispe")
    make_user(email="mamani@example.org", display_name="Pedro Mamani", role=Role.MODERATOR)
    page = client.get("/admin/users?q=quispe").get_data(as_text=True)
    assert "Juana Quispe" in page and "Pedro Mamani" not in page
    page = client.get("/admin/users?role=moderator").get_data(as_text=True)
    assert "Pedro Mamani" in page and "Juana Quispe" not in page


def test_admin_changes_role_and_links_responder(app, client, make_user, make_institution, auth):
    login_admin(make_user, auth)
    user = make_user(email="r@example.org")
    institution = make_institution()
    # A responder without an institution is refused, the form comes back with the error.
    response = client.post(
        f"/admin/users/{user.id}/role", data={"role": "responder", "institution_id": ""}
    )
    assert response.status_code == 400
    assert "A responder must be linked to an institution." in response.get_data(as_text=True)
    assert fetch(app, user.id).role == Role.CITIZEN

    response = client.post(
        f"/admin/users/{user.id}/role",
        data={"role": "responder", "institution_id": str(institution.id)},
    )
    assert response.status_code == 302
    changed = fetch(app, user.id)
    assert changed.role == Role.RESPONDER and changed.institution_id == institution.id

    client.post(
        f"/admin/users/{user.id}/role",
        data={"role": "moderator", "institution_id": str(institution.id)},
    )
    changed = fetch(app, user.id)
    assert changed.role == Role.MODERATOR and changed.institution_id is None


def test_admin_rejects_unknown_role(app, client, make_user, auth):
    login_admin(make_user, auth)
    user = make_user(email="r2@example.org")
    response = client.post(f"/admin/users/{user.id}/role", data={"role": "superuser"})
    assert response.status_code == 400
    assert fetch(app, user.id).role == Role.CITIZEN


def test_admin_blocks_and_unblocks(app, client, make_user, auth):
    login_admin(make_user, auth)
    user = make_user(email="b@example.org")
    response = client.post(f"/admin/users/{user.id}/block", data={"reason": ""})
    assert response.status_code == 400
    assert "Say why the account is blocked." in response.get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/block", data={"reason": "spam"}).status_code == 302
    blocked = fetch(app, user.id)
    assert blocked.is_blocked and blocked.blocked_reason == "spam"

    other = app.test_client()
    assert (
        other.post(
            "/login", data={"email": "b@example.org", "password": "correct horse battery"}
        ).status_code
        == 200
    )

    assert client.post(f"/admin/users/{user.id}/unblock").status_code == 302
    assert not fetch(app, user.id).is_blocked
    assert (
        other.post(
            "/login", data={"email": "b@example.org", "password": "correct horse battery"}
        ).status_code
        == 302
    )


def test_admin_cannot_block_or_demote_self(app, client, make_user, auth):
    admin = login_admin(make_user, auth)
    assert client.post(f"/admin/users/{admin.id}/block", data={"reason": "oops"}).status_code == 403
    assert client.post(f"/admin/users/{admin.id}/role", data={"role": "citizen"}).status_code == 403
    assert fetch(app, admin.id).role == Role.ADMIN


def test_admin_unknown_user_404(client, make_user, auth):
    login_admin(make_user, auth)
    assert client.get("/admin/users/999999").status_code == 404
