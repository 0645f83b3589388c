"""Authorization matrix: every route x every viewpoint → the status it must get, and CSRF on every
POST. A route without an expectation here fails ``test_every_route_has_an_expectation``: add it to
EXPECTED (in its group) with the statuses you judge right.

The world is tests/security/world.py; the order of each tuple is ROLES:
anonymous, citizen (owner of the comment, the observation and the draft), other citizen,
responder (of the observation's institution), responder of another institution, moderator, admin.
POSTs are sent without data: 302/200/400 mean "let in" (done, or form errors), 403 "refused",
404 "does not exist for you", 302 for anonymous is the redirect to the login page."""

from __future__ import annotations

import pytest

from tests.security.matrix import empty_database, observe, path_for, snapshot
from tests.security.world import ROLES, build

EVERYONE = (200,) * 7
ANONYMOUS_ONLY = (200, 302, 302, 302, 302, 302, 302)


def signed_in(status: int) -> tuple[int, ...]:
    return (302, *(status,) * 6)


def admin_only(status: int) -> tuple[int, ...]:
    return (302, 403, 403, 403, 403, 403, status)


def staff(status: int) -> tuple[int, ...]:
    """Moderators and admins."""
    return (302, 403, 403, 403, 403, status, status)


def responders(status: int, other: int = 403) -> tuple[int, ...]:
    """The observation's institution gets ``status``, the other institution ``other``."""
    return (302, 403, 403, status, other, 403, 403)


def group(status: tuple[int, ...], *keys: tuple[str, str]) -> dict:
    return {key: status for key in keys}


def gets(*rules: str) -> list[tuple[str, str]]:
    return [(rule, "GET") for rule in rules]


def posts(*rules: str) -> list[tuple[str, str]]:
    return [(rule, "POST") for rule in rules]


ADMIN_LISTS = [
    "/admin/",
    "/admin/actor-types",
    "/admin/categories",
    "/admin/holidays",
    "/admin/institutions",
    "/admin/plans",
    "/admin/programs",
    "/admin/statuses",
    "/admin/users",
    "/admin/users/<int:user_id>",
    "/admin/programs/<int:program_id>/milestones",
    "/institution/<int:institution_id>/team",
]
#: Admin forms: GET shows the form, an empty POST comes back with errors (400).
ADMIN_FORMS = [
    "/admin/actor-types/<int:actor_type_id>/edit",
    "/admin/actor-types/new",
    "/admin/categories/<int:category_id>/edit",
    "/admin/categories/new",
    "/admin/holidays/<int:holiday_id>/edit",
    "/admin/holidays/new",
    "/admin/institutions/new",
    "/admin/plans/<int:plan_id>/edit",
    "/admin/plans/new",
    "/admin/programs/import",
    "/admin/programs/<int:program_id>/edit",
    "/admin/programs/<int:program_id>/milestones/<int:milestone_id>/edit",
    "/admin/programs/new",
    "/admin/statuses/<int:status_id>/edit",
    "/admin/statuses/new",
]
#: Admin buttons: the action is done and redirects (302).
ADMIN_BUTTONS = [
    "/admin/holidays/<int:holiday_id>/delete",
    "/admin/institutions/<int:institution_id>/edit",
    "/admin/institutions/<int:institution_id>/responders/<int:user_id>/admin",
    "/admin/programs/<int:program_id>/milestones/<int:milestone_id>/delete",
    "/admin/users/<int:user_id>/unblock",
    "/institution/<int:institution_id>/team/<int:user_id>/remove",
]
#: Admin actions whose form needs a value (a reason, a role, an email): 400 when empty.
ADMIN_VALUE_FORMS = [
    "/admin/users/<int:user_id>/block",
    "/admin/users/<int:user_id>/role",
    "/institution/<int:institution_id>/team/add",
]

EXPECTED: dict[tuple[str, str], tuple[int, ...]] = {
    # Public pages -------------------------------------------------------------------------
    **group(
        EVERYONE,
        *gets(
            "/",
            "/about",
            "/privacy",
            "/healthz",
            "/programs",
            "/programs/<int:program_id>",
            "/plans",
            "/plans/<int:plan_id>",
            "/search",
            "/observations",
            "/observations/<code>",
            "/observations/lookup",
            "/comments/<int:comment_id>/history",
            "/password/forgot",
        ),
        ("/password/forgot", "POST"),
    ),
    # The home page's department picker: without a department, back to the home page.
    ("/territories", "GET"): (302,) * 7,
    # Static files are public; the evidence id of this world does not exist.
    ("/static/<path:filename>", "GET"): EVERYONE,
    ("/evidence/<int:evidence_id>", "GET"): (404,) * 7,
    # Signed tokens: a forged one is a 400 for everybody.
    **group(
        (400,) * 7,
        *gets(
            "/password/reset/<token>",
            "/unfollow/<token>",
            "/verify/<token>",
            "/unsubscribe/<token>",
            "/groups/invitations/<token>",
        ),
        *posts(
            "/password/reset/<token>",
            "/unfollow/<token>",
            "/unsubscribe/<token>",
            "/groups/invitations/<token>",
        ),
    ),
    # Assignment inside the institution (issue 17): empty posts; a release of nobody or a take
    # redirect, an assignment without a colleague is a form error.
    ("/inbox/<code>/take", "POST"): responders(302, 404),
    ("/inbox/<code>/assign", "POST"): responders(400, 404),
    ("/inbox/<code>/release", "POST"): responders(302, 404),
    # Download my data: an empty POST prepares the archive; another person's archive does not
    # exist for you.
    **group(
        signed_in(200),
        ("/account/data", "GET"),
        ("/account/delete", "GET"),
        # An empty POST: the password is missing, the form comes back.
        ("/account/delete", "POST"),
    ),
    ("/account/data", "POST"): signed_in(302),
    ("/account/data/<int:export_id>/download", "GET"): (302, 404, 404, 404, 404, 404, 404),
    # Oversight groups (issue 18): the citizen coordinates the world's group, the other citizen is
    # a member; responders, the moderator and the admin are not in it. Staff start no group.
    **group(EVERYONE, *gets("/groups", "/groups/<slug>")),
    ("/groups/new", "GET"): (302, 200, 200, 403, 403, 403, 403),
    ("/groups/new", "POST"): (302, 400, 400, 403, 403, 403, 403),
    **group(
        (302, 200, 200, 403, 403, 403, 403),
        *gets(
            "/groups/<slug>/dashboard", "/groups/<slug>/observations.csv", "/groups/<slug>/members"
        ),
    ),
    ("/groups/<slug>/edit", "GET"): (302, 200, 403, 403, 403, 403, 403),
    **group(
        (302, 400, 403, 403, 403, 403, 403),
        *posts("/groups/<slug>/edit", "/groups/<slug>/programs", "/groups/<slug>/invite"),
    ),
    **group(
        (302, 302, 403, 403, 403, 403, 403),
        *posts(
            "/groups/<slug>/programs/<int:program_id>/follow",
            "/groups/<slug>/programs/<int:program_id>/unfollow",
            "/groups/<slug>/members/<int:membership_id>/remove",
            "/groups/<slug>/members/<int:membership_id>/coordinator",
            # The only coordinator is refused with a message (302 back to the member list).
            "/groups/<slug>/step-down",
        ),
    ),
    # Any member leaves; the last coordinator is refused with a message (302).
    ("/groups/<slug>/leave", "POST"): (302, 302, 302, 403, 403, 403, 403),
    **group(staff(302), *posts("/groups/<slug>/verify", "/groups/<slug>/unverify")),
    # Sign in with Ciudadanía Digital (issue 18): the world configures no provider, so the
    # sign-in routes do not exist (tests/test_oidc.py covers them configured).
    **group(
        (404,) * 7,
        *gets(
            "/login/ciudadania",
            "/login/ciudadania/callback",
            "/login/ciudadania/link",
            "/login/ciudadania/link/confirm",
            "/logout/ciudadania",
        ),
        *posts("/login/ciudadania/link", "/login/ciudadania/link/mail"),
    ),
    # The public "verified" mark: anyone signed in may post; unverified accounts change nothing.
    ("/account/verified-badge", "POST"): signed_in(302),
    # Accounts -------------------------------------------------------------------------------
    # The mail preferences form sent empty: every category needs a choice.
    ("/account/notifications", "POST"): signed_in(400),
    **group(ANONYMOUS_ONLY, *gets("/login", "/register"), *posts("/login", "/register")),
    **group(
        signed_in(200),
        *gets("/account", "/account/password", "/notifications", "/observations/mine"),
        ("/observations/new", "GET"),
        ("/account/password", "POST"),
        ("/account/notifications", "GET"),
    ),
    **group(
        signed_in(302),
        *posts(
            "/account",
            "/account/sign-out-everywhere",
            "/account/language",
            "/notifications/read",
            "/verify/resend",
            "/observations/<code>/follow",
            "/programs/<int:program_id>/follow",
            "/programs/<int:program_id>/unfollow",
            "/comments/<int:comment_id>/unvote",
        ),
    ),
    ("/logout", "POST"): (302,) * 7,
    # Comments (the citizen wrote the comment) -------------------------------------------------
    ("/comments/<int:comment_id>/edit", "GET"): (302, 200, 403, 403, 403, 403, 403),
    ("/comments/<int:comment_id>/edit", "POST"): (302, 302, 403, 403, 403, 403, 403),
    ("/comments/<int:comment_id>/delete", "POST"): (302, 302, 403, 403, 403, 403, 403),
    # Nobody flags or supports their own comment.
    ("/comments/<int:comment_id>/flag", "GET"): (302, 403, 200, 200, 200, 200, 200),
    ("/comments/<int:comment_id>/flag", "POST"): (302, 403, 400, 400, 400, 400, 400),
    ("/comments/<int:comment_id>/vote", "POST"): (302, 403, 302, 302, 302, 302, 302),
    ("/comments/<int:comment_id>/reply", "GET"): signed_in(200),
    ("/comments/<int:comment_id>/reply", "POST"): signed_in(400),
    ("/programs/<int:program_id>/comments", "POST"): signed_in(400),
    # Observations (the citizen filed the observation and owns the draft) ----------------------
    ("/observations/new", "POST"): signed_in(400),
    ("/observations/drafts/<int:observation_id>", "GET"): (302, 200, 404, 404, 404, 404, 404),
    # Moved to the moderation queue: a permanent redirect for those who may see it.
    ("/observations/pending", "GET"): staff(301),
    # The probed action is "acknowledge": only the institution the observation is with.
    ("/observations/<code>/act/<action>", "POST"): responders(302),
    # Institutions answer ------------------------------------------------------------------------
    ("/inbox", "GET"): responders(200, 200),
    # Another institution's observation does not exist in your inbox.
    ("/inbox/<code>", "GET"): responders(200, 404),
    **group(responders(200, 200), *gets("/institution/templates/", "/institution/templates/new")),
    ("/institution/templates/new", "POST"): responders(400, 400),
    ("/institution/templates/<int:template_id>/edit", "GET"): responders(200, 404),
    ("/institution/templates/<int:template_id>/edit", "POST"): responders(302, 404),
    ("/institution/templates/<int:template_id>/delete", "POST"): responders(302, 404),
    # An admin has no team of their own: sent to the institutions admin.
    ("/institution/team", "GET"): admin_only(302),
    # Moderation (issue 6) ------------------------------------------------------------------------
    **group(
        staff(200),
        *gets(
            "/moderation",
            "/moderation/flags",
            "/moderation/<target_type>/<int:target_id>",
            "/moderation/observations/<code>/details",
            "/moderation/users/<int:user_id>",
        ),
    ),
    **group(
        staff(302),
        *posts(
            "/moderation/<target_type>/<int:target_id>/<any(hide, restore, dismiss):action>",
            "/moderation/observations/<code>/details",
        ),
    ),
    **group(
        staff(400), *posts("/moderation/flags", "/moderation/<target_type>/<int:target_id>/redact")
    ),
    # The world has no evidence file.
    ("/moderation/evidence/<int:evidence_id>/<any(hide, restore):action>", "POST"): staff(404),
    # The probed user is a responder (staff): moderators and admins may not block them here.
    **group(
        (302, 403, 403, 403, 403, 403, 403),
        *posts("/moderation/users/<int:user_id>/block", "/moderation/users/<int:user_id>/unblock"),
    ),
    # The moderation log is public (who did what, without personal data).
    ("/moderation/log", "GET"): EVERYONE,
    # Reporting an observation: not your own.
    ("/observations/<code>/report", "GET"): (302, 403, 200, 200, 200, 200, 200),
    ("/observations/<code>/report", "POST"): (302, 403, 400, 400, 400, 400, 400),
    # Accountability, open data, API, Open311 (issue 7): public ------------------------------------
    **group(
        EVERYONE,
        *gets(
            "/accountability",
            "/accountability/observations",
            "/accountability/sessions",
            "/institutions/<int:institution_id>",
            "/territories/<territory>",
            "/open-data",
            "/open-data/dictionary",
            "/open-data/<dataset>.<fmt>",
            "/open-data/catalogue.jsonld",
            "/open-data/data.json",
            "/data.json",
            "/api",
            "/api/openapi.json",
            "/api/v1/institutions",
            "/api/v1/institutions/<int:institution_id>",
            "/api/v1/observations",
            "/api/v1/observations/<code>",
            "/api/v1/plans",
            "/api/v1/programs",
            "/api/v1/programs/<int:program_id>",
            "/api/v1/statistics",
            "/open311/v2/discovery.<fmt>",
            "/open311/v2/services.<fmt>",
            "/open311/v2/requests.<fmt>",
            "/open311/v2/requests/<code>.<fmt>",
        ),
    ),
    # Feeds are public documents (built as for a visitor, whoever asks); a due-date calendar
    # follows the observation (the world's is public), the others are public.
    **group(
        EVERYONE,
        *gets(
            "/feeds/observations.atom",
            "/feeds/observations/<code>.atom",
            "/feeds/programs/<int:program_id>.atom",
            "/feeds/plans/<int:plan_id>.atom",
            "/feeds/institutions/<int:institution_id>.atom",
            "/feeds/territories/<territory>.atom",
            "/calendars/observations/<code>.ics",
            "/calendars/institutions/<int:institution_id>.ics",
            "/calendars/territories/<territory>.ics",
        ),
    ),
    # Open311: no such service code (the world's code is an observation's) and no such token.
    **group(
        (404,) * 7,
        *gets("/open311/v2/services/<code>.<fmt>", "/open311/v2/tokens/<token>.<fmt>"),
    ),
    # Filing through Open311 takes an application's key, never a session: refused without one.
    ("/open311/v2/requests.<fmt>", "POST"): (403,) * 7,
    ("/admin/api-clients", "GET"): admin_only(200),
    ("/admin/api-clients", "POST"): admin_only(400),
    # The world registers no application.
    ("/admin/api-clients/<int:client_id>/revoke", "POST"): admin_only(404),
    # The world's session has no report file uploaded.
    ("/accountability/sessions/<int:session_id>/report", "GET"): (404,) * 7,
    # Sessions are recorded by admins (the responder here is not their institution's admin).
    **group(
        admin_only(200),
        *gets(
            "/institutions/<int:institution_id>/sessions/new",
            "/institutions/<int:institution_id>/sessions/<int:session_id>/edit",
        ),
    ),
    **group(
        admin_only(400),
        *posts(
            "/institutions/<int:institution_id>/sessions/new",
            "/institutions/<int:institution_id>/sessions/<int:session_id>/edit",
        ),
    ),
    ("/institutions/<int:institution_id>/sessions/<int:session_id>/delete", "POST"): admin_only(
        302
    ),
    # Administration -----------------------------------------------------------------------------
    **group(admin_only(200), *gets("/admin/moderation-reasons", "/admin/moderation-reasons/new")),
    ("/admin/moderation-reasons/<int:reason_id>", "GET"): admin_only(200),
    ("/admin/moderation-reasons/<int:reason_id>", "POST"): admin_only(302),
    ("/admin/moderation-reasons/new", "POST"): admin_only(400),
    **group(admin_only(200), *gets(*ADMIN_LISTS, *ADMIN_FORMS)),
    **group(admin_only(400), *posts(*ADMIN_FORMS, *ADMIN_VALUE_FORMS)),
    **group(admin_only(302), *posts(*ADMIN_BUTTONS)),
    # Programs CSV import: its documentation and example; a token this admin did not upload
    # (the world's is not even well formed) sends them back to the upload form.
    **group(
        admin_only(200),
        *gets("/admin/programs/import/format", "/admin/programs/import/example.csv"),
    ),
    ("/admin/programs/import/<token>", "GET"): admin_only(302),
    ("/admin/programs/import/<token>/apply", "POST"): admin_only(302),
}
#: Routes with both methods where the GET is a form page and the POST was listed above.
EXPECTED[("/admin/programs/<int:program_id>/milestones", "POST")] = admin_only(400)
EXPECTED[("/admin/institutions/<int:institution_id>/edit", "GET")] = admin_only(200)


def routes(app) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_an_expectation(app):
    """The failure message lists each missing route with the statuses it gives now, ready to
    paste into EXPECTED once you have judged them right."""
    missing = sorted(routes(app) - EXPECTED.keys())
    if missing:
        lines = [f"    {key!r}: {observe(app, *key)}," for key in missing]
        pytest.fail(
            "add these routes to EXPECTED in tests/security/test_authorization.py "
            f"(statuses as observed, in the order {', '.join(ROLES)}):\n" + "\n".join(lines)
        )
    stale = sorted(EXPECTED.keys() - routes(app))
    assert not stale, f"EXPECTED lists routes that no longer exist: {stale}"


@pytest.mark.parametrize(
    ("rule", "method"), sorted(EXPECTED), ids=[f"{m} {r}" for r, m in sorted(EXPECTED)]
)
def test_authorization_matrix(app, rule, method):
    if (rule, method) not in routes(app):
        pytest.skip("route gone (test_every_route_has_an_expectation reports it)")
    expected = EXPECTED[(rule, method)]
    observed = observe(app, rule, method, expected)
    assert observed == expected, "\n".join(
        f"{role:<16} expected {e}, got {o}{'  <--' if e != o else ''}"
        for role, e, o in zip(ROLES, expected, observed, strict=True)
    )


#: POSTs authenticated by an application's key (sent by programs, never with a browser's
#: cookies), so CSRF cannot apply; their key checks are tested in tests/test_open311_write.py.
CSRF_EXEMPT = {"/open311/v2/requests.<fmt>"}
POST_RULES = sorted(
    rule for rule, method in EXPECTED if method == "POST" and rule not in CSRF_EXEMPT
)


@pytest.mark.parametrize("rule", POST_RULES)
def test_post_without_csrf_token_is_refused_and_writes_nothing(app, monkeypatch, rule):
    """With CSRF on, a POST without a token is a 400 and changes no row, for a visitor and for
    the first role the matrix lets in."""
    expected = EXPECTED[(rule, "POST")]
    allowed = [r for r, s in zip(ROLES, expected, strict=True) if s not in (403, 404)]
    viewpoints = {"anonymous", *[r for r in allowed if r != "anonymous"][:1]}
    for role in sorted(viewpoints):
        empty_database(app)
        world = build(app)
        before = snapshot(app)
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
        response = world.client(app, role).post(
            path_for(rule, world.params), data={"body": "x", "note": "x", "email": "a@b.org"}
        )
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
        assert response.status_code == 400, (role, response.status_code)
        assert snapshot(app) == before, role
