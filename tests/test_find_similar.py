"""GET /api/find?what=similarCarNo: confusable characters rank above real substitutions, plates
appear once, new rows are seen at the next query, purged ones disappear."""

from __future__ import annotations

import pytest
from sqlalchemy import delete

from storage.models import PlateRead
from storage.plate_similar import max_edits, similarity_cost
from storage.plates import add_plate


def similar(client, keyword: str, **params) -> list[str]:
    r = client.get("/api/find", params={"what": "similarCarNo", "keyword": keyword, **params})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def pushed(runtime):
    def push(*plates: str) -> None:
        for i, plate in enumerate(plates):
            add_plate(runtime.db, plate, 1_700_000_000_000 + i, 1_700_000_000_000 + i)

    return push


def test_confusable_variant_ranks_above_a_real_substitution(admin, pushed):
    pushed("ABC1284",   # one real substitution (3 -> 8)
           "A8C1234",   # B read as 8
           "XYZ9876",   # nothing alike
           "ABC1234",   # the plate itself
           "A8C1Z34")   # two confusables
    assert similar(admin, "ABC1234") == ["ABC1234", "A8C1234", "A8C1Z34", "ABC1284"]


def test_confusables_both_ways_and_case_and_separators(admin, pushed):
    pushed("0O1I8B", "5S2Z00", "12 가 3456")
    assert similar(admin, "oo1l8b")[0] == "0O1I8B"  # o->O, l is a real edit
    assert similar(admin, "OOI18B") == ["0O1I8B"]  # O/0 and I/1 and 8/B swapped: still the nearest
    assert similar(admin, "S5Z2OO") == ["5S2Z00"]
    assert similar(admin, "12-가-3456") == ["12 가 3456"]  # shown as read; compared without separators


def test_each_plate_once_shown_as_most_recently_read(admin, pushed):
    pushed("ab-123", "AB123", "AB 123")
    assert similar(admin, "AB123") == ["AB 123"]


def test_new_rows_are_seen_at_the_next_query(admin, pushed):
    pushed("NEW1000")
    assert similar(admin, "NEW1001") == ["NEW1000"]
    pushed("NEW1001", "NEW1002")
    assert similar(admin, "NEW1001") == ["NEW1001", "NEW1000", "NEW1002"]


def test_purged_plates_are_no_longer_suggested(admin, runtime, pushed):
    pushed("OLD7777", "OLD7778")
    assert similar(admin, "OLD7777") == ["OLD7777", "OLD7778"]
    with runtime.db.write() as s:
        s.execute(delete(PlateRead).where(PlateRead.plate_no == "OLD7777"))
    assert similar(admin, "OLD7777") == ["OLD7778"]


def test_max_count_and_cutoff(admin, pushed):
    pushed(*[f"CAR{n:04d}" for n in range(100)])
    assert len(similar(admin, "CAR0050")) == 50  # the default
    assert similar(admin, "CAR0050", maxCount=3) == ["CAR0050", "CAR0000", "CAR0010"]  # ties: A to Z
    assert len(similar(admin, "CAR0050", maxCount=100000)) == 100  # capped at find_max_count, all 100 near
    assert similar(admin, "ZZZZ999") == []


def test_cost_and_cutoff_rules():
    assert similarity_cost("ABC", "A8C", "A8C", "A8C") == 1
    assert similarity_cost("ABC", "A8C", "AXC", "AXC") == 3
    assert [max_edits("x" * n) for n in (1, 3, 5, 6, 7, 9, 10)] == [1, 1, 1, 2, 2, 2, 3]


def test_rights_and_bad_input(client, admin, add_user, pushed):
    pushed("ABC1234")
    playback = add_user("pb", rights="Remote,Playback")
    r = client.get("/api/find", params={"what": "similarCarNo", "keyword": "ABC1234", "auth": playback})
    assert r.status_code == 403
    for params in ({}, {"keyword": ""}, {"keyword": " - "}, {"keyword": "A" * 33}, {"keyword": "A", "maxCount": "x"},
                   {"keyword": "A", "maxCount": "-2"}):
        r = admin.get("/api/find", params={"what": "similarCarNo", **params})
        assert r.status_code == 400 and r.json()["code"] == 400, params
    assert similar(admin, "%_'") == []
    assert similar(admin, "ABC1234") == ["ABC1234"]


def test_the_bigram_shortcut_finds_exactly_what_a_full_scan_finds(runtime):
    """Candidates through the bigram index equal a brute-force comparison with every key."""
    import random
    import string

    from rapidfuzz.distance import Levenshtein

    from storage.plate_similar import PlateIndex, normalized
    from storage.plates import plate_key

    rng = random.Random(11)
    alphabet = "0O1I8B5S2Z" + string.ascii_uppercase[:6] + "379"
    plates = ["".join(rng.choices(alphabet, k=rng.randint(2, 9))) for _ in range(3000)]
    with runtime.db.write() as s:
        for i, plate in enumerate(plates):
            s.add(PlateRead(plate_no=plate, plate_key=plate_key(plate), begin_ms=i, end_ms=i))
    index = PlateIndex(runtime.db)
    index.refresh()
    keys = sorted(set(plates))
    assert len(index) == len(keys)
    for query in [*rng.sample(plates, 60), "1111111", "OOOO", "A", "AB", "ZZZZZZZZZZZZ"]:
        norm = normalized(query)
        edits = max_edits(query)
        expected = {k for k in keys if Levenshtein.distance(norm, normalized(k)) <= edits}
        assert {index._keys[i] for _cand, i in index._candidates(norm, edits)} == expected, query
