"""The frontmatter YAML reader: YAML 1.2 core scalars, refusals, positions, no recursion limits."""

from __future__ import annotations

import math

import pytest

from git_skill.skills import yaml_reader


@pytest.mark.parametrize(("text", "expected"), [
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("2024-01-01", "2024-01-01"),
    ("true", True), ("False", False), ("~", None), ("", None), ("null", None),
    ("42", 42), ("-7", -7), ("0o17", 15), ("0x1f", 31), ("1.5", 1.5), ("1e3", 1000.0),
    ("1:30", "1:30"), ("0b101", "0b101"), ("my-skill", "my-skill"),
])
def test_plain_scalars_follow_the_yaml_1_2_core_schema(text: str, expected: object) -> None:
    assert yaml_reader.resolve_plain(text) == expected


def test_special_floats() -> None:
    assert yaml_reader.resolve_plain(".inf") == math.inf
    assert math.isnan(yaml_reader.resolve_plain(".nan"))


def test_quoted_scalars_stay_strings_and_core_tags_convert() -> None:
    result = yaml_reader.load("a: 'true'\nb: !!str 12\nc: !!int '12'\nd: !!float 1\n")
    assert result.value == {"a": "true", "b": "12", "c": 12, "d": 1.0}
    assert result.problems == []


def test_bad_core_tag_value_is_a_problem() -> None:
    result = yaml_reader.load("a: !!int twelve\n")
    assert [p.rule for p in result.problems] == ["frontmatter-yaml-tag"]


def test_top_level_spans_cover_block_values() -> None:
    result = yaml_reader.load("name: x\ndescription: |\n  one\n  two\n\n# gap\nmetadata:\n  a: b\n")
    assert (result.spans["name"].start_line, result.spans["name"].end_line) == (0, 1)
    assert (result.spans["description"].start_line, result.spans["description"].end_line) == (1, 5)
    assert (result.spans["metadata"].start_line, result.spans["metadata"].end_line) == (6, 8)


def test_nested_duplicate_keys_are_reported() -> None:
    result = yaml_reader.load("metadata:\n  a: 1\n  a: 2\n")
    assert [(p.rule, p.line) for p in result.problems] == [("frontmatter-duplicate-key", 2)]
    assert result.value == {"metadata": {"a": 1}}


def test_collection_as_key_is_refused() -> None:
    result = yaml_reader.load("? [a, b]\n: c\n")
    assert any(p.rule == "frontmatter-yaml-syntax" for p in result.problems)


def test_second_document_is_refused() -> None:
    result = yaml_reader.load("a: 1\n...\n---\nb: 2\n")
    assert any("more than one YAML document" in p.message for p in result.problems)


def test_deep_nesting_does_not_exhaust_the_stack() -> None:
    depth = 5000
    result = yaml_reader.load("a: " + "[" * depth + "]" * depth + "\n")
    assert result.problems == [] or all(p.rule == "frontmatter-yaml-syntax" for p in result.problems)
