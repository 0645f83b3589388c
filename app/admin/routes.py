from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, or_, select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.accounts.permissions import require, requires
from app.admin.forms import BlockForm, RoleForm, UnblockForm, UserSearchForm
from app.core.pagination import paginate
from app.extensions import db
from app.institutions.models import Institution

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _institution_choices() -> list[tuple[int, str]]:
    institutions = db.session.scalars(select(Institution).where(Institution.active)).all()
    return sorted(((i.id, str(i.name)) for i in institutions), key=lambda pair: pair[1].lower())


@bp.route("/users")
@requires("admin.users")
def users() -> ResponseReturnValue:
    form = UserSearchForm(request.args)
    form.role.choices = [("", _("All roles")), *Role.choices()]
    query = (
        select(User)
        .where(User.is_deleted_placeholder.is_(False))
        .order_by(User.created_at.desc(), User.id.desc())
    )
    if form.validate():
        if form.q.data:
            needle = f"%{form.q.data.strip().lower()}%"
            query = query.where(
                or_(func.lower(User.display_name).like(needle), User.email.like(needle))
            )
        if form.role.data:
            query = query.where(User.role == Role(form.role.data))
    page = paginate(query, per_page=50)
    return render_template("admin/users.html", form=form, page=page)


def _get_user(user_id: int) -> User:
    """A person; the shared "deleted account" is not one to manage (404)."""
    user = db.get_or_404(User, user_id)
    if user.is_deleted_placeholder:
        abort(404)
    return user


@bp.route("/users/<int:user_id>", methods=["GET"])
@requires("admin.users")
def user_detail(user_id: int) -> ResponseReturnValue:
    user = _get_user(user_id)
    role_form = RoleForm(
        role=user.role.value,
        institution_id=user.institution_id,
        is_institution_admin=user.is_institution_admin,
    )
    role_form.set_choices(_institution_choices())
    return _render_detail(user, role_form)


def _render_detail(user: User, role_form: RoleForm, block_form: BlockForm | None = None) -> str:
    return render_template(
        "admin/user.html",
        user=user,
        role_form=role_form,
        block_form=block_form or BlockForm(),
        unblock_form=UnblockForm(),
    )


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@requires("admin.users")
def change_role(user_id: int) -> ResponseReturnValue:
    user = _get_user(user_id)
    require("admin.block", user)
    form = RoleForm()
    form.set_choices(_institution_choices())
    if not form.validate_on_submit():
        return _render_detail(user, form), 400
    accounts.set_role(
        current_user,
        user,
        accounts.RoleChange(
            Role(form.role.data),
            form.institution_id.data,
            is_institution_admin=bool(form.is_institution_admin.data),
        ),
    )
    db.session.commit()
    flash(_("The role was saved."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/block", methods=["POST"])
@requires("admin.users")
def block_user(user_id: int) -> ResponseReturnValue:
    user = _get_user(user_id)
    require("admin.block", user)
    form = BlockForm()
    if not form.validate_on_submit():
        role_form = RoleForm(
            role=user.role.value,
            institution_id=user.institution_id,
            is_institution_admin=user.is_institution_admin,
        )
        role_form.set_choices(_institution_choices())
        return _render_detail(user, role_form, form), 400
    accounts.block(current_user, user, form.reason.data)
    db.session.commit()
    flash(_("The account is blocked."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))


@bp.route("/users/<int:user_id>/unblock", methods=["POST"])
@requires("admin.users")
def unblock_user(user_id: int) -> ResponseReturnValue:
    user = _get_user(user_id)
    require("admin.block", user)
    if UnblockForm().validate_on_submit():
        accounts.unblock(current_user, user)
        db.session.commit()
        flash(_("The account is unblocked."), "success")
    return redirect(url_for("admin.user_detail", user_id=user.id))
