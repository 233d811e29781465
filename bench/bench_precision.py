"""Benchmark: precision of redaction and lint on real text nobody wrote for them.

    python bench/bench_precision.py [--fixtures ../shared/fixtures] [--values]

Runs over every real corpus in ../shared/fixtures (see its README):

- `skills/`: `git skill lint` of each collection (every finding), and the redactor over every
  text file of every skill, as lint reads them;
- `terminal-bench/`: each trial read as a transcript (what a model receives: colour escapes
  stripped, casts decoded), and every raw file of it (logs with their escapes, casts, panes,
  `commands.txt`, `results.json`), as a raw log reaches the redactor;
- `claude-code/`: each session read as a transcript, and the raw JSONL;
- `terminal-bench-runs/`: every raw `results.json`.

It prints each redaction (where, rule, confidence; the value itself only with `--values`,
for review) and each lint finding, then totals by corpus, rule and confidence, the recall
and hard-negative false positives on the labelled set (tests/text/test_redact.py), and the
time taken. `tests/test_precision_real.py` holds the reviewed list of what this prints: a new
finding, or one that disappears, fails that test until the list is reviewed again.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections import Counter
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from git_skill.cli import main as cli_main  # noqa: E402
from git_skill.lint.files import skill_files  # noqa: E402
from git_skill.text.redact import Redactor, finds_by_line  # noqa: E402
from git_skill.transcripts import open_transcript  # noqa: E402

DEFAULT_FIXTURES = REPO.parent / "shared" / "fixtures"
_BINARY_SUFFIXES = (".zip", ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".ttf", ".woff", ".woff2")


@dataclass(frozen=True)
class Find:
    """One redaction or lint finding; `where` is a fixture-relative path and a line (or event) number."""

    corpus: str
    what: str  # "redaction" or "lint"
    path: str
    line: int
    rule: str  # the redaction kind, or the lint rule
    detail: str  # the confidence, or the lint severity
    value: str = ""  # the redacted value (printed with --values only); the lint message

    @property
    def key(self) -> tuple[str, str, int, str, str]:
        return (self.what, self.path, self.line, self.rule, self.detail)


def _line_redactions(corpus: str, path: str, text: str) -> list[Find]:
    """The redactor over one raw text, each find placed on its line (as lint places them)."""
    return [Find(corpus, "redaction", path, find.line + 1, find.kind, find.confidence, find.value)
            for find in finds_by_line(text)]


def _transcript_redactions(corpus: str, path: str, source: Path) -> list[Find]:
    """A session read as a transcript: each event's redactions, numbered by event."""
    redactor = Redactor(record=True)
    transcript = open_transcript(source, redactor=redactor)
    finds = []
    seen = 0
    for number, _ in enumerate(transcript.events, start=1):
        for found in redactor.found[seen:]:
            finds.append(Find(corpus, "redaction", f"{path} (read)", number, found.kind, found.confidence, found.value))
        seen = len(redactor.found)
    for found in redactor.found[seen:]:  # the verifier's feedback, redacted after the events
        finds.append(Find(corpus, "redaction", f"{path} (read)", 0, found.kind, found.confidence, found.value))
    return finds


def _text(path: Path) -> str | None:
    if path.suffix.lower() in _BINARY_SUFFIXES:
        return None
    data = path.read_bytes()
    return None if b"\0" in data[:8192] else data.decode("utf-8", "replace")


def _lint(folder: Path, cwd: Path) -> list[dict]:
    """`git skill lint --format json FOLDER`, in this process, run from `cwd`."""
    out = io.StringIO()
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out):
            try:
                cli_main(["lint", "--format", "json", folder.relative_to(cwd).as_posix()])
            except SystemExit:
                pass
    finally:
        os.chdir(previous)
    return json.loads(out.getvalue())["findings"]


def collect(fixtures: Path) -> list[Find]:
    """Every redaction and lint finding over the real corpora in `fixtures`."""
    finds: list[Find] = []
    skills_root = fixtures / "skills"
    if skills_root.is_dir():
        for collection in sorted(p for p in skills_root.iterdir() if p.is_dir()):
            finds += [Find("skills", "lint", f["path"], f["line"] or 0, f["rule"], f["severity"], f["message"])
                      for f in _lint(collection, fixtures)]
            for skill_file in sorted(collection.rglob("SKILL.md")):
                for path in skill_files(skill_file.parent):
                    text = _text(path)
                    if text is not None:
                        finds += _line_redactions("skills", path.relative_to(fixtures).as_posix(), text)
    bench_root = fixtures / "terminal-bench"
    if bench_root.is_dir():
        for results in sorted(bench_root.rglob("results.json")):
            trial = results.parent
            relative = trial.relative_to(fixtures).as_posix()
            finds += _transcript_redactions("terminal-bench", relative, trial)
            for path in sorted(p for p in trial.rglob("*") if p.is_file()):
                text = _text(path)
                if text is not None:
                    finds += _line_redactions("terminal-bench", path.relative_to(fixtures).as_posix(), text)
    claude_root = fixtures / "claude-code"
    if claude_root.is_dir():
        for path in sorted(claude_root.glob("*.jsonl")):
            relative = path.relative_to(fixtures).as_posix()
            finds += _transcript_redactions("claude-code", relative, path)
            finds += _line_redactions("claude-code", relative, path.read_text("utf-8", "replace"))
    runs_root = fixtures / "terminal-bench-runs"
    if runs_root.is_dir():
        for path in sorted(runs_root.rglob("*.json")):
            finds += _line_redactions("terminal-bench-runs", path.relative_to(fixtures).as_posix(),
                                      path.read_text("utf-8", "replace"))
    return finds


def corpus_sizes(fixtures: Path) -> dict[str, tuple[int, int]]:
    """(files, bytes) of each corpus."""
    sizes = {}
    for corpus in ("skills", "terminal-bench", "claude-code", "terminal-bench-runs"):
        files = [p for p in (fixtures / corpus).rglob("*") if p.is_file()] if (fixtures / corpus).is_dir() else []
        sizes[corpus] = (len(files), sum(p.stat().st_size for p in files))
    return sizes


def labelled_set() -> tuple[float, int]:
    """Recall on the labelled fake secrets and false positives on the hard negatives (tests/text/test_redact.py)."""
    from git_skill.text.redact import redact_text
    from tests.text.test_redact import NON_SECRETS, SECRETS

    total = sum(len(values) for _, values in SECRETS)
    missed = sum(1 for text, values in SECRETS for value in values if value in redact_text(text)[0])
    false_positives = sum(1 for text in NON_SECRETS if redact_text(text)[0] != text)
    return 1 - missed / total, false_positives


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--values", action="store_true", help="print redacted values (for review; fixtures are public)")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON lines (without values)")
    args = parser.parse_args()
    if not args.fixtures.is_dir():
        sys.exit(f"no fixtures at {args.fixtures}")
    start = time.perf_counter()
    finds = collect(args.fixtures)
    elapsed = time.perf_counter() - start
    for find in finds:
        if args.json:
            print(json.dumps({k: v for k, v in find.__dict__.items() if k != "value" or find.what == "lint"}))
        elif find.what == "redaction":
            shown = f"  {find.value!r}" if args.values else ""
            print(f"redaction  {find.path}:{find.line}  {find.rule}  {find.detail}{shown}")
        else:
            print(f"lint       {find.path}:{find.line}  {find.detail}  [{find.rule}] {find.value}")
    print()
    sizes = corpus_sizes(args.fixtures)
    for corpus, (files, size) in sizes.items():
        counts = Counter((f.what, f.rule, f.detail) for f in finds if f.corpus == corpus)
        summary = ", ".join(f"{what} {rule} {detail}: {n}" for (what, rule, detail), n in sorted(counts.items())) or "nothing found"
        print(f"{corpus}: {files} files, {size / 1e6:.1f} MB; {summary}")
    recall, false_positives = labelled_set()
    print(f"labelled set: recall {recall:.2f}, {false_positives} false positives on the hard negatives")
    total = sum(size for _, size in sizes.values())
    print(f"{len(finds)} findings in {elapsed:.1f} s over {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
