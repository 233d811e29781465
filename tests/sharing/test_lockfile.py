"""skills.lock: a round trip, a stable diff-friendly layout, and entries checked like user input."""

from __future__ import annotations

from pathlib import Path

import pytest

from git_skill.errors import GitSkillError
from git_skill.sharing.lockfile import LockEntry, read_lock, render_lock, write_lock


def entry(path: str, **changes: str) -> LockEntry:
    values = dict(path=path, source="https://example.com/acme/skills.git", subpath=f"skills/{path.rsplit('/', 1)[-1]}",
                  ref="main", commit="a" * 40, digest="sha256:" + "b" * 64)
    values.update(changes)
    return LockEntry(**values)


def test_round_trip_and_sorted_layout(tmp_path: Path) -> None:
    entries = {e.path: e for e in (entry(".agents/skills/zeta"), entry(".agents/skills/alpha", ref='we"ird\\ref\x7f'),
                                   entry(".agents/skills/ünï", subpath="skills/ünï"))}
    write_lock(tmp_path, entries)
    assert read_lock(tmp_path) == entries
    text = (tmp_path / "skills.lock").read_text()
    assert text.index("alpha") < text.index("zeta") < text.index("ünï")
    moved = dict(entries)
    moved[".agents/skills/zeta"] = entries[".agents/skills/zeta"].moved_to("c" * 40, "sha256:" + "d" * 64)
    changed = [a for a, b in zip(render_lock(entries).splitlines(), render_lock(moved).splitlines()) if a != b]
    assert len(changed) == 2  # one skill's commit and digest lines


COMPLETE = '\ncommit = ""\ndigest = "sha256:00"'


@pytest.mark.parametrize("body", [
    'version = 2\n',
    'version = 1\nskill = "x"\n',
    'version = 1\n[[skill]]\npath = "a"\nsource = "s"\nsubpath = "../../x"\n',
    f'version = 1\n[[skill]]\npath = "a"\nsource = "s"{COMPLETE}\n[[skill]]\npath = "a"\nsource = "s"{COMPLETE}\n',
    'version = 1\n[[skill]]\npath = "a"\n',
    'version = 1\n[[skill]]\npath = "a"\nsource = "s"\ndigest = "sha256:00"\n',  # no commit
    'version = 1\n[[skill]]\npath = "a"\nsource = "s"\ncommit = ""\n',  # no digest
    'version = 1\n[[skill]]\npath = "a"\nsource = "s"\ncommit = ""\ndigest = ""\n',
    'not toml at all [',
])
def test_bad_locks_are_clear_errors(tmp_path: Path, body: str) -> None:
    (tmp_path / "skills.lock").write_text(body)
    with pytest.raises(GitSkillError) as caught:
        read_lock(tmp_path)
    assert caught.value.exit_code == 3 and "skills.lock" in caught.value.message


@pytest.mark.parametrize("path", ["../escape", "/abs", ".git/hooks"])
def test_a_lock_path_outside_the_repository_is_refused(tmp_path: Path, path: str) -> None:
    (tmp_path / "skills.lock").write_text(f'version = 1\n[[skill]]\npath = "{path}"\nsource = "s"{COMPLETE}\n')
    with pytest.raises(GitSkillError) as caught:
        read_lock(tmp_path)
    assert caught.value.exit_code == 4 and "skills.lock" in caught.value.message


def test_no_lock_is_empty(tmp_path: Path) -> None:
    assert read_lock(tmp_path) == {}
