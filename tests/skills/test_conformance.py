"""Same verdict as the reference validator skills-ref under the `agentskills` profile.

Every intentional difference is listed in KNOWN_DIFFERENCES with its reason (also in
docs/rules.md), and the test asserts that those cases really do differ, so the list
cannot go stale.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from git_skill.skills.profiles import get_profile
from git_skill.skills.skill import MAX_SKILL_BYTES, read_skill_file
from git_skill.skills.validation import has_errors, validate_skill

from tests.conftest import SHARED_FIXTURES, requires_shared

skills_ref_validator = pytest.importorskip("skills_ref.validator")

D = "description: Does a thing. Use when testing.\n"

# case id -> (folder name, SKILL.md bytes, file name)
CASES: dict[str, tuple[str, bytes, str]] = {
    "minimal": ("my-skill", f"---\nname: my-skill\n{D}---\n# Body\n".encode(), "SKILL.md"),
    "all-fields": ("my-skill", (f"---\nname: my-skill\n{D}license: MIT\ncompatibility: Python 3.11\n"
                                "allowed-tools: Bash Read\nmetadata:\n  author: me\n  version: '1.0'\n---\nx\n").encode(),
                   "SKILL.md"),
    "unicode-name": ("café-outils", f"---\nname: café-outils\n{D}---\nx\n".encode(), "SKILL.md"),
    "nfkc-name": ("my-skill", f"---\nname: ｍｙ-skill\n{D}---\nx\n".encode(), "SKILL.md"),
    "name-yes": ("yes", f"---\nname: yes\n{D}---\nx\n".encode(), "SKILL.md"),
    "crlf": ("my-skill", f"---\r\nname: my-skill\r\n{D.strip()}\r\n---\r\nx\r\n".encode(), "SKILL.md"),
    "cr-only": ("my-skill", f"---\rname: my-skill\r{D.strip()}\r---\rx\r".encode(), "SKILL.md"),
    "lowercase-file": ("my-skill", f"---\nname: my-skill\n{D}---\nx\n".encode(), "skill.md"),
    "empty-body": ("my-skill", f"---\nname: my-skill\n{D}---\n".encode(), "SKILL.md"),
    "metadata-number": ("my-skill", f"---\nname: my-skill\n{D}metadata:\n  version: 2\n---\nx\n".encode(), "SKILL.md"),
    "name-64": ("a" * 64, f"---\nname: {'a' * 64}\n{D}---\nx\n".encode(), "SKILL.md"),
    "description-1024": ("my-skill", f"---\nname: my-skill\ndescription: {'d' * 1024}\n---\nx\n".encode(), "SKILL.md"),
    "compatibility-500": ("my-skill", f"---\nname: my-skill\n{D}compatibility: {'c' * 500}\n---\nx\n".encode(), "SKILL.md"),
    "comment": ("my-skill", f"---\n# note\nname: my-skill  # why\n{D}---\nx\n".encode(), "SKILL.md"),
    # invalid under both
    "bom": ("my-skill", b"\xef\xbb\xbf" + f"---\nname: my-skill\n{D}---\nx\n".encode(), "SKILL.md"),
    "empty-file": ("my-skill", b"", "SKILL.md"),
    "no-frontmatter": ("my-skill", b"# Title\n", "SKILL.md"),
    "unterminated": ("my-skill", f"---\nname: my-skill\n{D}".encode(), "SKILL.md"),
    "list": ("my-skill", b"---\n- name\n---\nx\n", "SKILL.md"),
    "duplicate-key": ("my-skill", f"---\nname: my-skill\n{D}{D}---\nx\n".encode(), "SKILL.md"),
    "tab-indent": ("my-skill", f"---\nname: my-skill\n\t{D}---\nx\n".encode(), "SKILL.md"),
    "uppercase": ("My-Skill", f"---\nname: My-Skill\n{D}---\nx\n".encode(), "SKILL.md"),
    "underscore": ("my_skill", f"---\nname: my_skill\n{D}---\nx\n".encode(), "SKILL.md"),
    "name-65": ("a" * 65, f"---\nname: {'a' * 65}\n{D}---\nx\n".encode(), "SKILL.md"),
    "leading-hyphen": ("-my", f"---\nname: -my\n{D}---\nx\n".encode(), "SKILL.md"),
    "trailing-hyphen": ("my-", f"---\nname: my-\n{D}---\nx\n".encode(), "SKILL.md"),
    "double-hyphen": ("my--skill", f"---\nname: my--skill\n{D}---\nx\n".encode(), "SKILL.md"),
    "folder-mismatch": ("other", f"---\nname: my-skill\n{D}---\nx\n".encode(), "SKILL.md"),
    "unknown-field": ("my-skill", f"---\nname: my-skill\n{D}version: 1\n---\nx\n".encode(), "SKILL.md"),
    "description-1025": ("my-skill", f"---\nname: my-skill\ndescription: {'d' * 1025}\n---\nx\n".encode(), "SKILL.md"),
    "compatibility-501": ("my-skill", f"---\nname: my-skill\n{D}compatibility: {'c' * 501}\n---\nx\n".encode(), "SKILL.md"),
    "empty-description": ("my-skill", b"---\nname: my-skill\ndescription: ''\n---\nx\n", "SKILL.md"),
    "blank-description": ("my-skill", b"---\nname: my-skill\ndescription: '   '\n---\nx\n", "SKILL.md"),
    "missing-name": ("my-skill", f"---\n{D}---\nx\n".encode(), "SKILL.md"),
    "missing-description": ("my-skill", b"---\nname: my-skill\n---\nx\n", "SKILL.md"),
    "flow-allowed-tools": ("my-skill", f"---\nname: my-skill\n{D}allowed-tools: [Bash, Read]\n---\nx\n".encode(), "SKILL.md"),
    "empty-name": ("my-skill", f"---\nname:\n{D}---\nx\n".encode(), "SKILL.md"),
    "anchor": ("my-skill", f"---\nname: &n my-skill\n{D}---\nx\n".encode(), "SKILL.md"),
    # intentional differences (see KNOWN_DIFFERENCES)
    "name-true": ("true", f"---\nname: true\n{D}---\nx\n".encode(), "SKILL.md"),
    "block-list-allowed-tools": ("my-skill", f"---\nname: my-skill\n{D}allowed-tools:\n  - Bash\n---\nx\n".encode(),
                                 "SKILL.md"),
    "dashes-in-description": ("my-skill", b"---\ndescription: Converts a --- b tables. Use when x.\nname: my-skill\n---\nx\n",
                              "SKILL.md"),
    "padded-name": ("my-skill", f"---\nname: ' my-skill '\n{D}---\nx\n".encode(), "SKILL.md"),
}

KNOWN_DIFFERENCES = {
    "name-true": "YAML 1.2 reads `true` as a boolean (as JavaScript loaders do); skills-ref's strictyaml reads every scalar as text",
    "block-list-allowed-tools": "the specification defines `allowed-tools` as a space-separated string; skills-ref does not check its type",
    "dashes-in-description": "skills-ref splits the file on the first two `---` anywhere, so `---` inside a value breaks it; we split on lines",
    "padded-name": "skills-ref strips spaces around the name before checking it; agents compare the name as written",
    "huge-file": "we do not read a SKILL.md over 5 MB; skills-ref reads it whole",
}


def our_verdict(folder: Path, file_name: str) -> bool:
    skill = read_skill_file(folder / file_name, f"{folder.name}/{file_name}")
    return not has_errors(validate_skill(skill, get_profile("agentskills")))


def reference_verdict(folder: Path) -> bool:
    return skills_ref_validator.validate(folder) == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_generated_case_matches_skills_ref(case: str, tmp_path: Path) -> None:
    folder_name, data, file_name = CASES[case]
    folder = tmp_path / folder_name
    folder.mkdir()
    (folder / file_name).write_bytes(data)
    ours, theirs = our_verdict(folder, file_name), reference_verdict(folder)
    if case in KNOWN_DIFFERENCES:
        assert ours != theirs, f"{case} no longer differs; remove it from KNOWN_DIFFERENCES and docs/rules.md"
    else:
        assert ours == theirs, f"{case}: ours={ours} skills-ref={theirs}"


def test_huge_file_is_a_known_difference(tmp_path: Path) -> None:
    folder = tmp_path / "my-skill"
    folder.mkdir()
    text = f"---\nname: my-skill\n{D}---\n".encode()
    (folder / "SKILL.md").write_bytes(text + b"x" * (MAX_SKILL_BYTES + 1 - len(text)))
    assert our_verdict(folder, "SKILL.md") is False and reference_verdict(folder) is True


def test_every_known_difference_is_documented() -> None:
    rules_doc = (Path(__file__).resolve().parents[2] / "docs" / "rules.md").read_text(encoding="utf-8")
    for case in KNOWN_DIFFERENCES:
        assert f"`{case}`" in rules_doc, case


@requires_shared
def test_every_shared_fixture_skill_gets_the_reference_verdict() -> None:
    folders = sorted(p.parent for p in (SHARED_FIXTURES / "skills").rglob("SKILL.md"))
    assert folders
    for folder in folders:
        assert our_verdict(folder, "SKILL.md") == reference_verdict(folder), folder
