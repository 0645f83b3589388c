"""Password hashes: real Argon2id everywhere; production (and development) use the RFC 9106
low-memory profile, and only the testing configuration lowers the cost (issue 16, point 7)."""

from __future__ import annotations

import argon2
from argon2 import PasswordHasher

from app import create_app
from app.accounts import passwords
from app.config import Config
from tests.conftest import make_config


def _parameters(encoded: str) -> argon2.Parameters:
    return argon2.extract_parameters(encoded)


def test_outside_tests_the_rfc_9106_profile_is_used(tmp_path, monkeypatch):
    monkeypatch.setenv("QHAWAQ_PASSWORD_HASH_CHEAP", "1")  # the environment cannot lower it
    config = type(
        "Prod", (Config,), {"SECRET_KEY": "x" * 40, "INSTANCE_PATH": tmp_path, "TESTING": False}
    )
    application = create_app(config)
    assert application.config["PASSWORD_HASH_CHEAP"] is False
    with application.app_context():
        encoded = passwords.hash_password("una clave larga")
        assert passwords.verify_password(encoded, "una clave larga")
        assert not passwords.needs_rehash(encoded)
    expected = PasswordHasher()  # argon2-cffi's default: RFC 9106 low memory
    got = _parameters(encoded)
    assert got.type is argon2.Type.ID
    assert (got.time_cost, got.memory_cost, got.parallelism) == (
        expected.time_cost,
        expected.memory_cost,
        expected.parallelism,
    )
    # Without an application (scripts, shells) the production profile applies too.
    assert _parameters(passwords.hash_password("x")).memory_cost == expected.memory_cost


def test_the_testing_configuration_uses_cheap_but_real_argon2id(tmp_path):
    application = create_app(make_config(INSTANCE_PATH=tmp_path))
    with application.app_context():
        encoded = passwords.hash_password("una clave larga")
        assert passwords.verify_password(encoded, "una clave larga")
        assert not passwords.verify_password(encoded, "otra clave")
        assert not passwords.verify_password(None, "una clave larga")
    got = _parameters(encoded)
    assert got.type is argon2.Type.ID
    assert (got.time_cost, got.memory_cost) == (
        passwords.CHEAP["time_cost"],
        passwords.CHEAP["memory_cost"],
    )
