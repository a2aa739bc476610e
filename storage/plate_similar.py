"""Similar plate numbers: the distinct plate keys held in memory, ranked against a query by edit
distance in which easily confused characters (0/O, 1/I, 8/B, 5/S, 2/Z) cost less.

The keys are loaded once per database and topped up with rows whose id is above the last one
seen, so plates inserted by any process appear at the next query; when the oldest rows have been
deleted (retention) everything is reloaded so that purged plates stop being suggested.

A query compares against candidates only: a key within k edits of a query shares at least
(distinct bigrams of the query - 2k) bigrams with it, so a bigram -> keys index narrows a million
keys to a few hundred; queries too short for that bound scan every key with rapidfuzz.
"""

from __future__ import annotations

import threading
import weakref
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from storage.db import Database
from storage.models import PlateRead

CONFUSABLE = str.maketrans("OIBSZ", "01852")
LOAD_BATCH = 50_000
TABLE = PlateRead.__tablename__


def normalized(key: str) -> str:
    return key.translate(CONFUSABLE)


def bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def max_edits(key: str) -> int:
    """How many real edits still count as similar: 1 up to 5 characters, 2 up to 9, then 3..."""
    return max(1, (len(key) + 2) // 4)


def similarity_cost(query: str, query_norm: str, key: str, key_norm: str) -> int:
    """2 per real edit + 1 per changed character: a confusable swap costs 1, any other 3."""
    return 2 * Levenshtein.distance(query_norm, key_norm) + Levenshtein.distance(query, key)


@dataclass(frozen=True)
class SimilarPlate:
    plate_no: str  # as most recently read
    key: str
    cost: int


class PlateIndex:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = threading.Lock()
        self._reset()

    def __len__(self) -> int:
        return len(self._keys)

    def _reset(self) -> None:
        self._slot: dict[str, int] = {}  # plate key -> position in the lists below
        self._keys: list[str] = []
        self._norms: list[str] = []
        self._shown: list[str] = []  # plate_no of the newest read of each key
        self._postings: dict[str, array[int]] = {}  # bigram of a normalized key -> positions
        self._last_id = 0
        self._first_id: int | None = None

    def _add_rows(self, rows: Iterable[tuple[int, str, str]]) -> None:
        slot, keys, norms, shown, postings = self._slot, self._keys, self._norms, self._shown, self._postings
        for _row_id, key, plate_no in rows:
            position = slot.get(key)
            if position is not None:
                shown[position] = plate_no
                continue
            if not key:
                continue
            position = slot[key] = len(keys)
            keys.append(key)
            norm = key.translate(CONFUSABLE)
            norms.append(key if norm == key else norm)
            shown.append(plate_no)
            for gram in bigrams(norm):
                if gram in postings:
                    postings[gram].append(position)
                else:
                    postings[gram] = array("l", (position,))

    def refresh(self) -> None:
        """Load the rows added since the last call (all rows the first time)."""
        with self.db.engine.connect() as conn:
            cursor = conn.connection.cursor()  # plain DB-API rows: a million of them load in about a second
            try:
                cursor.execute(f"SELECT min(id) FROM {TABLE}")
                row = cursor.fetchone()  # min() always gives one row
                first_id = row[0] if row is not None else None
                if self._first_id is not None and first_id != self._first_id:
                    self._reset()  # the oldest rows were deleted
                cursor.execute(f"SELECT id, plate_key, plate_no FROM {TABLE} WHERE id > {int(self._last_id)} "
                               "ORDER BY id")
                while rows := cursor.fetchmany(LOAD_BATCH):
                    self._add_rows(rows)
                    self._last_id = rows[-1][0]
                    if self._first_id is None:
                        self._first_id = first_id
            finally:
                cursor.close()
            conn.rollback()

    def _candidates(self, norm: str, edits: int) -> list[tuple[str, int]]:
        """(normalized key, position) of every key within `edits` of `norm`."""
        grams = bigrams(norm)
        needed = len(grams) - 2 * edits
        if needed <= 0:
            matches = process.extract(norm, self._norms, scorer=Levenshtein.distance, score_cutoff=edits,
                                      limit=None)
            return [(cand, i) for cand, _distance, i in matches]
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(self._postings.get(gram, ()))
        norms = self._norms
        return [(norms[i], i) for i, n in shared.items()
                if n >= needed and Levenshtein.distance(norm, norms[i], score_cutoff=edits) <= edits]

    def similar(self, key: str, limit: int) -> list[SimilarPlate]:
        """Up to `limit` distinct plates closest to `key` (a plate_key()), best first."""
        norm = normalized(key)
        with self._lock:
            self.refresh()
            found = [SimilarPlate(self._shown[i], self._keys[i], similarity_cost(key, norm, self._keys[i], cand))
                     for cand, i in self._candidates(norm, max_edits(key))]
        found.sort(key=lambda p: (p.cost, p.key))
        return found[:limit]


_indexes: weakref.WeakKeyDictionary[Database, PlateIndex] = weakref.WeakKeyDictionary()
_indexes_lock = threading.Lock()


def plate_index(db: Database) -> PlateIndex:
    """The index of `db`; calling refresh() on it early (e.g. at start-up) saves the first query the load."""
    with _indexes_lock:
        index = _indexes.get(db)
        if index is None:
            index = _indexes[db] = PlateIndex(db)
        return index


def similar_plates(db: Database, key: str, limit: int) -> list[SimilarPlate]:
    return plate_index(db).similar(key, limit)
