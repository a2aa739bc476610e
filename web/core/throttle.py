"""Sign-in throttling that stops guessing, not users.

Failed password checks are counted per (client address, user id). The caller names each password by a
keyed hash (never the password itself): the same wrong password sent again, as a client with an old
password does, is answered without a check and counts once. Each distinct wrong password makes the next
check of that user id from that address wait longer (`delay`, 2 x `delay`, 4 x `delay`, ...), and the
`max_failures`-th locks that user id out from that address for `lockout` seconds. An address whose failures
name `max_users` user ids within `window` is locked out as a whole, except for the user ids that signed in
from it in the last day (its own devices and people). Only password checks pass through here: sessions are
never throttled, and nothing one user id gets wrong refuses another one.

Memory is bounded: records expire, and at most `max_records` of each kind are kept.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

KNOWN_USER_S = 24 * 3600.0  # a user id that signed in from an address is exempt from its lockout this long
CHECK_TIMEOUT_S = 30.0  # a password check claimed but never reported frees its record after this long
PURGE_EVERY_S = 60.0

K = TypeVar("K")
V = TypeVar("V")


@dataclass(frozen=True)
class ThrottleLimits:
    max_failures: int  # distinct wrong passwords for one user id from one address before its lockout
    window: float  # seconds after the last failure that a record is kept
    lockout: float
    delay: float  # wait after the first failure; doubles with each further one
    max_users: int  # failing user ids from one address before the address is locked out


class Verdict(Enum):
    CHECK = "check"  # check the password, then report failed() or succeeded()
    KNOWN_WRONG = "known wrong"  # this very password already failed: wrong, not counted again


class Throttled(Exception):
    """The check is refused for `retry_after` seconds."""

    def __init__(self, retry_after: float, message: str) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.message = message


@dataclass(frozen=True)
class Failure:
    """What one counted failure started."""

    user_locked: bool = False
    address_locked: bool = False
    users: int = 0  # user ids failing from the address, when it is locked out


@dataclass
class _UserRecord:
    """One user id at one address."""

    wrong: set[bytes] = field(default_factory=set)
    last_failure: float = 0.0
    wait_until: float = 0.0
    locked_until: float = 0.0
    checking_until: float = 0.0  # a check in progress: parallel guesses wait for its outcome

    def expires(self, window: float) -> float:
        return max(self.last_failure + window, self.wait_until, self.locked_until, self.checking_until)


@dataclass
class _AddressRecord:
    failed: dict[str, float] = field(default_factory=dict)  # user id -> time of its last failure
    signed_in: dict[str, float] = field(default_factory=dict)  # user id -> time of its last success
    locked_until: float = 0.0

    def expires(self, window: float) -> float:
        return max(max(self.failed.values(), default=0.0) + window,
                   max(self.signed_in.values(), default=0.0) + KNOWN_USER_S, self.locked_until)


def _retry(seconds: float) -> str:
    return f"try again in {_whole_seconds(seconds)} s"


def _whole_seconds(seconds: float) -> int:
    """Seconds rounded up, at least 1: the value of Retry-After."""
    whole = int(seconds)
    return max(whole + (whole < seconds), 1)


class SignInThrottle:
    def __init__(self, limits: ThrottleLimits, clock: Callable[[], float] = time.monotonic,
                 max_records: int = 10_000) -> None:
        self.limits = limits
        self.clock = clock
        self.max_records = max_records
        self._users: dict[tuple[str, str], _UserRecord] = {}
        self._addresses: dict[str, _AddressRecord] = {}
        self._purged_at = clock()
        self._lock = threading.Lock()

    def check(self, address: str, uid: str, key: bytes) -> Verdict:
        """Whether to check `uid`'s password (named by `key`) from `address`; raises Throttled when not."""
        now = self.clock()
        with self._lock:
            record = self._users.get((address, uid))
            if record is not None and record.expires(self.limits.window) <= now:
                del self._users[(address, uid)]
                record = None
            if record is not None and record.locked_until > now:
                raise Throttled(record.locked_until - now,
                                f"too many failed sign-ins as {uid!r} from {address}; "
                                f"{_retry(record.locked_until - now)}")
            if record is not None and key in record.wrong:
                return Verdict.KNOWN_WRONG
            spot = self._addresses.get(address)
            if spot is not None and spot.locked_until > now and not self._known(spot, uid, now):
                raise Throttled(spot.locked_until - now,
                                f"too many user ids tried from {address}; {_retry(spot.locked_until - now)}")
            if record is not None:
                wait = max(record.wait_until, record.checking_until) - now
                if wait > 0:
                    raise Throttled(wait, f"wrong password for {uid!r} from {address}: "
                                          f"wait before the next try; {_retry(wait)}")
                record.checking_until = now + CHECK_TIMEOUT_S
            return Verdict.CHECK

    def failed(self, address: str, uid: str, key: bytes) -> Failure:
        """Count a wrong password (once per distinct `key`); says which lockouts it started."""
        limits = self.limits
        now = self.clock()
        with self._lock:
            self._purge(now)
            record = self._users.pop((address, uid), None) or _UserRecord()
            self._users[(address, uid)] = record  # re-inserted: the dict stays in order of last use
            record.checking_until = 0.0
            if key in record.wrong:
                return Failure()
            record.wrong.add(key)
            record.last_failure = now
            user_locked = len(record.wrong) >= limits.max_failures
            if user_locked:
                record.locked_until = now + limits.lockout
                record.wait_until = 0.0
            else:
                record.wait_until = now + limits.delay * 2 ** (len(record.wrong) - 1)
            spot = self._address(address)
            spot.failed.pop(uid, None)
            spot.failed[uid] = now
            for name in [name for name, when in spot.failed.items() if when + limits.window <= now]:
                del spot.failed[name]
            address_locked = len(spot.failed) >= limits.max_users and spot.locked_until <= now
            if address_locked:
                spot.locked_until = now + limits.lockout
            return Failure(user_locked, address_locked, len(spot.failed) if address_locked else 0)

    def succeeded(self, address: str, uid: str) -> None:
        """A right password: forget the user id's failures there, and remember it signed in from there."""
        now = self.clock()
        with self._lock:
            self._purge(now)
            self._users.pop((address, uid), None)
            spot = self._address(address)
            spot.failed.pop(uid, None)
            spot.signed_in.pop(uid, None)
            spot.signed_in[uid] = now
            if len(spot.signed_in) > self.limits.max_users + 100:
                del spot.signed_in[next(iter(spot.signed_in))]

    def release(self, address: str, uid: str) -> None:
        """A claimed check that ended with neither outcome (an error): let the next one go ahead."""
        with self._lock:
            record = self._users.get((address, uid))
            if record is not None:
                record.checking_until = 0.0

    def record_counts(self) -> tuple[int, int]:
        """(user records, address records) held."""
        with self._lock:
            return len(self._users), len(self._addresses)

    def _known(self, spot: _AddressRecord, uid: str, now: float) -> bool:
        return spot.signed_in.get(uid, -KNOWN_USER_S) + KNOWN_USER_S > now

    def _address(self, address: str) -> _AddressRecord:
        spot = self._addresses.pop(address, None) or _AddressRecord()
        self._addresses[address] = spot
        return spot

    def _purge(self, now: float) -> None:
        """Drop expired records (once a minute, or when full), then the least recently used over the cap."""
        full = len(self._users) >= self.max_records or len(self._addresses) >= self.max_records
        if not full and now - self._purged_at < PURGE_EVERY_S:
            return
        self._purged_at = now
        window = self.limits.window
        for user_key in [k for k, r in self._users.items() if r.expires(window) <= now]:
            del self._users[user_key]
        for address in [a for a, r in self._addresses.items() if r.expires(window) <= now]:
            del self._addresses[address]
        _trim(self._users, self.max_records - 1)
        _trim(self._addresses, self.max_records - 1)


def _trim(records: dict[K, V], size: int) -> None:
    """Keep the `size` most recently used of `records` (kept in order of use)."""
    while len(records) > size:
        del records[next(iter(records))]
