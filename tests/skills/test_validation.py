"""Each validation rule trips on a skill made to break it, under the profile that defines it."""

from __future__ import annotations

import pytest

from git_skill.skills.profiles import PROFILES, get_profile, profile_schema
from git_skill.skills.rules import RULES
from git_skill.skills.skill import SkillFile
from git_skill.skills.validation import validate_skill

from tests.conftest import GOOD_DESCRIPTION, skill_text


def findings_for(text: str, folder: str = "my-skill", profile: str = "agentskills") -> list[tuple[str, int | None]]:
    skill = SkillFile.from_bytes(text.encode("utf-8"), f"{folder}/SKILL.md", folder)
    return [(f.rule, f.line) for f in validate_skill(skill, get_profile(profile))]


def rules_for(text: str, folder: str = "my-skill", profile: str = "agentskills") -> set[str]:
    return {rule for rule, _ in findings_for(text, folder, profile)}


def test_a_good_skill_has_no_findings_under_every_profile() -> None:
    for profile in PROFILES:
        assert findings_for(skill_text("my-skill"), profile=profile) == []


CASES = [
    # (text, folder, profile, rule)
    ("---\ndescription: d\n---\nbody\n", "my-skill", "agentskills", "field-required"),
    (skill_text("my-skill", extra="version: 1\n"), "my-skill", "agentskills", "field-unknown"),
    (skill_text("true"), "true", "agentskills", "field-type"),
    (skill_text("my-skill", extra="allowed-tools: [Bash, Read]\n"), "my-skill", "agentskills", "field-type"),
    (skill_text("''"), "my-skill", "agentskills", "name-empty"),
    (skill_text("a" * 65), "a" * 65, "agentskills", "name-too-long"),
    (skill_text("-my-skill"), "-my-skill", "agentskills", "name-hyphens"),
    (skill_text("my--skill"), "my--skill", "agentskills", "name-hyphens"),
    (skill_text("My-Skill"), "My-Skill", "agentskills", "name-lowercase"),
    (skill_text("my_skill"), "my_skill", "agentskills", "name-characters"),
    (skill_text("café-tools"), "café-tools", "skill-creator", "name-characters"),
    (skill_text("ｍｙ-skill"), "my-skill", "agentskills", "name-not-normalized"),
    (skill_text("other-name"), "my-skill", "agentskills", "name-folder-mismatch"),
    (skill_text("claude-helper"), "claude-helper", "claude-code", "name-reserved-word"),
    (skill_text("'  '"), "my-skill", "agentskills", "name-characters"),
    (skill_text("my-skill", description="'   '"), "my-skill", "agentskills", "description-empty"),
    (skill_text("my-skill", description="x" * 1025), "my-skill", "agentskills", "description-too-long"),
    (skill_text("my-skill", description="Use <b>this</b> for x"), "my-skill", "claude-code", "description-xml-tag"),
    (skill_text("my-skill", description="Use a -> b chains"), "my-skill", "skill-creator", "description-angle-brackets"),
    (skill_text("my-skill", description="x" * 1000, extra="when_to_use: " + "y" * 600 + "\n"), "my-skill",
     "claude-code", "description-listing-truncated"),
    (skill_text("my-skill", extra="compatibility: " + "c" * 501 + "\n"), "my-skill", "agentskills", "compatibility-too-long"),
    (skill_text("my-skill", extra="metadata:\n  version: 1.0\n"), "my-skill", "agentskills", "metadata-value-type"),
    (skill_text("my-skill", extra="metadata: [a]\n"), "my-skill", "agentskills", "field-type"),
    (skill_text("my-skill", body=""), "my-skill", "agentskills", "body-empty"),
    (skill_text("my-skill", body="line\n" * 501), "my-skill", "claude-code", "body-too-long"),
    (skill_text("my-skill", extra="disable-model-invocation: 'yes'\n"), "my-skill", "claude-code", "field-type"),
]


@pytest.mark.parametrize(("text", "folder", "profile", "rule"), CASES, ids=[f"{c[3]}-{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_rule_trips(text: str, folder: str, profile: str, rule: str) -> None:
    assert rule in rules_for(text, folder, profile)


def test_every_rule_in_the_catalog_is_exercised_somewhere() -> None:
    exercised = {case[3] for case in CASES}
    file_level = {"file-name", "file-empty", "file-too-large", "file-unreadable", "file-encoding",
                  "file-bom", "file-line-endings", "symlink-escape", "symlink-loop", "file-not-regular",
                  "frontmatter-missing", "frontmatter-unterminated",
                  "frontmatter-yaml-syntax", "frontmatter-tab", "frontmatter-not-mapping", "frontmatter-duplicate-key",
                  "frontmatter-yaml-alias", "frontmatter-yaml-tag", "name-xml-tag",
                  "agent-copy-drift"}  # exercised in tests/agents/test_links.py
    assert set(RULES) - exercised - file_level == set()


def test_name_xml_tag_under_claude_code() -> None:
    # A name with a tag also breaks other name rules; the Claude Code one must be among them.
    assert "name-xml-tag" in rules_for(skill_text("'<b>x</b>'"), "x", "claude-code")


def test_profiles_differ_where_documented() -> None:
    claude_fields = skill_text("my-skill", extra="disable-model-invocation: true\nuser-invocable: false\n"
                               "allowed-tools: [Bash, Read]\nwhen_to_use: When testing.\n")
    assert "field-unknown" in rules_for(claude_fields, profile="agentskills")
    assert rules_for(claude_fields, profile="claude-code") == set()
    unicode_name = skill_text("café-tools")
    assert rules_for(unicode_name, "café-tools", "agentskills") == set()
    assert rules_for(unicode_name, "café-tools", "skill-creator") == {"name-characters"}
    arrows = skill_text("my-skill", description="Turns a -> b. Use when mapping.")
    assert rules_for(arrows, profile="agentskills") == set()


def test_findings_point_at_the_offending_line() -> None:
    text = "---\nname: my-skill\ndescription: d\nlicense: MIT\nextra-field: x\n---\nbody\n"
    assert ("field-unknown", 5) in findings_for(text)
    assert ("name-lowercase", 2) in findings_for("---\nname: Bad\ndescription: d\n---\nbody\n", folder="Bad")


def test_yes_and_dates_are_strings_like_in_javascript_loaders() -> None:
    assert rules_for(skill_text("yes", extra="license: 2024-01-01\n"), "yes") == set()


def test_schema_is_valid_draft_2020_12_for_each_profile() -> None:
    from jsonschema import Draft202012Validator

    for profile in PROFILES.values():
        schema = profile_schema(profile)
        assert schema["$schema"].endswith("2020-12/schema")
        Draft202012Validator.check_schema(schema)


def test_description_with_good_text_is_valid() -> None:
    assert rules_for(skill_text("my-skill", description=GOOD_DESCRIPTION)) == set()
