"""A record longer than the sniffed head is still recognised, and a long line is read in memory bounded
by a cap per text (issue 11, defect 9). Peak memory itself is measured by bench/bench_long_record.py."""

from __future__ import annotations

import io
import json
from pathlib import Path

import orjson
import pytest

from git_skill.transcripts import _SNIFF_BYTES, detect, jsonl, open_transcript
from git_skill.transcripts import events as ev
from git_skill.transcripts.digest import collect, fit

BASE = {"parentUuid": None, "isSidechain": False, "userType": "external", "cwd": "/home/dev/project",
        "sessionId": "6f1c2a9e-long", "version": "2.0.14"}


def test_a_first_record_over_the_sniffed_head_is_still_claude_code(tmp_path: Path) -> None:
    paste = "Traceback line from the paste\n" * (_SNIFF_BYTES // 20)
    path = tmp_path / "session.jsonl"
    with path.open("w") as handle:
        handle.write(json.dumps({**BASE, "type": "user", "uuid": "u0",
                                 "message": {"role": "user", "content": "Fix the importer. Log:\n" + paste}}) + "\n")
        handle.write(json.dumps({**BASE, "type": "assistant", "uuid": "a1",
                                 "message": {"id": "m1", "content": [{"type": "text", "text": "Fixed the importer."}]}}) + "\n")
    assert path.stat().st_size > _SNIFF_BYTES
    assert detect(path)[0] == "claude-code"
    text, _, _ = fit(collect(open_transcript(path)), 24000)
    assert "Fix the importer." in text and "Fixed the importer." in text


def test_leading_fields_of_a_record_cut_short() -> None:
    line = json.dumps({"type": "user", "sessionId": "s", "n": [1, {"a": "b"}], "message": {"content": "x" * 100}})
    assert jsonl.leading_fields(line[:70].encode()) == {"type": "user", "sessionId": "s", "n": [1, {"a": "b"}]}
    assert jsonl.leading_fields(b"not json") == {} and jsonl.leading_fields(b"[1, 2") == {}
    assert jsonl.leading_fields(b'{"a": 1, "b"') == {"a": 1}


@pytest.fixture
def small_caps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "LONG_LINE_BYTES", 256)
    monkeypatch.setattr(jsonl, "STRING_KEEP_BYTES", 40)


HOSTILE_TEXTS = [
    "plain ascii " * 100,
    'quotes " and backslashes \\ and \\" everywhere ' * 30,
    "accents é, CJK 漢字, emoji 🙂 and escapes \n\t\u0001 " * 30,
    "\\" * 999,
    "🙂" * 500,
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_a_long_line_keeps_each_string_head_and_tail(small_caps: None, text: str) -> None:
    record = {"type": "user", "short": "kept whole", "long": text, "nested": [{"again": text}], "n": 1.5}
    for ensure_ascii in (True, False):
        line = json.dumps(record, ensure_ascii=ensure_ascii).encode() + b"\n"
        report = ev.ReadReport()
        lines = list(jsonl.read_lines(io.BytesIO(line + b'{"next": 1}\n'), report))
        assert len(lines) == 2 and orjson.loads(lines[1]) == {"next": 1}
        shrunk = orjson.loads(lines[0])
        assert shrunk["short"] == "kept whole" and shrunk["n"] == 1.5 and shrunk["type"] == "user"
        for value in (shrunk["long"], shrunk["nested"][0]["again"]):
            head, _, tail = value.partition("\n[… ")
            assert head and text.startswith(head)
            assert text.endswith(tail.split(" bytes cut …]\n", 1)[1])
            assert len(value.encode()) < 200


def test_a_line_whose_bulk_is_not_strings_is_skipped_and_counted(small_caps: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsonl, "SHRUNK_LINE_BYTES", 1000)
    line = json.dumps({"numbers": list(range(2000))}).encode() + b"\n"
    report = ev.ReadReport()
    assert list(jsonl.read_lines(io.BytesIO(line + b'{"next": 1}\n'), report)) == [b'{"next": 1}\n']
    assert report.skipped == {jsonl.TOO_LARGE: 1}


def test_a_long_cast_output_event_is_shrunk(small_caps: None, tmp_path: Path) -> None:
    path = tmp_path / "agent.cast"
    header = json.dumps({"version": 2, "width": 80, "height": 24})
    output = "root@box:/app# make\r\n" + "compiling module\r\n" * 200 + "root@box:/app# exit\r\n"
    path.write_text(header + "\n" + json.dumps([0.1, "o", output]) + "\n")
    events = list(open_transcript(path).events)
    assert [e.command for e in events if e.kind == ev.TOOL_CALL][0] == "make"
