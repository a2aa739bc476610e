"""Plate formats by region: region code -> named patterns (the data lpr.plate_formats matches reads against).

A pattern is a sequence of character classes: `L` a letter, `N` a digit, `A` a letter or a digit (the rules
leave the position free), `H` a Hangul syllable, each optionally with a count `{n}` or `{m,n}`. Spaces and
dashes are only for reading. A position is `L` or `N` only where the country's rules fix it: a look-alike
(O/0, I/1, B/8...) is settled in `L` and `N` positions and never in `A` ones. Where a country's serials are
free (Germany's and Austria's lengths, county-coded and mixed US serials, personalised plates), the pattern
stays loose and says only what the rules fix (Germany: letters, then digits).

Each region lists its current standard passenger formats and older series still common on the road. Sources:
each country's or state's registration rules as summarised by the Wikipedia articles "Vehicle registration
plates of <country>" and "United States license plate designs and serial formats" (2024-2025 revisions).
docs/lpr-formats.md lists every region with an example plate.
"""

from __future__ import annotations

Format = tuple[str, str]  # (name, pattern)

# Europe. Sources per country: "Vehicle registration plates of <country>".
EUROPE: dict[str, tuple[Format, ...]] = {
    # district L{1,2}, then 3 to 6 letters and digits in either order (numbers + letters or personalised)
    "AT": (("AT", "L{1,2} A{3,6}"),),
    # since 2010: a digit, three letters, three digits (1-ABC-123); 1973-2010: ABC-123
    "BE": (("BE", "N-LLL-NNN"), ("BE-1973", "LLL-NNN")),
    # province L{1,2}, four digits, series L{1,2} (CA 1234 AB)
    "BG": (("BG", "L{1,2} NNNN L{1,2}"),),
    # canton, then 1 to 6 digits (ZH 123456)
    "CH": (("CH", "LL N{1,6}"),),
    # a digit, the region's letter, then a letter or a digit, then four digits (1A2 3456): the third is free
    "CZ": (("CZ", "NLA NNNN"),),
    # district L{1,3}, letters L{1,2}, 1 to 4 digits, an optional E (electric) or H (historic): free length
    "DE": (("DE", "L{1,3} L{1,2} N{1,4} L{0,1}"),),
    # AB 12 345
    "DK": (("DK", "LL NN NNN"),),
    # 123 ABC
    "EE": (("EE", "NNN LLL"),),
    # since 2000: 1234 ABC; provincial series until 2000: M 1234 AB
    "ES": (("ES", "NNNN LLL"), ("ES-provincial", "L{1,2} NNNN L{1,2}")),
    # ABC-123 (shorter series L{2,3}-N{1,3} still exist)
    "FI": (("FI", "L{2,3} N{1,3}"),),
    # SIV since 2009: AB-123-CD; FNI until 2009, still on older cars: 1234 AB 56
    "FR": (("FR", "LL-NNN-LL"), ("FR-FNI", "N{1,4} L{2,3} NN")),
    # current since 2001: AB12 CDE; prefix 1983-2001: A123 BCD; Northern Ireland: ABZ 1234
    "GB": (("GB", "LLNN LLL"), ("GB-prefix", "L N{1,3} LLL"), ("GB-NI", "LLL N{1,4}")),
    # ABC-1234 (Greek letters that look Latin)
    "GR": (("GR", "LLL-NNNN"),),
    # city LL, three or four digits, one or two letters (ZG 1234-AB)
    "HR": (("HR", "LL N{3,4} L{1,2}"),),
    # since 2022: AA BC-123; 1990-2022: ABC-123
    "HU": (("HU", "LL LL-NNN"), ("HU-1990", "LLL-NNN")),
    # year NN or NNN, county L{1,2}, 1 to 6 digits (191-D-12345)
    "IE": (("IE", "N{2,3}-L{1,2}-N{1,6}"),),
    # AB 123 CD
    "IT": (("IT", "LL NNN LL"),),
    # ABC 123
    "LT": (("LT", "LLL NNN"),),
    # AB 1234 (and L 1234)
    "LU": (("LU", "L{1,2} NNNN"),),
    # AB-1234
    "LV": (("LV", "LL-N{1,4}"),),
    # sidecodes 4 to 14 (1978 onwards)
    "NL": (("NL-4", "LL-NN-LL"), ("NL-5", "LL-LL-NN"), ("NL-6", "NN-LL-LL"), ("NL-7", "NN-LLL-N"),
           ("NL-8", "N-LLL-NN"), ("NL-9", "LL-NNN-L"), ("NL-10", "L-NNN-LL"), ("NL-11", "LLL-NN-L"),
           ("NL-12", "L-NN-LLL"), ("NL-13", "N-LL-NNN"), ("NL-14", "NNN-LL-N")),
    # AB 12345
    "NO": (("NO", "LL NNNNN"),),
    # district LL or LLL, then a serial whose common forms are these
    "PL": (("PL", "LL NNNNN"), ("PL-4", "LL NNNNL"), ("PL-3", "LLL NNNN"), ("PL-3L", "LLL NNNLL")),
    # 2020: AB-12-CD; 2005: 12-AB-34; 1992: 12-34-AB; 1937: AB-12-34
    "PT": (("PT", "LL-NN-LL"), ("PT-2005", "NN-LL-NN"), ("PT-1992", "NN-NN-LL"), ("PT-1937", "LL-NN-NN")),
    # county L{1,2} (B: Bucharest), two digits (three in Bucharest), three letters (CJ 12 ABC)
    "RO": (("RO", "L{1,2} N{2,3} LLL"),),
    # ABC 123; since 2019 the last may be a letter: ABC 12D
    "SE": (("SE", "LLL NNA"),),
    # city LL, then a serial of letters and digits in several arrangements (LJ AB-123, LJ 12-34A): free
    "SI": (("SI", "LL A{4,6}"),),
    # district LL (since 2023 any two letters), three digits, two letters (BA 123 AB)
    "SK": (("SK", "LL NNN LL"),),
    # province NN, then L NNNN, LL NNN(N) or LLL NN(N) (34 ABC 123)
    "TR": (("TR", "NN L{1,3} N{2,4}"),),
    # region LL, four digits, series LL (AA 1234 BB)
    "UA": (("UA", "LL NNNN LL"),),
}

# US states: the current standard passenger serials and the previous one where it is still common. Source:
# "United States license plate designs and serial formats". Vanity plates (up to 7 or 8 characters of any
# kind) are on the road in every state: the US group keeps a loose A{2,8} for them. States whose serials are
# county-coded or mixed (a letter or digit at the same place) have only a loose pattern.
FREE_US = "A{2,8}"
US_STATES: dict[str, tuple[Format, ...]] = {
    "AK": (("US-AK", "LLL NNN"),),
    "AL": (("US-AL", FREE_US),),  # county-coded: 1A2345B, 12A345B...
    "AR": (("US-AR", "LLL NNL"), ("US-AR-old", "NNN LLL")),
    "AZ": (("US-AZ", "LLL NNNN"), ("US-AZ-free", FREE_US)),  # newer serials mix letters and digits
    "CA": (("US-CA", "N LLL NNN"),),
    "CO": (("US-CO", FREE_US),),  # several mixed series (ABC-123, ABC-D12, BNN-...)
    "CT": (("US-CT", "LL NNNNN"), ("US-CT-old", "N LLL NN")),
    "DC": (("US-DC", "LL-NNNN"),),
    "DE": (("US-DE", "N{1,6}"),),
    "FL": (("US-FL", "LLL LNN"), ("US-FL-old", "NNN LLL")),
    "GA": (("US-GA", "LLL NNNN"),),
    "HI": (("US-HI", "LLL NNN"),),
    "IA": (("US-IA", "LLL NNN"),),
    "ID": (("US-ID", FREE_US),),  # county-coded: 1A 23456, A 123456
    "IL": (("US-IL", "LL NNNNN"), ("US-IL-old", "L NN NNNN")),
    "IN": (("US-IN", FREE_US),),  # several series (123ABC, 123A, 1234AB)
    "KS": (("US-KS", "NNN LLL"),),
    "KY": (("US-KY", FREE_US),),  # mixed series
    "LA": (("US-LA", "NNN LLL"),),
    "MA": (("US-MA", "N LLL NN"), ("US-MA-old", "NNN LLN")),
    "MD": (("US-MD", "N LL NNNN"),),
    "ME": (("US-ME", "NNNN LL"),),
    "MI": (("US-MI", "LLL NNNN"),),
    "MN": (("US-MN", "LLL NNN"), ("US-MN-old", "NNN LLL")),
    "MO": (("US-MO", "LLN LNL"),),
    "MS": (("US-MS", "LLL NNNN"),),
    "MT": (("US-MT", FREE_US),),  # county-coded: 1-12345A
    "NC": (("US-NC", "LLL NNNN"),),
    "ND": (("US-ND", "NNN LLL"),),
    "NE": (("US-NE", "LLL NNN"), ("US-NE-county", FREE_US)),  # county-coded outside the largest counties
    "NH": (("US-NH", "NNN NNNN"),),
    "NJ": (("US-NJ", "LNN LLL"),),
    "NM": (("US-NM", FREE_US),),  # mixed series
    "NV": (("US-NV", FREE_US),),  # mixed series
    "NY": (("US-NY", "LLL NNNN"),),
    "OH": (("US-OH", "LLL NNNN"),),
    "OK": (("US-OK", "LLL NNN"), ("US-OK-new", "LLL NNNN")),
    "OR": (("US-OR", "NNN LLL"), ("US-OR-alt", "LLL NNN")),
    "PA": (("US-PA", "LLL NNNN"),),
    "RI": (("US-RI", "N{1,6}"), ("US-RI-letters", "LL NNN")),
    "SC": (("US-SC", "LLL NNN"),),
    "SD": (("US-SD", FREE_US),),  # county-coded: 1A2 345
    "TN": (("US-TN", "LLL NNNN"), ("US-TN-old", "NNN LLL")),
    "TX": (("US-TX", "LLL NNNN"),),
    "UT": (("US-UT", FREE_US),),  # mixed series
    "VA": (("US-VA", "LLL NNNN"),),
    "VT": (("US-VT", "LLL NNN"),),
    "WA": (("US-WA", "LLL NNNN"),),
    "WI": (("US-WI", "LLL NNNN"),),
    "WV": (("US-WV", FREE_US),),  # month-coded first character: 1AB234, O12345...
    "WY": (("US-WY", FREE_US),),  # county-coded: 1-12345
}

OTHER: dict[str, tuple[Format, ...]] = {
    # Brazil: 1990s series LLL NNNN; Mercosul since 2018 LLL N L NN
    "BR": (("BR", "LLL NNNN"), ("BR-Mercosul", "LLL N L NN")),
    # Argentina: 1995-2016 LLL NNN; Mercosul since 2016 LL NNN LL
    "AR": (("AR", "LLL NNN"), ("AR-Mercosul", "LL NNN LL")),
    # South Korea: 12가3456, since 2019 123가4567; old regional two-line plates 서울 12 가 3456
    "KR": (("KR", "NN H NNNN"), ("KR-3", "NNN H NNNN"), ("KR-regional", "HH NN H NNNN")),
}

AUTO = "auto"
EU_GROUP = "EU"
US_GROUP = "US"


def _regions() -> dict[str, tuple[Format, ...]]:
    out: dict[str, tuple[Format, ...]] = {**EUROPE, **OTHER}
    out[EU_GROUP] = tuple(f for code in EUROPE for f in EUROPE[code])
    for state, formats in US_STATES.items():
        out[f"US-{state}"] = formats
    out[US_GROUP] = (("US", FREE_US), *(f for formats in US_STATES.values() for f in formats))
    return out


# every region code a setting may name (besides `auto`): the countries, the US-XX states, and the EU and US
# groups
REGIONS: dict[str, tuple[Format, ...]] = _regions()

# `auto`: every format once, European ones first (a pattern several regions share is named after the first)
AUTO_REGIONS: tuple[str, ...] = (*EUROPE, "BR", "AR", "KR", US_GROUP)
