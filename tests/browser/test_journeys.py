"""The platform for real people: a citizen registers, files an observation with a photo on a
phone, a moderator accepts and forwards it, a responder answers, the citizen accepts the answer,
and the public accountability page counts it.
Once in Spanish, once in Quechua (both audited by axe), once in Aymara with JavaScript off."""

from __future__ import annotations

import re

import pytest

from tests.browser import journeys as j

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("language", "javascript"),
    [("es", True), ("qu", True), ("ay", False)],
    ids=["es", "qu", "ay-nojs"],
)
def test_observation_journey(new_context, auditor, live_server, language, javascript):
    server, facts = live_server
    staff = facts["staff"][language]
    password = "una-clave-larga-2026"
    email = f"juana.{language}@example.org"

    def person(who: str, phone: bool = False) -> j.Actor:
        return j.actor(
            new_context, auditor, server, who, language, phone=phone, javascript=javascript
        )

    citizen = person("citizen", phone=True)
    j.register(citizen, email, password)
    code = j.file_observation(citizen, facts["program_id"])
    assert j.observation_state(server, code) == "submitted"
    assert (
        j.db_value(
            server,
            "SELECT count(*) FROM evidence e JOIN observations o ON o.id = e.observation_id"
            " WHERE o.code = ?",
            code,
        )
        == 1
    )

    moderator = person("moderator")
    j.log_in(moderator, staff["moderator"], facts["password"])
    j.moderator_accepts(moderator, code, facts["institution_id"])
    assert j.observation_state(server, code) == "accepted"

    responder = person("responder")
    j.log_in(responder, staff["responder"], facts["password"])
    j.responder_answers(responder, code)
    assert j.observation_state(server, code) == "answered"

    j.citizen_accepts_answer(citizen, code)
    assert j.observation_state(server, code) == "resolved"

    j.accountability_counts_it(person("visitor"), code)

    assert not auditor.server_errors, auditor.server_errors
    assert not auditor.foreign_requests, auditor.foreign_requests
    if not javascript:
        # The journey needed no script; the only ones pages carry are same-origin, deferred
        # progressive enhancements (the filing form's static/js/filing.js), never inline code.
        tags = [
            tag
            for r in auditor.pages.values()
            if r.language == language
            for tag in re.findall(r"<script[^>]*>", r.html)
        ]
        assert all(
            re.fullmatch(r'<script src="/static/js/[\w.-]+\.js\?v=[0-9a-f]{12}" defer>', t)
            for t in tags
        )


@pytest.mark.parametrize("language", ["es", "qu"])
def test_comment_reply_flag_journey(new_context, auditor, live_server, language):
    """Comment, reply, three different people flag the reply: hidden at the third; a moderator
    restores it from the flag queue."""
    server, facts = live_server
    staff = facts["staff"][language]
    program_id = facts["program_id"]

    def person(who: str, email: str) -> j.Actor:
        someone = j.actor(new_context, auditor, server, who, language, phone=True)
        j.log_in(someone, email, facts["password"])
        return someone

    author = person("citizen", staff["flaggers"][0])
    comment_id = j.comment_on_program(author, program_id, "¿Cuándo se termina el tanque?")
    replier = person("citizen", staff["flaggers"][1])
    reply_id = j.reply_to(replier, comment_id, "Dicen que en junio, pero no hay obreros.")
    assert j.db_value(server, "SELECT parent_id FROM comments WHERE id = ?", reply_id) == comment_id

    flaggers = [
        person("citizen", staff["flaggers"][0]),
        person("moderator", staff["moderator"]),
        person("responder", staff["responder"]),
    ]
    for flagger in flaggers[:2]:
        j.flag(flagger, reply_id)
    assert not j.comment_hidden(server, reply_id)
    j.flag(flaggers[2], reply_id)  # the third distinct reporter hides it, pending review
    assert j.comment_hidden(server, reply_id)

    j.moderator_restores(flaggers[1], reply_id)
    assert not j.comment_hidden(server, reply_id)
    assert not auditor.server_errors, auditor.server_errors
