"""SOURCE parsing: locations, //subpaths and @refs, and the refusals that protect the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.sharing.source import (
    Source,
    check_relative_path,
    display_url,
    parse_source,
)


@pytest.mark.parametrize(("spec", "expected"), [
    ("https://github.com/acme/skills.git", Source("https://github.com/acme/skills.git")),
    ("https://github.com/acme/skills//skills/pdf@v1.2", Source("https://github.com/acme/skills", "skills/pdf", "v1.2")),
    ("https://github.com/acme/skills@feature/x//skills/pdf", Source("https://github.com/acme/skills", "skills/pdf", "feature/x")),
    ("https://user@example.com/acme/skills.git@main", Source("https://user@example.com/acme/skills.git", "", "main")),
    ("git@github.com:acme/skills.git", Source("git@github.com:acme/skills.git")),
    ("git@github.com:acme/skills.git//pdf@main", Source("git@github.com:acme/skills.git", "pdf", "main")),
    ("ssh://git@example.com:2222/acme/skills.git//a/b", Source("ssh://git@example.com:2222/acme/skills.git", "a/b")),
    ("file:///srv/skills//team/pdf@0123456789abcdef0123456789abcdef01234567",
     Source("file:///srv/skills", "team/pdf", "0123456789abcdef0123456789abcdef01234567")),
    ("acme/skills", Source("https://github.com/acme/skills.git")),
    ("acme/skills.git//skills/pdf@v2", Source("https://github.com/acme/skills.git", "skills/pdf", "v2")),
    ("acme/skills//./skills//pdf/", Source("https://github.com/acme/skills.git", "skills/pdf")),
])
def test_parse(spec: str, expected: Source, tmp_path: Path) -> None:
    assert parse_source(spec, tmp_path, tmp_path) == expected


def test_local_folders_win_over_shorthand_and_are_recorded_relative_to_the_repository(tmp_path: Path) -> None:
    (tmp_path / "acme" / "skills").mkdir(parents=True)
    root = tmp_path / "repo"
    (root / "sub").mkdir(parents=True)
    assert parse_source("../../acme/skills//pdf", root / "sub", root) == Source("../acme/skills", "pdf")
    absolute = str(tmp_path / "acme" / "skills")
    assert parse_source(absolute, root, root).location == absolute
    assert parse_source("acme/skills", tmp_path, tmp_path) == Source("acme/skills")
    assert Source("../acme/skills").local_path(root) == (tmp_path / "acme" / "skills").resolve()


@pytest.mark.parametrize(("spec", "message"), [
    ("acme/skills//../../etc", "'..'"),
    ("acme/skills//skills/../../x", "'..'"),
    ("acme/skills///etc/passwd", "absolute"),
    ("acme/skills//.git/hooks", ".git"),
    ("acme/skills//a\\b", "backslash"),
    ("acme/skills@-upload-pack=evil", "not a valid ref"),
    ("acme/skills@a..b", "not a valid ref"),
    ("acme/skills@", "empty @REF"),
    ("https://user:hunter2@example.com/acme/skills.git", "password"),
    ("no-such-folder", "no such folder"),
    ("", "empty"),
])
def test_refusals(spec: str, message: str, tmp_path: Path) -> None:
    with pytest.raises(GitSkillError) as caught:
        parse_source(spec, tmp_path, tmp_path)
    assert caught.value.exit_code == exit_codes.USAGE
    assert message in caught.value.message
    assert "hunter2" not in caught.value.message


def test_a_file_is_not_a_source(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(GitSkillError, match="is a file"):
        parse_source("notes.txt", tmp_path, tmp_path)


def test_relative_path_check_normalizes() -> None:
    assert check_relative_path("./a//b/", "subpath") == "a/b"
    with pytest.raises(GitSkillError):
        check_relative_path(".GIT/config", "subpath")


def test_display_url_hides_passwords() -> None:
    assert display_url("https://me:s3cret@example.com/x.git") == "https://me:***@example.com/x.git"
    assert display_url("https://example.com/x.git") == "https://example.com/x.git"
