"""The shell examples in README.md and docs/*.md run, as written, against a real `tsnvr serve`.

Convention (also stated in docs/index.md):
- Only blocks fenced exactly as ```sh are run; ```bash, ```console, ```json, ```text ... are
  illustration only (set-up, the server's answers, commands that need a person at the keyboard).
- The ```sh blocks of one file run in order, in one bash session (`set -e -o pipefail`, so a
  variable one command sets is there for the next), against a fresh server of their own.
- A command whose first or last line ends with `# not run` is skipped (reboot, restart, ...).
- The session starts with TSNVR (the server's base URL), PASSWORD (admin's password) and AUTH
  (base64 of admin:PASSWORD) set and exported, exactly as the ```bash set-up block of the docs
  sets them, with the server's data directory in TSNVR_DATA (so `.venv/bin/tsnvr ...` edits that
  server), and a `.venv` link to this virtualenv in its working directory (an empty scratch
  directory, like the repository root of a reader's checkout as far as the examples can tell).
- `curl` fails on an HTTP status of 400 or more (the session wraps it with --fail-with-body),
  so every example must succeed against a freshly started server. Needs the `curl` binary.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ADMIN_AUTH, ADMIN_PASSWORD, REPO

DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
NOT_RUN = re.compile(r"#\s*not run\s*$")
HEREDOC = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\2")
FENCE_OPEN = re.compile(r"^```(\S*)\s*$")
REGISTRY_HOSTS = ("pypi.org", "pythonhosted.org", "npmjs.", "registry.yarnpkg", "deb.debian.org",
                  "security.debian.org", "archive.ubuntu.com", "crates.io", "rubygems.org")


@dataclass
class Command:
    path: Path
    line: int  # 1-based line of the command's first line in its file
    text: str
    run: bool

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(REPO)}:{self.line}"


def fenced_blocks(path: Path) -> list[tuple[str, int, list[str]]]:
    """(language, line number of the first content line, lines) of every fenced block."""
    blocks: list[tuple[str, int, list[str]]] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opened = FENCE_OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        start, body = i + 2, []
        i += 1
        while i < len(lines) and lines[i].rstrip() != "```":
            body.append(lines[i])
            i += 1
        assert i < len(lines), f"{path.name}:{start - 1}: unclosed code fence"
        blocks.append((opened.group(1), start, body))
        i += 1
    return blocks


def open_quote(text: str) -> bool:
    """Whether a quoted string is still open at the end of `text` (it continues on the next line)."""
    try:
        shlex.split(text, comments=True)
    except ValueError:
        return True
    return False


def commands_of(path: Path) -> list[Command]:
    """The commands of every ```sh block: continuation lines and here-documents kept together."""
    out: list[Command] = []
    for lang, start, body in fenced_blocks(path):
        if lang != "sh":
            continue
        i = 0
        while i < len(body):
            line = body[i]
            if not line.strip() or line.lstrip().startswith("#"):
                i += 1
                continue
            first, parts = i, [line]
            heredocs = [(m.group(1) == "-", m.group(3)) for m in HEREDOC.finditer(line)]
            while (parts[-1].endswith("\\") or open_quote("\n".join(parts))) and i + 1 < len(body):
                i += 1
                parts.append(body[i])
                heredocs += [(m.group(1) == "-", m.group(3)) for m in HEREDOC.finditer(body[i])]
            for strip_tabs, word in heredocs:
                while True:
                    i += 1
                    assert i < len(body), f"{path.name}:{start + first}: here-document {word} not closed"
                    parts.append(body[i])
                    if (body[i].lstrip("\t") if strip_tabs else body[i]) == word:
                        break
            skip = bool(NOT_RUN.search(parts[0]) or NOT_RUN.search(parts[-1]))
            out.append(Command(path, start + first, "\n".join(parts), not skip))
            i += 1
    return out


def session_script(commands: list[Command]) -> str:
    lines = [
        "set -e -o pipefail",
        "curl() { command curl --fail-with-body \"$@\"; }",
        "__where=start",
        "trap '__rc=$?; [ $__rc -eq 0 ] || echo \"@@ FAILED at $__where (exit $__rc)\" >&2' EXIT",
    ]
    for cmd in commands:
        if cmd.run:
            lines += [f"__where='{cmd.where}'", "printf '\\n@@ %s\\n' \"$__where\"", cmd.text]
    lines.append("wait")
    return "\n".join(lines) + "\n"


def doc_id(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", DOC_FILES, ids=doc_id)
def test_every_page_has_runnable_examples(path: Path):
    if path.name == "index.md":
        return
    assert any(c.run for c in commands_of(path)), f"{doc_id(path)} has no ```sh example that runs"


@pytest.mark.parametrize("path", DOC_FILES, ids=doc_id)
def test_examples_use_the_variables(path: Path):
    """Run examples name the server as $TSNVR and admin's credentials as $PASSWORD / $AUTH."""
    for cmd in commands_of(path):
        if not cmd.run:
            continue
        for literal in ("localhost:8080", "127.0.0.1", ADMIN_PASSWORD, ADMIN_AUTH):
            assert literal not in cmd.text, f"{cmd.where}: use $TSNVR / $PASSWORD / $AUTH, not {literal!r}"


def anchors(path: Path) -> set[str]:
    """The #fragments GitHub gives the headings of a Markdown file."""
    out: set[str] = set()
    in_fence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        heading = None if in_fence else re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            slug = re.sub(r"[^\w\- ]", "", heading.group(1).lower()).replace(" ", "-")
            candidate, n = slug, 0
            while candidate in out:
                n += 1
                candidate = f"{slug}-{n}"
            out.add(candidate)
    return out


@pytest.mark.parametrize("path", DOC_FILES, ids=doc_id)
def test_relative_links_resolve_and_no_registry_hosts(path: Path):
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+:", target):
            continue
        file_part, _, fragment = target.partition("#")
        linked = (path.parent / file_part) if file_part else path
        assert linked.exists(), f"{doc_id(path)}: broken link {target}"
        if fragment and linked.suffix == ".md":
            assert fragment in anchors(linked), f"{doc_id(path)}: no heading #{fragment} in {file_part or path.name}"
    for host in REGISTRY_HOSTS:
        assert host not in text.lower(), f"{doc_id(path)} names a package registry host ({host})"


@pytest.mark.skipif(shutil.which("curl") is None, reason="the curl binary is not installed")
@pytest.mark.parametrize("path", DOC_FILES, ids=doc_id)
def test_examples_run_against_a_live_server(path: Path, live_server, tmp_path: Path):
    commands = [c for c in commands_of(path) if c.run]
    if not commands:
        pytest.skip("no runnable examples")
    work = tmp_path / "work"
    work.mkdir()
    (work / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TSNVR")}
    env.update({
        "TSNVR": live_server.url,
        "PASSWORD": ADMIN_PASSWORD,
        "AUTH": ADMIN_AUTH,
        "TSNVR_DATA": str(live_server.data_dir),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
    })
    script = session_script(commands)
    try:
        done = subprocess.run(["bash", "-c", script], cwd=work, env=env, capture_output=True, text=True,
                              timeout=100)
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) else exc.stdout or ""
        pytest.fail(f"{doc_id(path)}: examples did not finish in 100 s; output so far:\n{out[-4000:]}")
    if done.returncode != 0:
        pytest.fail(f"{doc_id(path)}: an example failed\n--- stdout (tail) ---\n{done.stdout[-4000:]}\n"
                    f"--- stderr (tail) ---\n{done.stderr[-3000:]}\n--- server log (tail) ---\n"
                    f"{live_server.log.read_text(errors='replace')[-2000:]}")


def test_the_example_parser(tmp_path: Path):
    page = tmp_path / "page.md"
    page.write_text("\n".join([
        "# Page", "", "```bash", "echo set-up only", "```", "", "```sh",
        "# a comment", "curl -s one \\", "  --two",
        "curl -s -d '[", "  {\"a\": 1}", "]' x",
        "cat > f.json <<'EOF'", "{\"b\": 2}", "EOF",
        "curl -s reboot   # not run", "```", "",
    ]), encoding="utf-8")
    got = [(c.line, c.text, c.run) for c in commands_of(page)]
    assert got == [
        (9, "curl -s one \\\n  --two", True),
        (11, "curl -s -d '[\n  {\"a\": 1}\n]' x", True),
        (14, "cat > f.json <<'EOF'\n{\"b\": 2}\nEOF", True),
        (17, "curl -s reboot   # not run", False),
    ]


# (method, path, body, the rights it needs besides Remote, a token of its row in the rights table)
RIGHTS = [
    ("GET", "/api/status", None, (), "`/api/status`"),
    ("GET", "/api/enum?what=eventType", None, (), "`/api/enum?what=...`"),
    ("GET", "/api/system?info=os", None, (), "`/api/system`, `?info`"),
    ("POST", "/api/push", b'{"topic": "LPR", "src": "F1", "plateNo": "AB12"}', ("Control",), "`POST /api/push`"),
    ("POST", "/api/channel", b'{"source": "missing.mp4"}', ("Settings",), "`POST /api/channel`"),
    ("DELETE", "/api/channel/all", None, ("Settings",), "`POST /api/channel`"),
    ("GET", "/api/find?what=eventLog", None, ("Settings",), "`/api/find?what=eventLog`"),
    ("GET", "/api/find?what=carNo", None, ("LPR",), "`/api/find?what=carNo`, `similarCarNo`"),
    ("GET", "/api/find?what=similarCarNo&keyword=AB12", None, ("LPR",), "`/api/find?what=carNo`, `similarCarNo`"),
    ("GET", "/api/find?what=carNo&export=true", None, ("LPR", "DataExport"), "`/api/find?what=carNo&export=true`"),
    ("GET", "/api/find?what=object", None, ("Playback",), "`/api/find?what=object`"),
    ("GET", "/api/find?what=recDays", None, ("Playback",), "`/api/find?what=object`"),
    ("GET", "/api/find?what=recMinutes&timeEnd=2018-01-01T00:00:00Z", None, ("Playback",), "`/api/find?what=object`"),
    ("GET", "/api/vod", None, (), "`/api/vod` (live"),
    ("GET", "/api/vod?when=now&ch=1", None, (), "`/api/vod` (live"),
    ("GET", "/api/vod?ch=1&when=2018-01-08T21:30:00Z", None, ("Playback",), "`/api/vod?when=...`, `?id=...`"),
    ("GET", "/api/vod?id=1", None, ("Playback",), "`/api/vod?when=...`, `?id=...`"),
]


@pytest.mark.parametrize("method, path, body, rights, row", RIGHTS, ids=[r[1] for r in RIGHTS])
def test_rights_table_matches_the_code(client, add_user, method, path, body, rights, row):
    table = [line for line in (REPO / "docs" / "authentication.md").read_text(encoding="utf-8").splitlines()
             if line.startswith(f"| {row}")]
    assert len(table) == 1, f"no single row for {row} in the rights table"
    for right in rights:
        assert f"`{right}`" in table[0], f"the row of {row} does not name {right}"
    sep = "&" if "?" in path else "?"
    enough = add_user("enough", rights=",".join(("Remote", *rights)))
    r = client.request(method, f"{path}{sep}auth={enough}", content=body)
    assert r.status_code == 200, r.text
    for missing in rights:
        fewer = add_user(f"no{missing}", rights=",".join(("Remote", *(x for x in rights if x != missing))))
        r = client.request(method, f"{path}{sep}auth={fewer}", content=body)
        assert r.status_code == 403, r.text
    no_remote = add_user("noRemote", rights=",".join(rights) or "LPR")
    assert client.request(method, f"{path}{sep}auth={no_remote}", content=body).status_code == 403
