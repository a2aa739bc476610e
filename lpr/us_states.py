"""A US plate's state, from the name printed on it.

Under `auto` (or the `US` group) a US plate's serial is explained by every state's formats and by the loose
vanity format, and where two states' formats read a look-alike differently the recogniser's belief alone
decides: a Massachusetts 0VEU15 (N LLL NN) read with 0.87 on the O fits Florida's LLL LNN as OVEU15. The plate
says which it is: the state's name is printed above or below the number (lpr.char_line cuts it off before the
number is read). `named_state` finds a state's name in what the recogniser read there, allowing a misread
letter or two in a long name; the name found with the fewest edits, then the longest, wins (WEST VIRGINIA
over VIRGINIA, ARKANSAS over KANSAS). "Washington, D.C." reads as Washington: DC has no format of its own here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from lpr.plate_formats import PlateFormat, each_match, formats_for
from lpr.plate_reader import LineRead
from lpr.plate_shape import is_north_american
from lpr.regions import AUTO, FREE_US, US_GROUP

STATE_NAMES: dict[str, str] = {
    "AK": "ALASKA", "AL": "ALABAMA", "AR": "ARKANSAS", "AZ": "ARIZONA", "CA": "CALIFORNIA", "CO": "COLORADO",
    "CT": "CONNECTICUT", "DE": "DELAWARE", "FL": "FLORIDA", "GA": "GEORGIA", "HI": "HAWAII", "IA": "IOWA",
    "ID": "IDAHO", "IL": "ILLINOIS", "IN": "INDIANA", "KS": "KANSAS", "KY": "KENTUCKY", "LA": "LOUISIANA",
    "MA": "MASSACHUSETTS", "MD": "MARYLAND", "ME": "MAINE", "MI": "MICHIGAN", "MN": "MINNESOTA",
    "MO": "MISSOURI", "MS": "MISSISSIPPI", "MT": "MONTANA", "NC": "NORTH CAROLINA", "ND": "NORTH DAKOTA",
    "NE": "NEBRASKA", "NH": "NEW HAMPSHIRE", "NJ": "NEW JERSEY", "NM": "NEW MEXICO", "NV": "NEVADA",
    "NY": "NEW YORK", "OH": "OHIO", "OK": "OKLAHOMA", "OR": "OREGON", "PA": "PENNSYLVANIA",
    "RI": "RHODE ISLAND", "SC": "SOUTH CAROLINA", "SD": "SOUTH DAKOTA", "TN": "TENNESSEE", "TX": "TEXAS",
    "UT": "UTAH", "VA": "VIRGINIA", "VT": "VERMONT", "WA": "WASHINGTON", "WI": "WISCONSIN",
    "WV": "WEST VIRGINIA", "WY": "WYOMING",
}


def allowed_edits(name: str) -> int:
    """Misread letters a name may have and still be found: none in a short name (OHIO, UTAH, IDAHO would be
    found in too much else), one up to nine letters, two in a longer one."""
    return 0 if len(name) <= 5 else 1 if len(name) <= 9 else 2


def named_state(text: str) -> str | None:
    """The code of the state whose name (spaces left out) `text` holds, allowing allowed_edits misread, missing
    or extra letters; of several, the one found with the fewest edits (NORTH CAROLINA is two from SOUTH
    CAROLINA), then the longest; None if it holds none."""
    letters = "".join(c for c in text.upper() if "A" <= c <= "Z")
    found: list[tuple[int, int, str]] = []
    for code, name in STATE_NAMES.items():
        key = name.replace(" ", "")
        if len(letters) < len(key) - allowed_edits(key):
            continue
        edits = edits_within(key, letters)
        if edits <= allowed_edits(key):
            found.append((edits, -len(key), code))
    return min(found)[2] if found else None


def edits_within(pattern: str, text: str) -> int:
    """The fewest letters to change, insert or delete to find `pattern` somewhere in `text` (Sellers)."""
    previous = list(range(len(pattern) + 1))  # column for text[:0]: pattern[:i] against nothing
    best = previous[-1]
    for t in text:
        current = [0]  # a match may start anywhere in the text
        for i, p in enumerate(pattern, 1):
            current.append(min(previous[i] + 1, current[i - 1] + 1, previous[i - 1] + (p != t)))
        best = min(best, current[-1])
        previous = current
    return best


# A read's US formats disagree when two of them, each scoring within STATE_MARGIN of the best of them, make
# different texts of it: about what a format may pay for a look-alike (1/270 of the read's probability, 5.6;
# lpr.plate_formats.LOOSE_SLOT).
STATE_MARGIN = 6.0


def us_formats(formats: Sequence[PlateFormat]) -> list[PlateFormat]:
    """The US states' formats (and the loose vanity one) among `formats`."""
    return [f for f in formats if is_north_american(f.name)]


def configured(code: str, regions: Iterable[str]) -> bool:
    """Whether an installation's regions (lpr_regions) take in the state `code`: auto, the US group or the
    state itself."""
    return bool({AUTO.upper(), US_GROUP, f"{US_GROUP}-{code}"} & {r.strip().upper() for r in regions})


def states_disagree(line: LineRead, us: Sequence[PlateFormat], best: float, hangul_readable: bool) -> bool:
    """Whether the state would change the read: the US formats explain it about as well as the best format
    (`best`, its score) and not all the same way (OVEU15 under Florida's LLL LNN, 0VEU15 under Massachusetts'
    N LLL NN)."""
    matches = each_match(line.chars, us, line.alphabet, hangul_readable)
    if not matches:
        return False
    top = max(m.score for m in matches)
    if top < best - STATE_MARGIN:
        return False
    return len({m.text for m in matches if m.score >= top - STATE_MARGIN}) > 1


def state_formats(code: str) -> list[PlateFormat]:
    """A state's formats and the vanity format every state issues."""
    return [*formats_for([f"{US_GROUP}-{code}"]), PlateFormat.parse(US_GROUP, FREE_US)]
