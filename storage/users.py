"""Users, their accessRights2 rights, and password hashes (storage.passwords)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import select

from storage.clock import now_ms
from storage.db import Database
from storage.models import User
from storage.passwords import hash_password, password_matches

# accessRights2 keys, in the guide's order; a user's rights are a bit mask over this tuple.
RIGHTS = ("DataExport", "Control", "Settings", "Playback", "LPR", "Remote")
ALL_RIGHTS = (1 << len(RIGHTS)) - 1
ADMIN_RIGHT = "Settings"  # administrators are the users who may change settings

UID_PATTERN = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")

class UserError(ValueError):
    pass


@dataclass(frozen=True)
class Account:
    uid: str
    name: str
    rights: int
    password_hash: str

    def has(self, right: str) -> bool:
        return bool(self.rights & (1 << RIGHTS.index(right)))

    @property
    def is_admin(self) -> bool:
        return self.has(ADMIN_RIGHT)

    @property
    def rights_names(self) -> list[str]:
        return [r for r in RIGHTS if self.has(r)]


def rights_mask(names: list[str] | str) -> int:
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    mask = 0
    for name in names:
        if name.lower() == "all":
            return ALL_RIGHTS
        match = next((r for r in RIGHTS if r.lower() == name.lower()), None)
        if match is None:
            raise UserError(f"unknown right {name!r}; rights are {', '.join(RIGHTS)} or all")
        mask |= 1 << RIGHTS.index(match)
    return mask


def _account(user: User) -> Account:
    return Account(uid=user.uid, name=user.name or user.uid, rights=user.rights, password_hash=user.password_hash)


def get(db: Database, uid: str) -> Account | None:
    with db.read() as s:
        user = s.exec(select(User).where(User.uid == uid)).first()
        return _account(user) if user else None


def all_users(db: Database) -> list[Account]:
    with db.read() as s:
        return [_account(u) for u in s.exec(select(User).order_by(User.uid))]


def count(db: Database) -> int:
    with db.read() as s:
        return len(s.exec(select(User.id)).all())


def add(db: Database, uid: str, password: str, rights: int = ALL_RIGHTS, name: str = "") -> Account:
    if not UID_PATTERN.match(uid):
        raise UserError("a user id is 1 to 64 letters, digits or _ . @ -")
    if not password:
        raise UserError("the password must not be empty")
    with db.write() as s:
        if s.exec(select(User).where(User.uid == uid)).first():
            raise UserError(f"user {uid!r} exists already")
        user = User(uid=uid, name=name or uid, password_hash=hash_password(password), rights=rights,
                    created_ms=now_ms())
        s.add(user)
    return _account(user)


def set_password(db: Database, uid: str, password: str) -> None:
    if not password:
        raise UserError("the password must not be empty")
    with db.write() as s:
        user = s.exec(select(User).where(User.uid == uid)).first()
        if not user:
            raise UserError(f"no user {uid!r}")
        user.password_hash = hash_password(password)
        s.add(user)


def set_rights(db: Database, uid: str, rights: int) -> None:
    with db.write() as s:
        user = s.exec(select(User).where(User.uid == uid)).first()
        if not user:
            raise UserError(f"no user {uid!r}")
        user.rights = rights
        s.add(user)


def remove(db: Database, uid: str) -> None:
    with db.write() as s:
        user = s.exec(select(User).where(User.uid == uid)).first()
        if not user:
            raise UserError(f"no user {uid!r}")
        s.delete(user)


def verify(account: Account, password: str) -> bool:
    return password_matches(account.password_hash, password)
