"""The merge driver under a real `git merge`, and `git skill install --merge-driver` / `--uninstall`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import env_with_git_skill, git, run_cli
from tests.support.merge import BASE


def branchy_repo(repo: Path, ours_edit: tuple[str, str], theirs_edit: tuple[str, str]) -> Path:
    skill = repo / ".agents" / "skills" / "deploy-service" / "SKILL.md"
    skill.parent.mkdir(parents=True)
    skill.write_text(BASE)
    assert run_cli("install", "--merge-driver", cwd=repo).code == 0
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-qb", "theirs")
    skill.write_text(BASE.replace(*theirs_edit))
    git(repo, "commit", "-qam", "theirs")
    git(repo, "checkout", "-q", "main")
    skill.write_text(BASE.replace(*ours_edit))
    git(repo, "commit", "-qam", "ours")
    return skill


def merge(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "merge", "--no-edit", "theirs"], cwd=repo, capture_output=True, text=True,
                          env=env_with_git_skill())


def test_edits_to_different_sections_merge_cleanly(repo: Path) -> None:
    skill = branchy_repo(repo, ("2. Push it.", "2. Push it with the tag."),
                         ("- Check the health endpoint.", "- Check the health endpoint and logs."))
    # Adjacent lines: git's own line merge would conflict here; the section-aware driver does not.
    result = merge(repo)
    assert result.returncode == 0, result.stdout + result.stderr
    text = skill.read_text()
    assert "with the tag" in text and "and logs" in text and "<<<<<<<" not in text


def test_same_line_edits_stop_with_markers_in_the_right_section(repo: Path) -> None:
    skill = branchy_repo(repo, ("1. Build the image.", "1. Build the image fast."),
                         ("1. Build the image.", "1. Build the image slowly."))
    result = merge(repo)
    assert result.returncode != 0
    text = skill.read_text()
    steps = text.split("## Steps")[1].split("## Verify")[0]
    assert "<<<<<<< ours" in steps and "fast" in steps and "slowly" in steps
    assert "<<<<<<<" not in text.split("## Steps")[0] + text.split("## Verify")[1]


def test_install_is_idempotent_and_uninstall_removes_it(repo: Path) -> None:
    (repo / ".gitattributes").write_text("*.png binary")
    assert run_cli("install", "--merge-driver", cwd=repo).code == 0
    again = run_cli("install", "--merge-driver", cwd=repo)
    assert "already installed" in again.out
    assert (repo / ".gitattributes").read_text() == "*.png binary\nSKILL.md merge=git-skill\n"
    assert git(repo, "config", "merge.git-skill.driver").stdout.strip() == "git-skill merge-driver %O %A %B %P"
    removed = run_cli("install", "--uninstall", cwd=repo)
    assert removed.code == 0
    assert (repo / ".gitattributes").read_text() == "*.png binary\n"
    assert git(repo, "config", "merge.git-skill.driver", check=False).returncode != 0


def test_merge_command_exit_codes(tmp_path: Path) -> None:
    base, ours, theirs = (tmp_path / n for n in ("base.md", "ours.md", "theirs.md"))
    base.write_text(BASE)
    ours.write_text(BASE.replace("1. Build the image.", "1. Build A."))
    theirs.write_text(BASE.replace("1. Build the image.", "1. Build B."))
    conflict = run_cli("merge", str(base), str(ours), str(theirs), cwd=tmp_path)
    assert conflict.code == 1 and "<<<<<<< ours" in conflict.out
    theirs.write_text(BASE.replace("- Check the health endpoint.", "- Check it."))
    ours.write_text(BASE)
    clean = run_cli("merge", str(base), str(ours), str(theirs), "-o", str(tmp_path / "out.md"), cwd=tmp_path)
    assert clean.code == 0 and "- Check it." in (tmp_path / "out.md").read_text()
