"""The demo country's comments (``flask demo`` without ``--small``): threads with stances and
replies, in the five languages, on the programs whose consultation has opened, dated within their
window; and the up-votes they got. Written with Core ``insert``; the programs' counters and the
comments' vote counts are recounted afterwards (``app.demo.recount``)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, update

from app.accounts.models import User
from app.comments.models import MAX_DEPTH, Comment, CommentVote, Stance
from app.core.clock import local_midnight
from app.core.text import user_text_html
from app.demo import voices
from app.demo.bulk import table_of
from app.demo.places import ZONES
from app.extensions import db
from app.programs.models import Program

#: Share of comments in each language (the author's language decides, mostly).
LANGUAGE_WEIGHTS = {"es": 62, "qu": 13, "ay": 11, "gn": 8, "en": 6}


def _moment(rng: random.Random, first: date, last: date) -> datetime:
    span = max(0, (last - first).days)
    day = first + timedelta(days=rng.randint(0, span))
    return local_midnight(day) + timedelta(hours=rng.uniform(7, 22))


def load_country_comments(
    rng: random.Random, today: date, programs: list[Program], citizens: list[User]
) -> int:
    """Comment threads on about two thirds of the programs that have opened. Flushes."""
    by_language: dict[str, list[User]] = {}
    for user in citizens:
        by_language.setdefault(user.language, []).append(user)
    languages = sorted(LANGUAGE_WEIGHTS)
    weights = [LANGUAGE_WEIGHTS[lang] for lang in languages]
    conn = db.session.connection()
    table = table_of(Comment)
    total = 0
    votes: list[dict[str, Any]] = []
    for program in programs:
        opens = program.comments_open_on or (today - timedelta(days=200))
        closes = min(program.comments_close_on or today, today - timedelta(days=1))
        if opens > closes or rng.random() < 0.3:
            continue
        town = program.municipality.name if program.municipality else ""
        place = rng.choice(ZONES.get(town, [town or "la comunidad"]))
        works = program.titles["es"].lower()
        top_rows: list[dict[str, Any]] = []
        for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 6, 9])):
            language = rng.choices(languages, weights)[0]
            author = rng.choice(by_language.get(language) or citizens)
            stance = rng.choices(list(Stance), [45, 25, 30])[0]
            body = rng.choice(voices.COMMENTS[language][stance.value]).format(
                place=place, works=works
            )
            top_rows.append(
                {
                    "program_id": program.id,
                    "parent_id": None,
                    "root_id": None,
                    "depth": 0,
                    "author_id": author.id,
                    "body": body,
                    "body_html": user_text_html(body),
                    "stance": stance,
                    "created_at": _moment(rng, opens, closes),
                }
            )
        top_rows.sort(key=lambda r: r["created_at"])
        result = conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), top_rows
        )
        top_ids = [row_id for (row_id,) in result]
        conn.execute(
            update(table).where(table.c.id == bindparam("b_id")).values(root_id=bindparam("b_id")),
            [{"b_id": i} for i in top_ids],
        )
        total += len(top_ids)
        # Replies, one level at a time (a reply needs its parent's id).
        root_of = {i: i for i in top_ids}
        level = [
            (i, r["created_at"], r["author_id"]) for i, r in zip(top_ids, top_rows, strict=True)
        ]
        for depth in range(1, MAX_DEPTH + 1):
            replies: list[dict[str, Any]] = []
            for parent_id, after, parent_author in level:
                for _ in range(rng.choice([0, 0, 0, 1, 1, 2] if depth == 1 else [0, 0, 1])):
                    language = rng.choices(languages, weights)[0]
                    author = rng.choice(by_language.get(language) or citizens)
                    if author.id == parent_author:
                        continue
                    when = after + timedelta(hours=rng.uniform(1, 96))
                    if when >= local_midnight(today):
                        continue
                    text = rng.choice(voices.REPLIES[language])
                    replies.append(
                        {
                            "program_id": program.id,
                            "parent_id": parent_id,
                            "root_id": None,
                            "depth": depth,
                            "author_id": author.id,
                            "body": text,
                            "body_html": user_text_html(text),
                            "stance": None,
                            "created_at": when,
                        }
                    )
            if not replies:
                break
            for reply in replies:
                reply["root_id"] = root_of[reply["parent_id"]]
            result = conn.execute(
                insert(table).returning(table.c.id, sort_by_parameter_order=True), replies
            )
            reply_ids = [row_id for (row_id,) in result]
            root_of.update({i: r["root_id"] for i, r in zip(reply_ids, replies, strict=True)})
            level = [
                (i, r["created_at"], r["author_id"])
                for i, r in zip(reply_ids, replies, strict=True)
            ]
            total += len(reply_ids)
        for comment_id in top_ids:
            voters = rng.sample(citizens, rng.choice([0, 0, 1, 2, 3, 5]))
            votes.extend(
                {
                    "comment_id": comment_id,
                    "user_id": voter.id,
                    "created_at": local_midnight(closes),
                }
                for voter in voters
            )
    # A voter never votes for their own comment (the service refuses it).
    authors = dict(conn.execute(db.select(table.c.id, table.c.author_id)).all())
    votes = [v for v in votes if authors[v["comment_id"]] != v["user_id"]]
    if votes:
        conn.execute(insert(table_of(CommentVote)), votes)
    return total
