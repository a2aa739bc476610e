"""How `tsnvr export` shows an export's stages: a progress bar (tqdm) on a terminal, else one plain line
per file on standard error, so that a log or a pipe gets a readable record instead of bar redraws.
The files delivered are listed on standard output (their paths, or md5sum lines with --md5)."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TextIO
from zoneinfo import ZoneInfo

from tqdm import tqdm

from recorder.export.stages import ChannelBegin, End, FileBegin, FileEnd, FileWriting, Stage


class Progress:
    """Shows each stage the task emits, and each delivered file."""

    def __init__(self, tz: ZoneInfo, *, stream: TextIO | None = None, bar: bool | None = None) -> None:
        """bar: None draws a bar when `stream` (default standard error) is a terminal."""
        self.tz = tz
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None
        if bar if bar is not None else self.stream.isatty():
            self.bar = tqdm(total=100, file=self.stream, desc="export", dynamic_ncols=True,
                            bar_format="{desc} {percentage:3.0f}%|{bar}| {elapsed}<{remaining}")

    def clock(self, ms: int) -> str:
        return datetime.fromtimestamp(ms / 1000, self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def show(self, stage: Stage) -> None:
        if self.bar is not None:
            self._draw(stage)
            return
        if isinstance(stage, FileBegin):
            self._line(f"{stage.overall:3d}% CH{stage.chid}: writing {stage.name} "
                       f"(from {self.clock(stage.position_ms)})")
        elif isinstance(stage, FileEnd):
            self._line(f"{stage.overall:3d}% CH{stage.chid}: finished {stage.files[0].name} "
                       f"(to {self.clock(stage.position_ms)})")
        elif isinstance(stage, End):
            self._line(f"{stage.overall:3d}% {'done' if stage.code == 0 else 'stopped: ' + stage.detail}")

    def _draw(self, stage: Stage) -> None:
        assert self.bar is not None
        if isinstance(stage, ChannelBegin | FileBegin | FileWriting | FileEnd):
            self.bar.set_description_str(f"CH{stage.chid} {self.clock(stage.position_ms)}", refresh=False)
        self.bar.update(stage.overall - self.bar.n)

    def _line(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def delivered(self, line: str) -> None:
        """A delivered file's line on standard output, above the bar."""
        if self.bar is not None:
            tqdm.write(line, file=sys.stdout)
        else:
            print(line, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
