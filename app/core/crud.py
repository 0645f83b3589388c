"""One generic set of admin pages for a kind of record: its list, its "new" form, its "edit" form.

Every such page works the same way: check the right first, then find the record (404); a GET
shows the form, a POST validates it, saves through one service (which flushes, never commits),
commits once, flashes and redirects; an invalid form comes back (400) with what was typed and
nothing written. ``CrudView`` holds that once. A subclass names its model, form, templates,
right and message, and overrides the hooks where its pages differ (the list's context, how
the form is built, what a save does and where it leads); ``register`` adds the routes with the
URLs and endpoint names they have always had. Rights are decorators the feature package gives
(``decorators = (requires("observations.admin"),)``), so this module knows no feature package.

One instance serves one request (like Flask's class-based views), so hooks may keep on ``self``
what they found for later hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from flask import Blueprint, flash, redirect, render_template
from flask.typing import ResponseReturnValue

from app.extensions import db

View = Callable[..., ResponseReturnValue]


class CrudView:
    """The list, new and edit pages of one kind of record (see the module docstring)."""

    #: The record the edit page is about: ``db.get_or_404(model, <the URL's id_arg>)``.
    model: ClassVar[type[Any]]
    #: The URL argument holding the record's id: present on the edit page, absent on "new".
    id_arg: ClassVar[str]
    #: The form class. The default ``make_form`` builds an ``AdminForm`` (``editing=``).
    form: ClassVar[Any]
    #: Wrap every page, innermost first: the right to see them (``requires(...)``, or
    #: ``login_required`` when ``prepare`` or ``load`` checks the right on what they find).
    decorators: ClassVar[tuple[Callable[[View], View], ...]] = ()
    list_template: ClassVar[str] = ""
    form_template: ClassVar[str]
    #: The form template's name for the record (None on the "new" page).
    object_name: ClassVar[str]
    #: Flashed after a save: a lazily translated string (``_l``).
    saved_message: ClassVar[Any]

    def __init__(self, view_args: dict[str, Any]) -> None:
        #: The URL's arguments.
        self.view_args = view_args

    # --- hooks ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Runs first on every page, inside the decorators: find what the URL is under (an
        institution, say) and check the rights that depend on it."""

    def list_context(self) -> dict[str, Any]:
        """What the list template shows."""
        return {}

    def load(self) -> Any:
        """The record the edit page is about (404 when there is none for this user)."""
        return db.get_or_404(self.model, self.view_args[self.id_arg])

    def make_form(self, record: Any) -> Any:
        """The form filled from ``record`` (None: a new one), its choices loaded."""
        form = self.form(editing=record)
        form.load_choices()
        return form

    def save(self, record: Any, form: Any) -> Any | None:
        """Write the valid form into ``record`` (None: create one) through a service, and return
        the saved record; return None to refuse (after adding errors to the form's fields)."""
        raise NotImplementedError

    def after_save(self, saved: Any) -> None:
        """After the commit and the saved message: further messages, say."""

    def next_url(self, saved: Any) -> str:
        """Where a successful save leads."""
        raise NotImplementedError

    def form_context(self, record: Any) -> dict[str, Any]:
        """What the form template shows besides the form and the record."""
        return {}

    # --- pages ---------------------------------------------------------------------------------

    def list_page(self) -> ResponseReturnValue:
        self.prepare()
        return render_template(self.list_template, **self.list_context())

    def form_page(self) -> ResponseReturnValue:
        self.prepare()
        record = self.load() if self.id_arg in self.view_args else None
        form = self.make_form(record)
        if form.validate_on_submit():
            saved = self.save(record, form)
            if saved is not None:
                db.session.commit()
                flash(str(self.saved_message), "success")
                self.after_save(saved)
                return redirect(self.next_url(saved))
        code = 400 if form.is_submitted() else 200
        context = {"form": form, self.object_name: record, **self.form_context(record)}
        return render_template(self.form_template, **context), code

    # --- routes --------------------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        bp: Blueprint,
        *,
        index: tuple[str, str] | None = None,
        new: tuple[str, str] | None = None,
        edit: tuple[str, str] | None = None,
    ) -> None:
        """Add the pages to ``bp``, each given as (URL rule, endpoint name). "new" and "edit" are
        one view: they may share an endpoint."""

        def list_view(**view_args: Any) -> ResponseReturnValue:
            return cls(view_args).list_page()

        def form_view(**view_args: Any) -> ResponseReturnValue:
            return cls(view_args).form_page()

        if index is not None:
            bp.add_url_rule(index[0], index[1], cls._guard(list_view))
        guarded_form = cls._guard(form_view)
        for page in (new, edit):
            if page is not None:
                bp.add_url_rule(page[0], page[1], guarded_form, methods=["GET", "POST"])

    @classmethod
    def _guard(cls, view: View) -> View:
        for decorator in cls.decorators:
            view = decorator(view)
        return view
