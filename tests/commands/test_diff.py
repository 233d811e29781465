"""`git skill diff`: revisions, the work tree and folders, compared field by field and section by section."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Upstream, git, run_cli, skill_text, write_skill

BODY = "# Deploy\n\n## Steps\n\n1. Build.\n2. Push.\n\n## Verify\n\n- Check health.\n"


def committed(repo: Path) -> None:
    root = repo / ".agents" / "skills"
    write_skill(root, "deploy-service", skill_text("deploy-service", body=BODY))
    write_skill(root, "old-name", skill_text("old-name", body="# Notes\n\n" + "- A long enough line of notes.\n" * 8))
    write_skill(root, "retired", skill_text("retired"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "skills")


def change_work_tree(repo: Path) -> None:
    root = repo / ".agents" / "skills"
    deploy = root / "deploy-service"
    text = skill_text("deploy-service", description="Deploy the API. Use when releasing.",
                      body=BODY.replace("2. Push.", "2. Push with a tag.") + "\n## Rollback\n\n- Redeploy.\n")
    (deploy / "SKILL.md").write_text(text)
    (deploy / "scripts").mkdir()
    (deploy / "scripts" / "tag.sh").write_text("#!/bin/sh\n")
    (root / "old-name").rename(root / "new-name")
    (root / "new-name" / "SKILL.md").write_text((root / "new-name" / "SKILL.md").read_text().replace("old-name", "new-name"))
    (root / "retired" / "SKILL.md").unlink()
    (root / "retired").rmdir()
    write_skill(root, "brand-new", skill_text("brand-new", description="Rotate API keys safely. Use when a key leaks.",
                                              body="# Rotate keys\n\n1. Issue a new key.\n2. Revoke the old one.\n"))


def test_work_tree_against_head(repo: Path) -> None:
    committed(repo)
    change_work_tree(repo)
    result = run_cli("diff", "--format", "json", cwd=repo)
    assert result.code == 0, result.err
    changes = {c["path"]: c for c in json.loads(result.out)["changes"]}
    deploy = changes[".agents/skills/deploy-service"]
    assert deploy["status"] == "changed"
    assert deploy["fields"] == [{"key": "description", "old": "Format Python files with the project's settings. "
                                 "Use when code style checks fail.", "new": "Deploy the API. Use when releasing."}]
    sections = {s["heading"]: s for s in deploy["sections"]}
    assert sections["## Steps"]["status"] == "changed" and "+2. Push with a tag." in sections["## Steps"]["diff"]
    assert sections["## Rollback"]["status"] == "added" and "## Verify" not in sections
    assert deploy["files"] == {"scripts/tag.sh": "added"}
    renamed = changes[".agents/skills/new-name"]
    assert renamed["status"] == "renamed" and renamed["old_path"] == ".agents/skills/old-name"
    assert changes[".agents/skills/retired"]["status"] == "removed"
    assert changes[".agents/skills/brand-new"]["status"] == "added"
    text = run_cli("diff", cwd=repo).out
    assert "changed .agents/skills/deploy-service" in text and "section '## Steps': changed" in text
    assert "renamed .agents/skills/new-name (from .agents/skills/old-name)" in text
    old_description = "Format Python files with the project's settings. Use when code style checks fail."
    assert ("  field description:\n"
            f'    - "{old_description}"\n'
            '    + "Deploy the API. Use when releasing."\n') in text  # long values: a line each, whole


def test_short_field_changes_read_on_one_line(repo: Path) -> None:
    committed(repo)
    skill = repo / ".agents" / "skills" / "retired" / "SKILL.md"
    skill.write_text(skill_text("retired", extra="license: MIT\n"))
    text = run_cli("diff", cwd=repo).out
    assert '  field license: (none) → "MIT"' in text


def test_revisions_folders_and_exit_code(repo: Path, tmp_path: Path) -> None:
    committed(repo)
    assert run_cli("diff", "--exit-code", cwd=repo).code == 0  # nothing changed
    change_work_tree(repo)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "changes")
    between = run_cli("diff", "HEAD~1", "HEAD", "--exit-code", cwd=repo)
    assert between.code == 1 and "removed .agents/skills/retired" in between.out
    other = tmp_path / "other"
    write_skill(other, "deploy-service", skill_text("deploy-service", body=BODY))
    folders = run_cli("diff", str(other), str(repo / ".agents" / "skills"), "--format", "json", cwd=repo)
    paths = {c["path"]: c["status"] for c in json.loads(folders.out)["changes"]}
    assert paths["deploy-service"] == "changed" and paths["brand-new"] == "added"


def test_bad_sides_are_usage_errors(repo: Path, tmp_path: Path) -> None:
    committed(repo)
    unknown = run_cli("diff", "no-such-branch", cwd=repo)
    assert unknown.code == 2 and "unknown revision 'no-such-branch'" in unknown.err
    remote = run_cli("diff", (tmp_path / "no-such-upstream").as_uri() + "@main", cwd=repo)
    assert remote.code == 6 and "nothing changed" in remote.err and "Traceback" not in remote.err
    assert run_cli("diff", cwd=tmp_path).code == 2


def test_remote_sources_are_fetched_into_the_cache_and_line_up_by_skill(repo: Path, upstream: Upstream) -> None:
    committed(repo)
    first = git(upstream.path, "rev-parse", "HEAD").stdout.strip()
    assert run_cli("add", f"{upstream.url}//skills/pdf-forms", cwd=repo).code == 0
    upstream.write("skills/pdf-forms/SKILL.md",
                   (upstream.path / "skills/pdf-forms/SKILL.md").read_text().replace("None recorded.", "Flatten first."))
    upstream.commit("advice")
    against = run_cli("diff", f"{upstream.url}//skills", "--format", "json", cwd=repo)
    assert against.code == 0, against.err
    assert "fetched into the cache" in against.err
    changes = {c["path"]: c for c in json.loads(against.out)["changes"]}
    assert changes["pdf-forms"]["status"] == "changed"  # skills/pdf-forms upstream vs .agents/skills/pdf-forms here
    assert changes["pdf-forms"]["sections"][0]["heading"] == "## Pitfalls"
    assert changes["deploy-service"]["status"] == "added"  # only here
    assert (changes["retired"]["status"], changes["retired"]["old_path"]) == ("renamed", "csv-cleaning")  # same body
    between = run_cli("diff", f"{upstream.url}@{first}", f"{upstream.url}@main", "--exit-code", cwd=repo)
    assert between.code == 1 and "changed pdf-forms" in between.out and "Flatten first." in between.out
    assert git(repo, "cat-file", "-e", first, check=False).returncode != 0  # nothing fetched into this repository


def test_a_local_repository_takes_revision_expressions(repo: Path, upstream: Upstream) -> None:
    committed(repo)
    upstream.write("skills/pdf-forms/SKILL.md",
                   (upstream.path / "skills/pdf-forms/SKILL.md").read_text().replace("None recorded.", "Flatten first."))
    upstream.commit("advice")
    local = run_cli("diff", f"{upstream.path}@HEAD~1", str(upstream.path), "--exit-code", cwd=repo)
    assert local.code == 1, local.err
    assert "changed pdf-forms" in local.out and "Flatten first." in local.out
    missing = run_cli("diff", f"{upstream.path}@HEAD~9", str(upstream.path), cwd=repo)
    assert missing.code == 2 and "no such commit" in missing.err and "Traceback" not in missing.err
    remote = run_cli("diff", f"{upstream.url}@HEAD~1", cwd=repo)
    assert remote.code == 2 and "revision expression" in remote.err and "refs/git-skill" not in remote.err
