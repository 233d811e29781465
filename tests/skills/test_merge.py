"""The three-way skill merge: clean when edits do not overlap, markers in the smallest conflicting part, and properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from git_skill.skills.merge import merge_skill
from git_skill.skills.profiles import get_profile
from git_skill.skills.skill import SkillFile
from git_skill.skills.validation import has_errors, validate_skill
from tests.support.merge import BASE

def edit(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


def test_edits_in_different_sections_and_fields_merge_cleanly() -> None:
    ours = edit(BASE, "2. Push it.", "2. Push it with the release tag.")
    ours = edit(ours, "description: Deploy the service. Use when releasing.", "description: Deploy the API service. Use when releasing.")
    theirs = edit(BASE, "- Check the health endpoint.", "- Check the health endpoint and the logs.")
    theirs = edit(theirs, "  version: '1'", "  version: '2'\n  reviewed: 'yes'")
    result = merge_skill(BASE, ours, theirs)
    assert result.clean, result.text
    for expected in ("2. Push it with the release tag.", "and the logs.", "Deploy the API service", "version: '2'",
                     "reviewed: 'yes'", "owner: ops"):
        assert expected in result.text
    assert "<<<<<<<" not in result.text


def test_same_line_edits_conflict_inside_that_section_only() -> None:
    ours = edit(BASE, "1. Build the image.", "1. Build the image with cache.")
    theirs = edit(BASE, "1. Build the image.", "1. Build the image without cache.")
    theirs = edit(theirs, "- Check the health endpoint.", "- Check the health endpoint twice.")
    result = merge_skill(BASE, ours, theirs)
    assert result.conflicts == 1
    steps = result.text.split("## Steps")[1].split("## Verify")[0]
    assert "<<<<<<< ours" in steps and "with cache" in steps and "without cache" in steps and ">>>>>>> theirs" in steps
    assert "- Check the health endpoint twice." in result.text.split("## Verify")[1]
    assert "<<<<<<<" not in result.text.split("## Steps")[0]


def test_conflicting_field_gets_markers_in_the_frontmatter() -> None:
    ours = edit(BASE, "Deploy the service. Use when releasing.", "Ship it. Use when releasing.")
    theirs = edit(BASE, "Deploy the service. Use when releasing.", "Roll out. Use when releasing.")
    result = merge_skill(BASE, ours, theirs)
    assert result.conflicts == 1
    head = result.text.split("\n---\n", 1)[0]
    assert "<<<<<<< ours\ndescription: Ship it. Use when releasing.\n=======\ndescription: Roll out. Use when releasing.\n>>>>>>> theirs" in head


def test_added_sections_keep_their_place_and_deleted_ones_go() -> None:
    ours = edit(BASE, "## Verify", "## Rollback\n\n- Redeploy the previous tag.\n\n## Verify")
    theirs = edit(BASE, "## Verify\n\n- Check the health endpoint.\n", "")
    result = merge_skill(BASE, ours, theirs)
    assert result.clean and "## Rollback" in result.text and "## Verify" not in result.text


def test_untouched_parts_keep_ours_bytes() -> None:
    ours = BASE.replace("\n", "\r\n")
    theirs = edit(BASE, "2. Push it.", "2. Push it.\n3. Tag it.")
    result = merge_skill(BASE.replace("\n", "\r\n"), ours, theirs.replace("\n", "\r\n"))
    assert result.clean and result.text == ours.replace("2. Push it.\r\n", "2. Push it.\r\n3. Tag it.\r\n")


# ------------------------------------------------------------------ properties
LINES = st.sampled_from(["- Run the tests.", "- Read the logs.", "1. Build.", "2. Ship.", "Plain text here.", ""])
SECTIONS = st.lists(st.tuples(st.sampled_from(["## Steps", "## Verify", "## Notes", "## Pitfalls"]),
                              st.lists(LINES, max_size=4)), max_size=4, unique_by=lambda s: s[0])
DESCRIPTIONS = st.sampled_from(["Deploy things. Use when releasing.", "Deploy the API. Use when shipping.",
                                "Roll out safely. Use when a release is due."])
METADATA = st.dictionaries(st.sampled_from(["owner", "version", "team"]), st.sampled_from(["a", "b", "1"]), max_size=3)


@st.composite
def skills(draw: st.DrawFn) -> str:
    metadata = draw(METADATA)
    meta = "".join(f"  {k}: '{v}'\n" for k, v in metadata.items())
    head = f"---\nname: deploy-service\ndescription: {draw(DESCRIPTIONS)}\n" + (f"metadata:\n{meta}" if meta else "") + "---\n\n"
    body = "# Deploy\n\n" + "".join(f"{h}\n\n" + "".join(line + "\n" for line in lines) + "\n" for h, lines in draw(SECTIONS))
    return head + body


@given(skills(), skills())
@settings(max_examples=150, deadline=None)
def test_identity_properties(base: str, x: str) -> None:
    assert merge_skill(base, x, x).text == x
    assert merge_skill(base, base, x).text == x
    assert merge_skill(base, x, base).text == x


@given(skills(), skills(), skills())
@settings(max_examples=200, deadline=None)
def test_a_clean_merge_of_valid_skills_is_valid(base: str, ours: str, theirs: str) -> None:
    result = merge_skill(base, ours, theirs)
    if result.clean:
        skill = SkillFile.from_bytes(result.text.encode(), "deploy-service/SKILL.md", "deploy-service")
        assert not has_errors(validate_skill(skill, get_profile("agentskills"))), result.text
        assert "<<<<<<<" not in result.text
    else:
        assert "<<<<<<< ours" in result.text
