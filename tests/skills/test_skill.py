"""The SKILL.md model: faithful round trips, line-local edits, and a finding for every malformed file."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from git_skill.errors import GitSkillError
from git_skill.skills.skill import MAX_SKILL_BYTES, SkillFile, new_skill_text, read_skill_file, split_lines

SAMPLES = [
    b"---\nname: my-skill\ndescription: Does things. Use when needed.\n---\n# Body\n",
    b"---\r\nname: my-skill   # keep this comment\r\ndescription: 'quoted: yes'\r\n---\r\nbody\r\n",
    b"---\rname: my-skill\rdescription: d\r---\rbody\r",
    b"\xef\xbb\xbf---\nname: my-skill\ndescription: d\n---\n",
    b"---\n# leading comment\nname: \"my-skill\"\ndescription: >\n  folded\n  text\nmetadata:\n  b: '2'\n  a: x\n---\n\nno newline at end",
    b"---\nname: my-skill\ndescription: d\n---",
]


def parse(raw: bytes, folder: str = "my-skill") -> SkillFile:
    return SkillFile.from_bytes(raw, f"{folder}/SKILL.md", folder)


@pytest.mark.parametrize("raw", SAMPLES)
def test_unchanged_skill_serializes_to_identical_bytes(raw: bytes) -> None:
    assert parse(raw).to_bytes() == raw


@given(st.binary(max_size=400))
@settings(max_examples=300, deadline=None)
def test_any_bytes_parse_without_exception_and_round_trip(raw: bytes) -> None:
    skill = parse(b"---\n" + raw)
    assert skill.to_bytes() == b"---\n" + raw
    assert all(f.rule for f in skill.findings)


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_any_text_frontmatter_never_raises(text: str) -> None:
    skill = parse(f"---\n{text}\n---\nbody\n".encode("utf-8", "surrogatepass"))
    assert skill.fields is not None or skill.findings


def test_set_field_rewrites_only_that_fields_lines() -> None:
    raw = (b"---\r\n# comment stays\r\nname: my-skill  # inline comment stays\r\n"
           b"description: >\r\n  old folded\r\n  text\r\nlicense: 'MIT'\r\n---\r\nBody\r\n")
    skill = parse(raw)
    skill.set_field("description", "New text. Use when testing.")
    before, after = split_lines(raw.decode()), split_lines(skill.to_bytes().decode())
    assert after[:3] == before[:3]
    assert after[3] == "description: New text. Use when testing.\r\n"
    assert after[4:] == before[6:]
    assert skill.fields["description"] == "New text. Use when testing."
    assert skill.fields["license"] == "MIT"


def test_set_field_adds_a_missing_key_before_the_closing_fence_and_quotes_ambiguous_values() -> None:
    skill = parse(b"---\nname: my-skill\ndescription: d\n---\nBody\n")
    skill.set_field("license", "yes")
    skill.set_field("compatibility", "line one\nline two")
    assert skill.to_bytes() == (b"---\nname: my-skill\ndescription: d\nlicense: 'yes'\n"
                                b"compatibility: |-\n  line one\n  line two\n---\nBody\n")
    assert parse(skill.to_bytes()).fields["license"] == "yes"


def test_nested_metadata_edit_keeps_other_fields_byte_identical() -> None:
    raw = b"---\nname: my-skill\nmetadata:\n  author: a\n  version: '1'\ndescription: d\n---\n"
    skill = parse(raw)
    skill.set_field("metadata", {"author": "a", "version": "2", "learned-from": "sha256:ab"})
    text = skill.to_bytes().decode()
    assert text.startswith("---\nname: my-skill\nmetadata:\n")
    assert text.endswith("description: d\n---\n")
    assert skill.fields["metadata"] == {"author": "a", "version": "2", "learned-from": "sha256:ab"}


def test_remove_field_and_set_body_keep_line_endings() -> None:
    skill = parse(b"---\r\nname: my-skill\r\nlicense: MIT\r\ndescription: d\r\n---\r\nold\r\n")
    skill.remove_field("license")
    skill.set_body("new\nbody\n")
    assert skill.to_bytes() == b"---\r\nname: my-skill\r\ndescription: d\r\n---\r\nnew\r\nbody\r\n"


def test_bom_survives_an_edit() -> None:
    skill = parse(b"\xef\xbb\xbf---\nname: my-skill\ndescription: d\n---\n")
    skill.set_field("description", "e")
    assert skill.to_bytes() == b"\xef\xbb\xbf---\nname: my-skill\ndescription: e\n---\n"


def test_editing_an_unreadable_skill_is_refused() -> None:
    skill = parse(b"no frontmatter\n")
    with pytest.raises(GitSkillError):
        skill.set_field("name", "x")


BAD_FILES = [
    (b"", "file-empty", 1),
    (b"\xef\xbb\xbf---\nname: my-skill\ndescription: d\n---\n", "file-bom", 1),
    (b"---\rname: my-skill\rdescription: d\r---\r", "file-line-endings", 1),
    (b"# just markdown\n", "frontmatter-missing", 1),
    (b"---\nname: my-skill\ndescription: d\n", "frontmatter-unterminated", 1),
    (b"---\nname: my-skill\n...\nbody\n", "frontmatter-unterminated", 1),
    (b"---\n- name\n- description\n---\n", "frontmatter-not-mapping", 2),
    (b"---\njust a string\n---\n", "frontmatter-not-mapping", 2),
    (b"---\nname: my-skill\ndescription: a\ndescription: b\n---\n", "frontmatter-duplicate-key", 4),
    (b"---\nname: my-skill\n\tdescription: d\n---\n", "frontmatter-tab", 3),
    (b"---\nname: my-skill\ndescription: caf\xe9\n---\n", "file-encoding", 3),
    (b"---\nname: my-skill\ndescription: [unclosed\n---\n", "frontmatter-yaml-syntax", 4),
    (b"---\nname: &a my-skill\ndescription: *a\n---\n", "frontmatter-yaml-alias", 2),
    (b"---\nname: !!python/name:os.system x\ndescription: d\n---\n", "frontmatter-yaml-tag", 2),
]


@pytest.mark.parametrize(("raw", "rule", "line"), BAD_FILES, ids=[case[1] + f"-{i}" for i, case in enumerate(BAD_FILES)])
def test_malformed_files_give_a_precise_finding(raw: bytes, rule: str, line: int) -> None:
    skill = parse(raw)
    matching = [f for f in skill.findings if f.rule == rule]
    assert matching, skill.findings
    assert matching[0].line == line
    assert matching[0].path == "my-skill/SKILL.md"
    assert skill.to_bytes() == raw


def test_yaml_alias_bomb_is_refused_quickly() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}" if i > 1 else "*a"] * 9) + "]")
    skill = parse(("---\n" + "\n".join(lines) + "\n---\n").encode())
    assert any(f.rule == "frontmatter-yaml-alias" for f in skill.findings)


def test_huge_file_is_reported_without_being_read(tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    path = folder / "SKILL.md"
    with path.open("wb") as handle:
        handle.truncate(MAX_SKILL_BYTES + 1)
    skill = read_skill_file(path)
    assert [f.rule for f in skill.findings] == ["file-too-large"]
    assert skill.fields is None


def test_a_folder_named_skill_md_is_not_opened(tmp_path: Path) -> None:
    folder = tmp_path / "s"
    (folder / "SKILL.md").mkdir(parents=True)  # a folder where the file should be
    skill = read_skill_file(folder / "SKILL.md")
    assert [f.rule for f in skill.findings] == ["file-not-regular"]


def test_lowercase_file_name_is_a_warning() -> None:
    skill = SkillFile.from_bytes(b"---\nname: s\ndescription: d\n---\nx\n", "s/skill.md", "s")
    assert [f.rule for f in skill.findings] == ["file-name"]


def test_new_skill_text_parses_back() -> None:
    text = new_skill_text("my-skill", "Line: with colon. Use when: testing.", "# Body\n", {"license": "MIT"})
    skill = parse(text.encode())
    assert skill.findings == []
    assert skill.fields == {"name": "my-skill", "description": "Line: with colon. Use when: testing.", "license": "MIT"}


def test_body_start_line_counts_the_frontmatter() -> None:
    skill = parse(b"---\nname: a\ndescription: d\n---\nbody\n")
    assert skill.body_start_line == 5
