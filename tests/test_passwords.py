"""Password hashes through argon2-cffi: new hashes verify, and so do those made before (by passlib)."""

from __future__ import annotations

from storage.passwords import hash_password, password_matches

# made by the previous release (passlib's CryptContext(schemes=["argon2"])) for the password "s3cret!"
PASSLIB_HASH = "$argon2id$v=19$m=65536,t=3,p=4$m3POWat17r2X8h7DuHeutQ$J8BUHGC+fCOd9nWlsgR31Mv8wHI7+BfYolDGn+KXgtE"


def test_a_hash_made_by_the_previous_release_still_verifies():
    assert password_matches(PASSLIB_HASH, "s3cret!")
    assert not password_matches(PASSLIB_HASH, "s3cret")
    assert not password_matches(PASSLIB_HASH, "S3cret!")


def test_new_hashes_are_argon2id_and_salted():
    first, second = hash_password("pässword"), hash_password("pässword")
    assert first.startswith("$argon2id$v=19$") and second.startswith("$argon2id$v=19$")
    assert first != second
    assert password_matches(first, "pässword") and password_matches(second, "pässword")
    assert not password_matches(first, "password")


def test_a_hash_that_is_not_argon2_never_matches():
    for stored in ("", "plain", "$2b$12$" + "a" * 53, "$argon2id$v=19$broken"):
        assert not password_matches(stored, "plain")
