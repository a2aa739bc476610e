"""Plate formats by region: region code -> named patterns (the data lpr.plate_formats matches reads against).

A pattern is a sequence of character classes: `L` a letter, `N` a digit, `A` a letter or a digit (the rules
leave the position free), `H` a Hangul syllable, `[...]` one of the characters listed (where a country uses
only some letters), each optionally with a count `{n}` or `{m,n}`. Spaces and dashes are only for reading.
A position is `L` or `N` only where the country's rules fix it: a look-alike (O/0, I/1, B/8...) is settled in
`L` and `N` positions and never in `A` ones. Where a country's serials are
free (Germany's and Austria's lengths, county-coded and mixed US serials, personalised plates), the pattern
stays loose and says only what the rules fix (Germany: letters, then digits). Where a plate begins with a code
from a short closed list (Spain's provinces until 2000, Croatia's cities, Switzerland's cantons, Romania's
counties, Slovenia's districts), only those codes fit (see coded).

Each region lists its current standard passenger formats and older series still common on the road. Sources:
each country's or state's registration rules as summarised by the Wikipedia articles "Vehicle registration
plates of <country>" and "United States license plate designs and serial formats" (2024-2025 revisions).
docs/lpr-formats.md lists every region with an example plate.
"""

from __future__ import annotations

Format = tuple[str, str, str]  # (name, pattern, an example plate)

# Bulgaria: only the 12 letters that look alike in Cyrillic and Latin
BG_LETTER = "[ABCEHKMOPTXY]"
# Poland: a serial never uses B, D, I, O or Z, which look like 8, 0, 1, 0 and 2
PL_SERIAL_LETTER = "[ACEFGHJKLMNPQRSTUVWXY]"
# Czechia: the 14 regions' letters
CZ_REGION = "[ABCEHJKLMPSTUZ]"
# Czechia: a serial's third place is a digit or a letter, but never G, O, Q or W (like C and 0)
CZ_SERIES = "[0123456789ABCDEFHIJKLMNPRSTUVXYZ]"
# Spain since 2000: consonants only, without Q (and Ñ)
ES_LETTER = "[BCDFGHJKLMNPRSTVWXYZ]"
# France (SIV): never I, O or U
FR_LETTER = "[ABCDEFGHJKLMNPQRSTVWXYZ]"
# Great Britain: never I or Q
GB_LETTER = "[ABCDEFGHJKLMNOPRSTUVWXYZ]"
# Greece: only the 14 Greek capitals that look like Latin ones
GR_LETTER = "[ABEHIKMNOPTXYZ]"
# Italy: never I, O, Q or U
IT_LETTER = "[ABCDEFGHJKLMNPRSTVWXYZ]"
# the Netherlands (cars): no vowels, nor C or Q (like 0), W (trailers) or Y
NL_LETTER = "[BDFGHJKLMNPRSTVXZ]"
# Sweden: never I, Q or V (nor Å, Ä, Ö)
SE_LETTER = "[ABCDEFGHJKLMNOPRSTUWXYZ]"
# Ukraine: only the 12 Cyrillic capitals that look like Latin ones
UA_LETTER = "[ABCEHIKMOPTX]"
# Russia: only the 12 Cyrillic capitals that look like Latin ones
RU_LETTER = "[ABCEHKMOPTXY]"

# Spain until 2000: the province's code, from a closed list (A Alicante, AB Albacete ... ZA Zamora)
ES_PROVINCES = ("A AB AL AV B BA BI BU C CA CC CE CO CR CS CU GC GE GI GR GU H HU IB J L LE LO LU M MA ML MU NA O OR "
                "OU P PM PO S SA SE SG SO SS T TE TF TO V VA VI Z ZA")
# Croatia: the city's code, from a closed list (BJ Bjelovar ... ZU Zupanja; C, S, Z also for Č, Š, Ž)
HR_CITIES = "BJ BM CK DA DE DJ DU GS IM KA KC KR KT KZ MA NA NG OG OS PS PU PZ RI SB SI SK SL ST VK VT VU VZ ZD ZG ZU"

# Switzerland: the canton's code
CH_CANTONS = "AG AI AR BE BL BS FR GE GL GR JU LU NE NW OW SG SH SO SZ TG TI UR VD VS ZG ZH"
# Romania: the county's code (B Bucharest)
RO_COUNTIES = ("AB AG AR B BC BH BN BR BT BV BZ CJ CL CS CT CV DB DJ GJ GL GR HD HR IF IL IS MH MM MS NT OT PH SB SJ "
               "SM SV TL TM TR VL VN VS")
# Slovenia: the district's code
SI_DISTRICTS = "CE GO KK KP KR LJ MB MS NM PO SG"


def coded(name: str, codes: str, rest: str, example: str) -> tuple[Format, ...]:
    """The formats of a plate that begins with one of `codes` (one or two letters each, separated by spaces), then
    `rest`: one per first letter of the two-letter codes and one for the one-letter codes, so that only real codes
    fit (Croatia's LL NNNN LL explained a Slovak RK 346AL read with its coat of arms as a 3; a closed list does
    not). Each with an example: its first code, then `example`."""
    listed = codes.split()
    singles = "".join(c for c in listed if len(c) == 1)
    firsts: dict[str, str] = {}
    for code in listed:
        if len(code) == 2:
            firsts[code[0]] = firsts.get(code[0], "") + code[1]
    out = [(name, f"[{singles}] {rest}", f"{singles[0]}{example}")] if singles else []
    out += [(name, f"[{first}][{second}] {rest}", f"{first}{second[0]}{example}") for first, second in firsts.items()]
    return tuple(out)


# Europe. Sources per country: "Vehicle registration plates of <country>".
EUROPE: dict[str, tuple[Format, ...]] = {
    # district L{1,2}, then 3 to 6 letters and digits in either order (numbers + letters or personalised)
    "AT": (("AT", "L{1,2} A{3,6}", "W12345X"),),
    # since 2010: a digit, three letters, three digits (1-ABC-123); 1973-2010: ABC-123
    "BE": (("BE", "N-LLL-NNN", "1ABC123"), ("BE-1973", "LLL-NNN", "ABC123")),
    # province L{1,2}, four digits, series L{1,2} (CA 1234 AB)
    "BG": (("BG", f"{BG_LETTER}{{1,2}} NNNN {BG_LETTER}{{1,2}}", "CA1234AB"),),
    # canton, then 1 to 6 digits (ZH 123456)
    "CH": coded("CH", CH_CANTONS, "N{1,6}", "123456"),
    # a digit, the region's letter, then a letter or a digit (never G, O, Q or W), then four digits (1A2 3456)
    "CZ": (("CZ", f"N{CZ_REGION}{CZ_SERIES} NNNN", "1A23456"),),
    # district L{1,3}, letters L{1,2}, 1 to 4 digits: free length. (The E of electric and H of historic cars
    # after the digits are left out: a pattern cannot say "E or H", and any letter there would fit too much.)
    "DE": (("DE", "L{1,3} L{1,2} N{1,4}", "BMW1234"),),
    # AB 12 345
    "DK": (("DK", "LL NN NNN", "AB12345"),),
    # 123 ABC
    "EE": (("EE", "NNN LLL", "123ABC"),),
    # since 2000: 1234 ABC; provincial series until 2000: M 1234 AB
    "ES": (("ES", f"NNNN {ES_LETTER}{{3}}", "1234BCD"), *coded("ES-provincial", ES_PROVINCES, "NNNN L{1,2}", "1234AB")),
    # ABC-123 (shorter series L{2,3}-N{1,3} still exist)
    "FI": (("FI", "L{2,3} N{1,3}", "ABC123"),),
    # SIV since 2009: AB-123-CD; FNI until 2009, still on older cars: 1234 AB 56
    "FR": (("FR", f"{FR_LETTER}{{2}}-NNN-{FR_LETTER}{{2}}", "AB123CD"), ("FR-FNI", "N{1,4} L{2,3} NN", "1234AB56")),
    # current since 2001: AB12 CDE; prefix 1983-2001: A123 BCD; Northern Ireland: ABZ 1234
    "GB": (
        ("GB", f"{GB_LETTER}{{2}}NN {GB_LETTER}{{3}}", "AB12CDE"),
        ("GB-prefix", "L N{1,3} LLL", "A123BCD"),
        ("GB-NI", "LLL N{1,4}", "ABZ1234"),
    ),
    # ABC-1234 (Greek letters that look Latin)
    "GR": (("GR", f"{GR_LETTER}{{3}}-NNNN", "ABE1234"),),
    # city LL, three or four digits, one or two letters (ZG 1234-AB)
    "HR": coded("HR", HR_CITIES, "N{3,4} L{1,2}", "1234AB"),
    # since 2022: AA BC-123; 1990-2022: ABC-123
    "HU": (("HU", "LL LL-NNN", "AABC123"), ("HU-1990", "LLL-NNN", "ABC123")),
    # year NN or NNN, county L{1,2}, 1 to 6 digits (191-D-12345)
    "IE": (("IE", "N{2,3}-L{1,2}-N{1,6}", "191D12345"),),
    # AB 123 CD
    "IT": (("IT", f"{IT_LETTER}{{2}} NNN {IT_LETTER}{{2}}", "AB123CD"),),
    # ABC 123
    "LT": (("LT", "LLL NNN", "ABC123"),),
    # AB 1234 (and L 1234)
    "LU": (("LU", "L{1,2} NNNN", "AB1234"),),
    # AB-1234
    "LV": (("LV", "LL-N{1,4}", "AB1234"),),
    # sidecodes 4 to 14 (1978 onwards)
    "NL": (
        ("NL-4", f"{NL_LETTER}{{2}}-NN-{NL_LETTER}{{2}}", "BD12FG"),
        ("NL-5", f"{NL_LETTER}{{2}}-{NL_LETTER}{{2}}-NN", "BDFG12"),
        ("NL-6", f"NN-{NL_LETTER}{{2}}-{NL_LETTER}{{2}}", "12BDFG"),
        ("NL-7", f"NN-{NL_LETTER}{{3}}-N", "12BDF3"),
        ("NL-8", f"N-{NL_LETTER}{{3}}-NN", "1BDF23"),
        ("NL-9", f"{NL_LETTER}{{2}}-NNN-{NL_LETTER}", "BD123F"),
        ("NL-10", f"{NL_LETTER}-NNN-{NL_LETTER}{{2}}", "B123DF"),
        ("NL-11", f"{NL_LETTER}{{3}}-NN-{NL_LETTER}", "BDF12G"),
        ("NL-12", f"{NL_LETTER}-NN-{NL_LETTER}{{3}}", "B12DFG"),
        ("NL-13", f"N-{NL_LETTER}{{2}}-NNN", "1BD234"),
        ("NL-14", f"NNN-{NL_LETTER}{{2}}-N", "123BD4"),
    ),
    # AB 12345
    "NO": (("NO", "LL NNNNN", "AB12345"),),
    # district LL or LLL, then a serial whose common forms are these
    "PL": (
        ("PL", "LL NNNNN", "WA12345"),
        ("PL-4", f"LL NNNN{PL_SERIAL_LETTER}", "WA1234K"),
        ("PL-3", "LLL NNNN", "WPR1234"),
        ("PL-3L", f"LLL NNN{PL_SERIAL_LETTER}{{2}}", "KRA123AC"),
    ),
    # 2020: AB-12-CD; 2005: 12-AB-34; 1992: 12-34-AB; 1937: AB-12-34
    "PT": (
        ("PT", "LL-NN-LL", "AB12CD"),
        ("PT-2005", "NN-LL-NN", "12AB34"),
        ("PT-1992", "NN-NN-LL", "1234AB"),
        ("PT-1937", "LL-NN-NN", "AB1234"),
    ),
    # county L{1,2} (B: Bucharest), two digits (three in Bucharest), three letters (CJ 12 ABC)
    "RO": coded("RO", RO_COUNTIES, "N{2,3} LLL", "12ABC"),
    # a letter, three digits, two letters, then the region's code of two or three digits (A 123 BC 77)
    "RU": (("RU", f"{RU_LETTER} NNN {RU_LETTER}{{2}} N{{2,3}}", "A123BC77"),),
    # ABC 123; since 2019 the last may be a letter: ABC 12D
    "SE": (("SE", f"{SE_LETTER}{{3}} NNA", "ABC12D"),),
    # city LL, then a serial of letters and digits in several arrangements (LJ AB-123, LJ 12-34A): free
    "SI": coded("SI", SI_DISTRICTS, "A{4,6}", "AB123"),
    # district LL (since 2023 any two letters), three digits, two letters; the coat of arms after the district,
    # no gap in the serial (BA 123AB)
    "SK": (("SK", "LL NNNLL", "BA123AB"),),
    # province NN, then L NNNN, LL NNN(N) or LLL NN(N) (34 ABC 123)
    "TR": (("TR", "NN L{1,3} N{2,4}", "34ABC123"),),
    # region LL, four digits, series LL (AA 1234 BB)
    "UA": (("UA", f"{UA_LETTER}{{2}} NNNN {UA_LETTER}{{2}}", "AA1234BB"),),
}

# US states: the current standard passenger serials and the previous one where it is still common. Source:
# "United States license plate designs and serial formats". Vanity plates (up to 7 or 8 characters of any
# kind) are on the road in every state: the US group keeps a loose A{2,8} for them. States whose serials are
# county-coded or mixed (a letter or digit at the same place) have only a loose pattern.
FREE_US = "A{2,8}"
US_STATES: dict[str, tuple[Format, ...]] = {
    "AK": (("US-AK", "LLL NNN", "ABC123"),),
    "AL": (("US-AL", FREE_US, "1A2345B"),),  # county-coded: 1A2345B, 12A345B...
    "AR": (("US-AR", "LLL NNL", "ABC12D"), ("US-AR-old", "NNN LLL", "123ABC")),
    "AZ": (("US-AZ", "LLL NNNN", "ABC1234"), ("US-AZ-free", FREE_US, "A1B2C3")),  # newer serials mix letters and digits
    "CA": (("US-CA", "N LLL NNN", "1ABC234"),),
    "CO": (("US-CO", FREE_US, "ABCD12"),),  # several mixed series (ABC-123, ABC-D12, BNN-...)
    "CT": (("US-CT", "LL NNNNN", "AB12345"), ("US-CT-old", "N LLL NN", "1ABC23")),
    "DC": (("US-DC", "LL-NNNN", "AB1234"),),
    "DE": (("US-DE", "N{1,6}", "123456"),),
    "FL": (("US-FL", "LLL LNN", "ABCD12"), ("US-FL-old", "NNN LLL", "123ABC")),
    "GA": (("US-GA", "LLL NNNN", "ABC1234"),),
    "HI": (("US-HI", "LLL NNN", "ABC123"),),
    "IA": (("US-IA", "LLL NNN", "ABC123"),),
    "ID": (("US-ID", FREE_US, "1A23456"),),  # county-coded: 1A 23456, A 123456
    "IL": (("US-IL", "LL NNNNN", "AB12345"), ("US-IL-old", "L NN NNNN", "A123456")),
    "IN": (("US-IN", FREE_US, "123ABC"),),  # several series (123ABC, 123A, 1234AB)
    "KS": (("US-KS", "NNN LLL", "123ABC"),),
    "KY": (("US-KY", FREE_US, "123ABC"),),  # mixed series
    "LA": (("US-LA", "NNN LLL", "123ABC"),),
    "MA": (("US-MA", "N LLL NN", "1ABC23"), ("US-MA-old", "NNN LLN", "123AB4")),
    "MD": (("US-MD", "N LL NNNN", "1AB2345"),),
    "ME": (("US-ME", "NNNN LL", "1234AB"),),
    "MI": (("US-MI", "LLL NNNN", "ABC1234"),),
    "MN": (("US-MN", "LLL NNN", "ABC123"), ("US-MN-old", "NNN LLL", "123ABC")),
    "MO": (("US-MO", "LLN LNL", "AB1C2D"),),
    "MS": (("US-MS", "LLL NNNN", "ABC1234"),),
    "MT": (("US-MT", FREE_US, "112345A"),),  # county-coded: 1-12345A
    "NC": (("US-NC", "LLL NNNN", "ABC1234"),),
    "ND": (("US-ND", "NNN LLL", "123ABC"),),
    # county-coded outside the largest counties
    "NE": (
        ("US-NE", "LLL NNN", "ABC123"),
        ("US-NE-county", FREE_US, "1A2345"),
    ),
    "NH": (("US-NH", "NNN NNNN", "1234567"),),
    "NJ": (("US-NJ", "LNN LLL", "A12BCD"),),
    "NM": (("US-NM", FREE_US, "ABC123"),),  # mixed series
    "NV": (("US-NV", FREE_US, "123A45"),),  # mixed series
    "NY": (("US-NY", "LLL NNNN", "ABC1234"),),
    "OH": (("US-OH", "LLL NNNN", "ABC1234"),),
    "OK": (("US-OK", "LLL NNN", "ABC123"), ("US-OK-new", "LLL NNNN", "ABC1234")),
    "OR": (("US-OR", "NNN LLL", "123ABC"), ("US-OR-alt", "LLL NNN", "ABC123")),
    "PA": (("US-PA", "LLL NNNN", "ABC1234"),),
    "RI": (("US-RI", "N{1,6}", "123456"), ("US-RI-letters", "LL NNN", "AB123")),
    "SC": (("US-SC", "LLL NNN", "ABC123"),),
    "SD": (("US-SD", FREE_US, "1A2345"),),  # county-coded: 1A2 345
    "TN": (("US-TN", "LLL NNNN", "ABC1234"), ("US-TN-old", "NNN LLL", "123ABC")),
    "TX": (("US-TX", "LLL NNNN", "ABC1234"),),
    "UT": (("US-UT", FREE_US, "A123BC"),),  # mixed series
    "VA": (("US-VA", "LLL NNNN", "ABC1234"),),
    "VT": (("US-VT", "LLL NNN", "ABC123"),),
    "WA": (("US-WA", "LLL NNNN", "ABC1234"),),
    "WI": (("US-WI", "LLL NNNN", "ABC1234"),),
    "WV": (("US-WV", FREE_US, "1AB234"),),  # month-coded first character: 1AB234, O12345...
    "WY": (("US-WY", FREE_US, "112345"),),  # county-coded: 1-12345
}

OTHER: dict[str, tuple[Format, ...]] = {
    # Brazil: 1990s series LLL-NNNN; Mercosul since 2018 LLLNLNN (printed without a gap)
    "BR": (("BR", "LLL NNNN", "ABC1234"), ("BR-Mercosul", "LLLNLNN", "BRA2E19")),
    # Argentina: 1995-2016 LLL NNN; Mercosul since 2016 LL NNN LL
    "AR": (("AR", "LLL NNN", "ABC123"), ("AR-Mercosul", "LL NNN LL", "AB123CD")),
    # South Korea: 12가 3456, since 2019 123가 4567 (the gap after the syllable); old regional two-line plates
    # 서울 12 가 3456
    "KR": (
        ("KR", "NNH NNNN", "12가3456"),
        ("KR-3", "NNNH NNNN", "123가4567"),
        ("KR-regional", "HH NN H NNNN", "서울12가3456"),
    ),
}

AUTO = "auto"
EU_GROUP = "EU"
US_GROUP = "US"


def _regions() -> dict[str, tuple[Format, ...]]:
    out: dict[str, tuple[Format, ...]] = {**EUROPE, **OTHER}
    out[EU_GROUP] = tuple(f for code in EUROPE for f in EUROPE[code])
    for state, formats in US_STATES.items():
        out[f"US-{state}"] = formats
    out[US_GROUP] = (("US", FREE_US, "LUV2SURF"), *(f for formats in US_STATES.values() for f in formats))
    return out


# every region code a setting may name (besides `auto`): the countries, the US-XX states, and the EU and US
# groups
REGIONS: dict[str, tuple[Format, ...]] = _regions()

# `auto`: every format once, European ones first (a pattern several regions share is named after the first)
AUTO_REGIONS: tuple[str, ...] = (*EUROPE, "BR", "AR", "KR", US_GROUP)
