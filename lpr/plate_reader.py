"""Reading the characters of a plate crop with a PP-OCR text-line recogniser (CTC) on ONNX Runtime.

The recogniser's output is, for every column step of the input line, a probability for each character of its
dictionary (plus the CTC blank). The reader folds those onto the plate alphabet (lpr.charset), decodes the
best path, and keeps for every character its probability and the whole alphabet's probabilities at that step,
so the region rules (lpr.plate_formats) can weigh alternatives such as O and 0.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from onnxruntime import InferenceSession

from lpr.arrays import Floats, Picture
from lpr.charset import SEPARATOR, fold
from lpr.models import ModelError
from lpr.onnx_session import open_session

SETTING = "lpr_ocr_model"
DICT_SETTING = "lpr_ocr_dict"
LINE_HEIGHT = 48  # PP-OCRv3 and later read lines 48 pixels high (older ones 32: taken from the model's input)
# A first read whose every character is at least this probable is the plate's read: reading the other crops
# and stretches as well changed none of those reads on the development photos (243 plates, 178 of them that
# sure), and skipping them halves the recogniser's work.
SURE = 0.9


@dataclass
class CharRead:
    char: str
    score: float  # probability of `char` at its step, 0-1
    probs: Floats = field(repr=False)  # probability of every alphabet symbol at that step
    # where the character stands along its line, as a share of the line's width (0 left edge, 1 right edge);
    # None where unknown. The gaps between characters show a plate's groups (lpr.plate_groups)
    x: float | None = None


@dataclass
class LineRead:
    chars: list[CharRead]
    alphabet: str

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)

    @property
    def score(self) -> float:
        """Mean character probability (0-1), 0 for an empty read."""
        return float(np.mean([c.score for c in self.chars])) if self.chars else 0.0


def load_dictionary(session: InferenceSession, dict_path: Path | None) -> list[str]:
    """The recogniser's characters: a dictionary file (one per line) if given, else the list PaddleOCR's ONNX
    exports carry in their metadata."""
    if dict_path is not None:
        try:
            return dict_path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ModelError(DICT_SETTING, dict_path, f"cannot read the dictionary: {exc.strerror}") from exc
    meta = session.get_modelmeta().custom_metadata_map.get("character")
    if not meta:
        raise ModelError(DICT_SETTING, None, "the recogniser carries no character list: set a dictionary file")
    return meta.splitlines()


class PlateReader:
    """A PP-OCR recogniser restricted to plate characters."""

    def __init__(self, path: Path, threads: int = 1, dict_path: Path | None = None, hangul: bool = True,
                 max_width: int = 480) -> None:
        self.session = open_session(path, SETTING, threads)
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.height = inp.shape[2] if len(inp.shape) == 4 and isinstance(inp.shape[2], int) else LINE_HEIGHT
        characters = load_dictionary(self.session, dict_path)
        # PaddleOCR's CTC head has the blank first, then the dictionary, then a space unless the model was
        # trained without one (use_space_char: false)
        classes = ["<blank>", *characters, " "]
        out_classes = self.session.get_outputs()[0].shape[-1]
        if isinstance(out_classes, int) and out_classes == len(characters) + 1:
            classes.pop()
        elif isinstance(out_classes, int) and out_classes != len(classes):
            raise ModelError(DICT_SETTING, dict_path, f"the dictionary has {len(characters)} characters but the "
                                                      f"recogniser reads {out_classes - 2} (and a space)")
        symbols: dict[str, list[int]] = {}
        for index, char in enumerate(classes[1:], start=1):
            folded = fold(char, hangul)
            if folded is not None:
                symbols.setdefault(folded, []).append(index)
        # alphabet: the separator first, then the plate symbols the dictionary can express
        ordered = [SEPARATOR, *sorted(s for s in symbols if s != SEPARATOR)]
        self.alphabet = "".join(ordered)
        self.symbol_classes = [np.array(symbols.get(s, []), np.int64) for s in ordered]
        self.hangul_available = any("가" <= s <= "힣" for s in ordered)
        self.max_width = max_width

    def prepare(self, crop: Picture, stretch: float = 1.0) -> Floats:
        """A BGR crop -> the recogniser's (1, 3, height, W) input, normalised to [-1, 1]."""
        h, w = crop.shape[:2]
        width = math.ceil(self.height * w / max(h, 1) * stretch)
        width = int(min(self.max_width, max(self.height, math.ceil(width / 8) * 8)))
        line = cv2.resize(crop, (width, self.height), interpolation=cv2.INTER_AREA if h > self.height
                          else cv2.INTER_CUBIC)
        if line.ndim == 2:
            line = cv2.cvtColor(line, cv2.COLOR_GRAY2BGR)
        tensor = line.astype(np.float32).transpose(2, 0, 1) * (2 / 255) - 1
        return tensor[None]

    def probabilities(self, crop: Picture, stretch: float = 1.0) -> Floats:
        """(steps, 1 + alphabet) probabilities: blank first, then each alphabet symbol (folded classes summed)."""
        raw = self.session.run(None, {self.input_name: self.prepare(crop, stretch)})[0][0]
        out = np.empty((raw.shape[0], 1 + len(self.symbol_classes)), np.float32)
        out[:, 0] = raw[:, 0]
        for k, classes in enumerate(self.symbol_classes, start=1):
            out[:, k] = raw[:, classes].sum(1) if len(classes) else 0.0
        return out

    def read(self, crop: Picture, stretch: float = 1.0) -> LineRead:
        return decode(self.probabilities(crop, stretch), self.alphabet)


def sure_first(reads: Sequence[Callable[[], LineRead]],
               settle: Callable[[list[tuple[float, LineRead]]], LineRead] | None = None,
               accept: Callable[[LineRead], bool] | None = None) -> LineRead:
    """The first read when it is sure of every character (SURE) and `accept`s it; else all the reads, combined:
    `settle` picks among by_length's reads (default: the best supported length's)."""
    first = reads[0]()
    if first.chars and min(c.score for c in first.chars) >= SURE and (accept is None or accept(first)):
        return first
    candidates = by_length([first, *[read() for read in reads[1:]]])
    return candidates[0][1] if settle is None else settle(candidates)


def symbol_runs(probs: Floats, alphabet: str) -> Iterator[tuple[int, int, int, int]]:
    """The characters greedy CTC decoding reads from (steps, 1 + alphabet) probabilities, separators left out:
    (label, first step, last step, peak step) for each run of steps whose best class is that symbol."""
    best = probs.argmax(1)
    t = 0
    steps = len(best)
    while t < steps:
        label = int(best[t])
        end = t
        while end + 1 < steps and best[end + 1] == label:
            end += 1
        if label != 0 and alphabet[label - 1] != SEPARATOR:
            yield label, t, end, t + int(probs[t:end + 1, label].argmax())
        t = end + 1


def decode(probs: Floats, alphabet: str) -> LineRead:
    """Greedy CTC decoding over (steps, 1 + alphabet) probabilities; separators are dropped from the text."""
    chars = [CharRead(alphabet[label - 1], float(probs[peak, label]), probs[peak, 1:].copy(),
                      _column(probs[:, label], start, end))
             for label, start, end, peak in symbol_runs(probs, alphabet)]
    return LineRead(chars, alphabet)


def _column(label_probs: Floats, start: int, end: int) -> float:
    """Where a character read over steps start..end stands, as a share of the line's width: the centre of its
    probability there and a step either side (a step is a fifth of a character on a short plate: the peak step
    alone would place characters a step off)."""
    lo, hi = max(0, start - 1), min(len(label_probs), end + 2)
    weights = label_probs[lo:hi]
    centre = float(np.dot(np.arange(lo, hi) + 0.5, weights) / max(float(weights.sum()), 1e-9))
    return centre / len(label_probs)


def combine(reads: list[LineRead]) -> LineRead:
    """One read from several reads of the same plate (different crops): the reads of the length most of the
    probability supports are averaged character by character; the others are dropped."""
    return by_length(reads)[0][1]


def by_length(reads: list[LineRead]) -> list[tuple[float, LineRead]]:
    """The reads of each length averaged character by character, with the length's support (the sum of its
    reads' scores), best supported first (on a tie the longer); [(0, empty)] without any characters."""
    reads = [r for r in reads if r.chars]
    if not reads:
        return [(0.0, LineRead([], ""))]
    if len(reads) == 1:
        return [(reads[0].score, reads[0])]
    support: dict[int, float] = {}
    for r in reads:
        support[len(r.chars)] = support.get(len(r.chars), 0.0) + r.score
    return [(support[length], _average([r for r in reads if len(r.chars) == length]))
            for length in sorted(support, key=lambda k: (support[k], k), reverse=True)]


def _average(same: list[LineRead]) -> LineRead:
    """Reads of one length averaged character by character."""
    chars = []
    for position in range(len(same[0].chars)):
        probs = np.mean([r.chars[position].probs for r in same], axis=0)
        k = int(probs.argmax())
        xs = [r.chars[position].x for r in same]
        # each read's columns are an affine map of the plate's (crops differ in offset and scale): so is their mean
        x = None if any(v is None for v in xs) else float(np.mean([v for v in xs if v is not None]))
        chars.append(CharRead(same[0].alphabet[k], float(probs[k]), probs, x))
    return LineRead(chars, same[0].alphabet)
