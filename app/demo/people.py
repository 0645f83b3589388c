"""The demo's accounts: the documented ones (``services.USERS``) and, in the full demo, a
responder for every institution that has none and a few dozen citizens with Bolivian names writing
in the five languages. Every account has ``DEMO_PASSWORD``; it is hashed once and the hash shared,
because hashing a password costs a tenth of a second on purpose."""

from __future__ import annotations

import random
import unicodedata

from app.accounts.models import Role, User
from app.accounts.passwords import hash_password
from app.accounts.services import normalise_email
from app.core.db import utcnow
from app.demo.places import COUNTRY_INSTITUTIONS, EXTRA_RESPONDERS
from app.demo.voices import FIRST_NAMES, SURNAMES
from app.extensions import db
from app.institutions.models import Institution

#: (email, display name, role, language, institution)
Person = tuple[str, str, Role, str, Institution | None]

#: Generated citizens, and the share of each language among them.
CITIZENS = 48
CITIZEN_LANGUAGES = ["es"] * 6 + ["qu"] * 2 + ["ay"] * 2 + ["gn", "en"]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def country_people(rng: random.Random, institutions: dict[str, Institution]) -> list[Person]:
    """Responders of the country's institutions, then generated citizens."""
    people: list[Person] = []
    for spec in COUNTRY_INSTITUTIONS:
        acronym, responder, language = spec[1], spec[6], spec[7]
        people.append(
            (
                f"{acronym.lower()}@demo.qhawaq.bo",
                responder,
                Role.RESPONDER,
                language,
                institutions[acronym],
            )
        )
    for acronym, (responder, language) in EXTRA_RESPONDERS.items():
        people.append(
            (
                f"{acronym.lower()}@demo.qhawaq.bo",
                responder,
                Role.RESPONDER,
                language,
                institutions[acronym],
            )
        )
    for number in range(1, CITIZENS + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        email = f"{_ascii(first)}.{_ascii(last)}.{number}@vecinos.demo.qhawaq.bo"
        people.append((email, f"{first} {last}", Role.CITIZEN, rng.choice(CITIZEN_LANGUAGES), None))
    return people


def create_accounts(people: list[Person], password: str) -> list[User]:
    """Create verified accounts sharing one password hash. Flushes, never commits."""
    password_hash = hash_password(password)
    users = [
        User(
            email=normalise_email(email),
            password_hash=password_hash,
            display_name=name,
            role=role,
            language=language,
            institution=institution,
            email_verified_at=utcnow(),
        )
        for email, name, role, language, institution in people
    ]
    db.session.add_all(users)
    db.session.flush()
    return users
