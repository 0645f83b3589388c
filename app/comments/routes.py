"""Comment actions. Each is a plain form post that redirects back to the program page, so
everything works without JavaScript."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.accounts.permissions import can, require
from app.comments import services
from app.comments.forms import ActionForm, CommentForm, EditForm, FlagForm, ReplyForm
from app.comments.models import Comment, FlagReason, Stance
from app.core import ratelimit
from app.extensions import db
from app.programs.routes import get_program, render_program

bp = Blueprint("comments", __name__)


def _comment(comment_id: int) -> Comment:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    return comment


def _back(comment: Comment) -> Response:
    return redirect(
        url_for("programs.detail", program_id=comment.program_id, _anchor=f"c{comment.id}")
    )


@bp.route("/programs/<int:program_id>/comments", methods=["POST"])
@login_required
def create(program_id: int) -> ResponseReturnValue:
    program = get_program(program_id)
    require("comment.create", program)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_program(program.id, comment_form=form, status=400)
    if not ratelimit.allow("comment", current_user.id):
        form.form_errors.append(ratelimit.message())
        return render_program(program.id, comment_form=form, status=429)
    comment = services.add_comment(current_user, program, form.body.data, Stance(form.stance.data))
    db.session.commit()
    flash(_("Your comment was published."), "success")
    return _back(comment)


@bp.route("/comments/<int:comment_id>/reply", methods=["GET", "POST"])
@login_required
def reply(comment_id: int) -> ResponseReturnValue:
    parent = _comment(comment_id)
    require("comment.reply", parent)
    form = ReplyForm()
    if form.validate_on_submit() and not ratelimit.allow("comment", current_user.id):
        form.form_errors.append(ratelimit.message())
        return render_template("comments/reply.html", parent=parent, form=form), 429
    if not form.form_errors and form.validate_on_submit():
        program = services.comment_program(parent)
        comment = services.add_comment(current_user, program, form.body.data, parent=parent)
        db.session.commit()
        flash(_("Your reply was published."), "success")
        return _back(comment)
    status = 400 if form.is_submitted() else 200
    return render_template("comments/reply.html", parent=parent, form=form), status


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(comment_id: int) -> ResponseReturnValue:
    comment = _comment(comment_id)
    require("comment.author", comment)
    if not can(current_user, "comment.edit", comment):
        flash(_("Comments can only be edited in the first 15 minutes."), "error")
        return _back(comment)
    form = EditForm(obj=comment)
    if form.validate_on_submit():
        services.edit_comment(comment, form.body.data)
        db.session.commit()
        flash(_("Your comment was updated."), "success")
        return _back(comment)
    status = 400 if form.is_submitted() else 200
    return render_template("comments/edit.html", comment=comment, form=form), status


@bp.route("/comments/<int:comment_id>/delete", methods=["POST"])
@login_required
def delete(comment_id: int) -> ResponseReturnValue:
    comment = _comment(comment_id)
    require("comment.delete", comment)
    if ActionForm().validate_on_submit():
        services.delete_comment(comment)
        db.session.commit()
        flash(_("Your comment was deleted."), "success")
    return _back(comment)


@bp.route("/comments/<int:comment_id>/vote", methods=["POST"])
@login_required
def vote(comment_id: int) -> ResponseReturnValue:
    comment = _comment(comment_id)
    require("comment.vote", comment)
    if ActionForm().validate_on_submit():
        if not ratelimit.allow("vote", current_user.id):
            flash(ratelimit.message(), "error")
            return _back(comment)
        services.vote(current_user, comment)
        db.session.commit()
    return _back(comment)


@bp.route("/comments/<int:comment_id>/unvote", methods=["POST"])
@login_required
def unvote(comment_id: int) -> ResponseReturnValue:
    comment = _comment(comment_id)
    if ActionForm().validate_on_submit():
        services.unvote(current_user, comment)
        db.session.commit()
    return _back(comment)


@bp.route("/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
def flag(comment_id: int) -> ResponseReturnValue:
    comment = _comment(comment_id)
    require("comment.flag", comment)
    if services.has_flagged(current_user, comment):
        flash(_("You already reported this comment. Moderators will review it."), "info")
        return _back(comment)
    form = FlagForm()
    if form.validate_on_submit() and not ratelimit.allow("flag", current_user.id):
        form.form_errors.append(ratelimit.message())
        return render_template("comments/flag.html", comment=comment, form=form), 429
    if not form.form_errors and form.validate_on_submit():
        services.flag(current_user, comment, FlagReason(form.reason.data), form.details.data or "")
        db.session.commit()
        flash(_("Thank you. Moderators will review this comment."), "success")
        return _back(comment)
    status = 400 if form.is_submitted() else 200
    return render_template("comments/flag.html", comment=comment, form=form), status


@bp.route("/comments/<int:comment_id>/history")
def history(comment_id: int) -> ResponseReturnValue:
    comment = _comment(comment_id)
    if comment.is_deleted or comment.is_hidden:
        abort(404)
    return render_template(
        "comments/history.html", comment=comment, revisions=services.revisions(comment)
    )
