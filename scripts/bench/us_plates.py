"""Synthetic North American plates for the plate reader's benchmark: no such photos are here.

Each plate is drawn 2:1 the way a state prints it: its name above the number (in a serif italic or a bold
sans), the number in a condensed bold face (its groups split by a dash, a space or a dot where the state
splits them), a slogan below, and stickers in the top corners on most. It is pasted over the plate of a
development photo (openalpr-br), a little wider than that plate so none of it shows, tilted up to 6 degrees,
blurred a little and saved as JPEG. The serials follow each state's standard format (lpr.regions), so what
`auto` should make of a read is what the state's rules make of it.

    from us_plates import test_photos
    for image, text, box in test_photos(100, seed=7, backgrounds=Path(".../openalpr-br")): ...

Fonts: Debian's fonts-dejavu-core.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # most states leave out I, O and Q
Colour = tuple[int, int, int]
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class State:
    code: str
    serial: str  # L a letter, N a digit
    split: int  # the number's groups: the second starts here (0: printed without a gap)
    name: str
    slogan: str
    ink: Colour
    print_ink: Colour  # the name and the slogan
    paper: Colour


BLUE, RED, BLACK, GREEN = (20, 30, 110), (150, 20, 30), (10, 10, 10), (20, 90, 50)
WHITE = (245, 245, 240)
STATES = (
    State("CA", "NLLLNNN", 0, "California", "dmv.ca.gov", BLUE, (170, 20, 30), WHITE),
    State("TX", "LLLNNNN", 3, "TEXAS", "THE LONE STAR STATE", BLACK, BLACK, (240, 240, 235)),
    State("NY", "LLLNNNN", 3, "NEW YORK", "EXCELSIOR", BLUE, BLUE, (250, 215, 90)),
    State("FL", "LLLLNN", 3, "MYFLORIDA.COM", "Sunshine State", GREEN, GREEN, WHITE),
    State("PA", "LLLNNNN", 3, "PENNSYLVANIA", "visitPA.com", BLUE, BLUE, WHITE),
    State("IL", "LLNNNNN", 2, "Illinois", "LAND OF LINCOLN", RED, BLUE, WHITE),
    State("OH", "LLLNNNN", 3, "OHIO", "BIRTHPLACE OF AVIATION", (20, 20, 60), (20, 20, 60), WHITE),
    State("NJ", "LNNLLL", 3, "NEW JERSEY", "Garden State", BLACK, BLACK, (235, 225, 170)),
    State("NC", "LLLNNNN", 3, "NORTH CAROLINA", "FIRST IN FLIGHT", RED, BLUE, WHITE),
    State("MA", "NLLLNN", 0, "Massachusetts", "the Spirit of America", RED, BLUE, WHITE),
    State("WA", "LLLNNNN", 3, "Washington", "", BLUE, BLUE, WHITE),
    State("GA", "LLLNNNN", 3, "GEORGIA", "Fulton", BLACK, BLACK, WHITE),
)
STICKERS = ((230, 60, 40), (40, 160, 60), (250, 200, 20), (60, 90, 200))
SIZE = (480, 240)


def serial(state: State, rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) if c == "L" else rng.choice("0123456789") for c in state.serial)


def _font(name: str, text: str, width: float, height: float) -> ImageFont.FreeTypeFont:
    """The face at the largest size that fits `text` in width x height."""
    for size in range(int(height), 5, -1):
        font = ImageFont.truetype(str(FONTS / name), size)
        left, top, right, bottom = font.getbbox(text)
        if right - left <= width and bottom - top <= height:
            return font
    return ImageFont.truetype(str(FONTS / name), 6)


def _centred(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, top: float,
             colour: Colour) -> None:
    left, up, right, _ = font.getbbox(text)
    draw.text(((SIZE[0] - (right - left)) / 2 - left, top - up), text, font=font, fill=colour)


def plate(state: State, text: str, rng: random.Random) -> np.ndarray:
    """The plate, BGR, SIZE pixels."""
    w, h = SIZE
    image = Image.new("RGB", SIZE, state.paper)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((2, 2, w - 3, h - 3), radius=18, outline=(60, 60, 60), width=3)
    face = rng.choice(("DejaVuSerif-BoldItalic.ttf", "DejaVuSans-Bold.ttf", "DejaVuSerifCondensed-Italic.ttf"))
    _centred(draw, state.name, _font(face, state.name, w * 0.55, h * 0.17), h * 0.06, state.print_ink)
    shown = text
    if state.split and rng.random() < 0.7:
        shown = text[:state.split] + rng.choice(("-", " ", "\u2022")) + text[state.split:]
    _centred(draw, shown, _font("DejaVuSansCondensed-Bold.ttf", shown, w * 0.86, h * 0.46), h * 0.27, state.ink)
    if state.slogan:
        _centred(draw, state.slogan, _font("DejaVuSans.ttf", state.slogan, w * 0.6, h * 0.1), h * 0.83,
                 state.print_ink)
    if rng.random() < 0.6:
        for x in rng.sample((int(w * 0.04), int(w * 0.80)), rng.choice((1, 2))):
            draw.rectangle((x, int(h * 0.05), x + int(w * 0.15), int(h * 0.22)), fill=rng.choice(STICKERS))
            draw.text((x + 8, int(h * 0.07)), rng.choice(("25", "26", "MAR", "7")),
                      font=_font("DejaVuSans-Bold.ttf", "25", w * 0.1, h * 0.12), fill=BLACK)
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


def _labelled(folder: Path) -> list[tuple[Path, Box]]:
    out = []
    for label in sorted(folder.glob("*.txt")):
        parts = label.read_text(encoding="utf-8").split()
        if len(parts) == 6 and (folder / parts[0]).exists():
            out.append((folder / parts[0], (int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]))))
    return out


def test_photos(count: int, seed: int, backgrounds: Path) -> Iterator[tuple[np.ndarray, str, Box]]:
    """`count` photos of cars with a North American plate: (BGR picture, its plate's text, the plate's box)."""
    rng = random.Random(seed)
    photos = _labelled(backgrounds)
    for index in range(count):
        path, (x, y, w, h) = photos[index % len(photos)]
        picture = cv2.imread(str(path))
        state = STATES[index % len(STATES)]
        text = serial(state, rng)
        drawn = plate(state, text, rng)
        pw = w * rng.uniform(1.05, 1.2)
        ph = pw / 2
        tilt = np.radians(rng.uniform(-6, 6))
        corners = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
        turn = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
        at = (corners @ turn.T + [x + w / 2, y + h / 2]).astype(np.float32)
        src = np.float32([[0, 0], [SIZE[0], 0], [SIZE[0], SIZE[1]], [0, SIZE[1]]])
        warp = cv2.getPerspectiveTransform(src, at)
        size = (picture.shape[1], picture.shape[0])
        pasted = cv2.warpPerspective(drawn, warp, size, flags=cv2.INTER_AREA)
        inside = cv2.warpPerspective(np.full(drawn.shape[:2], 255, np.uint8), warp, size) > 128
        picture[inside] = pasted[inside]
        picture = cv2.GaussianBlur(picture, (3, 3), rng.uniform(0.3, 1.0))
        _, jpeg = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 80])
        x0, y0 = at.min(0)
        x1, y1 = at.max(0)
        yield cv2.imdecode(jpeg, cv2.IMREAD_COLOR), text, (int(x0), int(y0), int(x1 - x0), int(y1 - y0))
