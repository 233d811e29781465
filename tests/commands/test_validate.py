"""`git skill validate`: outputs, exit codes, profiles from config, staged content."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git, run_cli, skill_text, write_skill


def test_clean_repository_exits_0(repo: Path) -> None:
    write_skill(repo / ".claude/skills", "good-skill")
    result = run_cli("validate", cwd=repo)
    assert result.code == 0, result
    assert "1 skill checked under the agentskills profile: all valid" in result.out


def test_findings_exit_1_with_path_line_and_rule(repo: Path) -> None:
    write_skill(repo / "skills", "bad-skill", skill_text("Bad-Skill"))
    result = run_cli("validate", cwd=repo)
    assert result.code == 1
    assert "skills/bad-skill/SKILL.md:2:1: error [name-lowercase]" in result.out
    assert "1 invalid" in result.out
    assert "Traceback" not in result.out + result.err


def test_json_output_has_the_documented_shape(repo: Path) -> None:
    write_skill(repo / "skills", "good-skill")
    write_skill(repo / "skills", "bad-skill", skill_text("bad-skill", extra="owner: me\n"))
    result = run_cli("validate", "--format", "json", cwd=repo)
    assert result.code == 1
    document = json.loads(result.out)
    assert document["version"] == 1 and document["profile"] == "agentskills"
    assert document["summary"] == {"skills": 2, "invalid": 1, "errors": 1, "warnings": 0, "infos": 0}
    assert {s["name"]: s["valid"] for s in document["skills"]} == {"bad-skill": False, "good-skill": True}
    finding = document["findings"][0]
    assert finding == {"path": "skills/bad-skill/SKILL.md", "line": 4, "column": None, "rule": "field-unknown",
                       "severity": "error", "message": finding["message"]}


def test_github_annotations(repo: Path) -> None:
    write_skill(repo / "skills", "bad-skill", skill_text("bad-skill", description="''"))
    result = run_cli("validate", "--format", "github", cwd=repo)
    assert result.code == 1
    assert result.out.startswith("::error file=skills/bad-skill/SKILL.md,line=3,title=description-empty::")


def test_profile_from_git_config_and_bad_value(repo: Path) -> None:
    write_skill(repo / "skills", "my-skill", skill_text("my-skill", extra="user-invocable: false\n"))
    assert run_cli("validate", cwd=repo).code == 1
    git(repo, "config", "skill.profile", "claude-code")
    assert run_cli("validate", cwd=repo).code == 0
    assert run_cli("validate", "--profile", "agentskills", cwd=repo).code == 1
    git(repo, "config", "skill.profile", "nonsense")
    result = run_cli("validate", cwd=repo)
    assert result.code == 2 and "skill.profile is 'nonsense'" in result.err


def test_usage_errors_exit_2(repo: Path) -> None:
    missing = run_cli("validate", "no/such/path", cwd=repo)
    assert missing.code == 2 and "no such file or folder: no/such/path" in missing.err
    bad_option = run_cli("validate", "--format", "xml", cwd=repo)
    assert bad_option.code == 2
    assert run_cli("validate", "--staged", "x", cwd=repo).code == 2


def test_no_skills_is_not_a_failure(repo: Path) -> None:
    result = run_cli("validate", cwd=repo)
    assert result.code == 0 and "no skills found" in result.err


def test_strict_fails_on_warnings(repo: Path) -> None:
    write_skill(repo / "skills", "my-skill", skill_text("my-skill", body=""))
    assert run_cli("validate", cwd=repo).code == 0
    assert run_cli("validate", "--strict", cwd=repo).code == 1


def test_staged_checks_the_index_not_the_work_tree(repo: Path) -> None:
    skill = write_skill(repo / "skills", "my-skill")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "good skill")
    (skill / "SKILL.md").write_text(skill_text("Broken"))  # unstaged breakage: not what is committed
    assert run_cli("validate", "--staged", cwd=repo).code == 0
    git(repo, "add", "-A")
    staged = run_cli("validate", "--staged", cwd=repo)
    assert staged.code == 1 and "[name-lowercase]" in staged.out
    (skill / "SKILL.md").write_text(skill_text("my-skill"))  # fixed in the work tree only
    assert run_cli("validate", "--staged", cwd=repo).code == 1


def test_staged_before_the_first_commit_and_for_supporting_files(repo: Path) -> None:
    skill = write_skill(repo / "skills", "my-skill", skill_text("other"))
    (skill / "references").mkdir()
    (skill / "references" / "notes.md").write_text("notes")
    git(repo, "add", "skills/my-skill/references/notes.md")
    result = run_cli("validate", "--staged", cwd=repo)
    assert result.code == 0  # SKILL.md itself is not staged yet: nothing of the skill is in the index
    git(repo, "add", "-A")
    assert run_cli("validate", "--staged", cwd=repo).code == 1


def test_staged_outside_a_repository_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("validate", "--staged", cwd=tmp_path)
    assert result.code == 2 and "needs a git repository" in result.err


def test_validate_a_single_folder_outside_any_repository(tmp_path: Path) -> None:
    write_skill(tmp_path, "loose-skill")
    assert run_cli("validate", "loose-skill", cwd=tmp_path).code == 0
    assert run_cli("validate", "loose-skill/SKILL.md", cwd=tmp_path).code == 0
