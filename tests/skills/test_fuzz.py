"""Property-based fuzz of the SKILL.md parser (issue 11): random bytes and mutated skills give findings,
never an exception; validation and lint of what was parsed do the same.

Seeded (derandomize) and moderate in size, so CI is deterministic and the suite stays fast.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_skill.findings import Finding
from git_skill.lint import lint_skill
from git_skill.lint.config import LintConfig
from git_skill.skills import yaml_reader
from git_skill.skills.profiles import PROFILES, get_profile
from git_skill.skills.skill import SkillFile
from git_skill.skills.diff import compare_skill
from git_skill.skills.merge import merge_skill
from git_skill.skills.validation import validate_skill

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=150,
                suppress_health_check=[HealthCheck.too_slow])

SEED = ("---\nname: format-code\ndescription: Format code. Use when style checks fail.\nmetadata:\n"
        "  owner: team\nallowed-tools: Bash\n---\n\n# Steps\n\nRun `ruff format`.\n")
# pieces that stress YAML and the frontmatter splitter
TOKENS = ["---", "...", ":", ": ", "- ", "\t", "\r", "\r\n", "\n", "&a", "*a", "!!python/object", "!tag", "{", "}",
          "[", "]", "'", '"', "|", ">", "#", "%YAML 1.1", "\ufeff", "\x00", "é", "\u202e", "name", "description",
          "metadata", "  ", "? ", "<<: *a", "yes", "0x1F", "1e400", "~", "null", "2026-01-01", "\\"]


def check_skill(raw: bytes) -> None:
    skill = SkillFile.from_bytes(raw, "fuzz/SKILL.md", "fuzz")
    assert all(isinstance(f, Finding) for f in skill.findings)
    for name in PROFILES:
        assert all(isinstance(f, Finding) for f in validate_skill(skill, get_profile(name)))
    assert all(isinstance(f, Finding) for f in lint_skill(skill, None, LintConfig(), Path("/nonexistent")))
    if skill.fields is not None:
        assert skill.to_bytes() == raw or skill.bom


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(raw: bytes) -> None:
    check_skill(raw)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(SEED)), st.sampled_from(TOKENS) | st.text(max_size=8)),
                min_size=1, max_size=6))
def test_mutated_skill(insertions: list[tuple[int, str]]) -> None:
    text = SEED
    for position, token in insertions:
        text = text[:position] + token + text[position:]
    check_skill(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.lists(st.sampled_from(TOKENS) | st.text(max_size=4), max_size=30))
def test_yaml_reader(pieces: list[str]) -> None:
    result = yaml_reader.load("".join(pieces))
    assert result is not None


def mutated(insertions: list[tuple[int, str]]) -> str:
    text = SEED
    for position, token in insertions:
        text = text[:position] + token + text[position:]
    return text


INSERTIONS = st.lists(st.tuples(st.integers(0, len(SEED)), st.sampled_from(TOKENS + ["<<<<<<< ours\n", "=======\n",
                                                                                       "\n## Extra\n"])), max_size=4)


@FUZZ
@given(INSERTIONS, INSERTIONS, INSERTIONS)
def test_merge_and_diff(base: list[tuple[int, str]], ours: list[tuple[int, str]], theirs: list[tuple[int, str]]) -> None:
    """Three-way merge and the semantic diff take any three texts (a NUL once crashed libgit2's merge)."""
    texts = [mutated(base), mutated(ours), mutated(theirs)]
    result = merge_skill(*texts)
    assert isinstance(result.text, str) and result.conflicts >= 0
    compare_skill("fuzz", {"SKILL.md": texts[0].encode("utf-8", "surrogatepass")},
                  {"SKILL.md": texts[1].encode("utf-8", "surrogatepass")})


def test_merge_of_texts_holding_nul() -> None:
    result = merge_skill(SEED, SEED.replace("Run", "Then run"), SEED.replace("Bash", "Ba\0sh").replace("Run", "Do"))
    assert result.conflicts >= 1 and "<<<<<<< ours" in result.text
