"""`git skill install --hooks` and the plain git hook, exercised by real `git commit`s."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

import pytest

from tests.conftest import env_with_git_skill, git, git_skill_executable, run_cli, skill_text, write_skill
from tests.support.commits import COMMIT_FORMS


def commit(repo: Path, message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "commit", "-qm", message], cwd=repo, capture_output=True, text=True,
                          env=env_with_git_skill())


def test_installed_hook_rejects_a_bad_skill_and_passes_a_good_one(repo: Path) -> None:
    result = run_cli("install", "--hooks", cwd=repo)
    assert result.code == 0, result
    hook = repo / ".git" / "hooks" / "pre-commit"
    assert hook.stat().st_mode & stat.S_IXUSR
    write_skill(repo / "skills", "good-skill")
    git(repo, "add", "-A")
    assert commit(repo, "good").returncode == 0
    write_skill(repo / "skills", "bad-skill", skill_text("Bad"))
    git(repo, "add", "-A")
    rejected = commit(repo, "bad")
    assert rejected.returncode != 0
    assert "[name-lowercase]" in rejected.stdout + rejected.stderr
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1


def test_existing_foreign_hook_is_never_overwritten_without_force(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\necho mine\n")
    refused = run_cli("install", cwd=repo)
    assert refused.code == 4 and "--force" in refused.err
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    forced = run_cli("install", "--force", cwd=repo)
    assert forced.code == 0
    assert "git-skill pre-commit hook" in hook.read_text()
    assert (hook.parent / "pre-commit.git-skill-backup").read_text() == "#!/bin/sh\necho mine\n"
    again = run_cli("install", cwd=repo)
    assert again.code == 0 and "already installed" in again.out


def test_install_honours_core_hooks_path(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    assert run_cli("install", cwd=repo).code == 0
    assert (repo / ".githooks" / "pre-commit").is_file()


def test_install_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("install", cwd=tmp_path)
    assert result.code == 2 and "needs a git repository" in result.err


def test_installed_hook_lints_the_staged_content(repo: Path) -> None:
    assert run_cli("install", cwd=repo).code == 0
    skill = write_skill(repo / "skills", "fetch-data", skill_text(
        "fetch-data", body="# Fetch\n\n```sh\ncurl -k https://data.example/x.csv -o x.csv\n```\n"))
    git(repo, "add", "-A")
    rejected = commit(repo, "insecure")
    assert rejected.returncode != 0 and "[tls-disabled]" in rejected.stdout + rejected.stderr
    (skill / "SKILL.md").write_text(skill_text("fetch-data", body="# Fetch\n\n```sh\ncurl https://data.example/x.csv -o x.csv\n```\n"))
    assert commit(repo, "still the staged one").returncode != 0  # the fix is not staged yet
    git(repo, "add", "-A")
    assert commit(repo, "fixed").returncode == 0


def _installed_state(repo: Path) -> tuple[bool, bool, str]:
    hook = repo / ".git" / "hooks" / "pre-commit"
    attributes = repo / ".gitattributes"
    driver = git(repo, "config", "merge.git-skill.driver", check=False).stdout
    return hook.exists(), attributes.exists() and "merge=git-skill" in attributes.read_text(), driver


def test_dry_run_reports_each_step_and_writes_nothing(repo: Path) -> None:
    before = _installed_state(repo)
    planned = run_cli("install", "--dry-run", cwd=repo)
    assert planned.code == 0, planned
    assert "would install the git-skill pre-commit hook" in planned.out
    assert "would add 'SKILL.md merge=git-skill'" in planned.out
    assert "would define merge.git-skill.driver" in planned.out
    assert _installed_state(repo) == before == (False, False, "")
    assert run_cli("install", cwd=repo).code == 0
    installed = _installed_state(repo)
    assert installed[0] and installed[1] and installed[2]
    unplanned = run_cli("install", "--uninstall", "--dry-run", cwd=repo)
    assert unplanned.code == 0
    assert "would remove the git-skill hook" in unplanned.out and "would remove merge.git-skill.driver" in unplanned.out
    assert _installed_state(repo) == installed


def test_dry_run_still_refuses_a_foreign_hook(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\necho mine\n")
    refused = run_cli("install", "--dry-run", cwd=repo)
    assert refused.code == 4 and "--force" in refused.err
    forced = run_cli("install", "--dry-run", "--force", cwd=repo)
    assert forced.code == 0 and "would install" in forced.out
    assert hook.read_text() == "#!/bin/sh\necho mine\n"
    assert not (hook.parent / "pre-commit.git-skill-backup").exists()


def _committed_good_skill(repo: Path) -> Path:
    assert run_cli("install", "--hooks", cwd=repo).code == 0
    skill = write_skill(repo / "skills", "tidy")
    (repo / "README.md").write_text("readme\n")
    git(repo, "add", "-A")
    assert commit(repo, "good").returncode == 0
    return skill


@pytest.mark.parametrize("form", list(COMMIT_FORMS))
def test_every_commit_form_is_checked_by_the_installed_hook(repo: Path, form: str) -> None:
    """git gives -a, -- PATH, --only and -i commits a temporary index (GIT_INDEX_FILE): the hook must read it."""
    skill = _committed_good_skill(repo)
    stage_first, arguments = COMMIT_FORMS[form]
    (skill / "SKILL.md").write_text(skill_text("Tidy"))
    if stage_first:
        git(repo, "add", "-A")
    rejected = subprocess.run(["git", *arguments], cwd=repo, capture_output=True, text=True, env=env_with_git_skill())
    assert rejected.returncode != 0, rejected.stdout + rejected.stderr
    assert "[name-lowercase]" in rejected.stdout + rejected.stderr
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1


def test_a_partial_commit_is_checked_as_committed_not_as_staged(repo: Path) -> None:
    """`git commit -- README.md` leaves a staged bad skill out of the commit: the hook lets it through."""
    skill = _committed_good_skill(repo)
    (skill / "SKILL.md").write_text(skill_text("Tidy"))
    git(repo, "add", "-A")
    (repo / "README.md").write_text("readme, edited\n")
    partial = subprocess.run(["git", "commit", "-m", "readme only", "--", "README.md"], cwd=repo, capture_output=True,
                             text=True, env=env_with_git_skill())
    assert partial.returncode == 0, partial.stdout + partial.stderr
    assert git(repo, "show", "--stat", "--format=", "HEAD").stdout.strip().startswith("README.md")


def test_staged_checks_honour_git_dir_and_work_tree(repo: Path, tmp_path: Path) -> None:
    skill = write_skill(repo / "skills", "tidy", skill_text("Tidy", body="# Get\n\n`curl -k https://x.example`\n"))
    git(repo, "add", "-A")
    env = {**env_with_git_skill(), "GIT_DIR": str(repo / ".git"), "GIT_WORK_TREE": str(repo)}
    for check, rule in (("validate", "[name-lowercase]"), ("lint", "[tls-disabled]")):
        result = subprocess.run([git_skill_executable(), check, "--staged"], cwd=tmp_path, capture_output=True,
                                text=True, env=env)
        assert result.returncode == 1 and rule in result.stdout + result.stderr, (check, result)
    assert skill.is_dir()


def test_uninstall_restores_the_users_hook_and_force_never_overwrites_a_backup(repo: Path) -> None:
    hook = repo / ".git" / "hooks" / "pre-commit"
    backup = hook.with_name("pre-commit.git-skill-backup")
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text("#!/bin/sh\necho first\n")
    hook.chmod(0o755)
    assert run_cli("install", "--hooks", "--force", cwd=repo).code == 0
    assert backup.read_text() == "#!/bin/sh\necho first\n"
    hook.write_text("#!/bin/sh\necho second\n")  # the user puts another hook of theirs in place
    again = run_cli("install", "--hooks", "--force", cwd=repo)
    assert again.code == 4 and "backup" in again.err
    assert backup.read_text() == "#!/bin/sh\necho first\n" and hook.read_text() == "#!/bin/sh\necho second\n"
    hook.write_text(data_file_text())
    removed = run_cli("install", "--uninstall", "--hooks", cwd=repo)
    assert removed.code == 0 and "restored" in removed.out
    assert hook.read_text() == "#!/bin/sh\necho first\n" and hook.stat().st_mode & stat.S_IXUSR
    assert not backup.exists()


def data_file_text() -> str:
    from git_skill.resources import data_file

    return data_file("hooks", "pre-commit").read_text()
