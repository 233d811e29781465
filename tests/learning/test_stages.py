"""The learning pipeline's stages on their own: grouping, the one measure of similar, the library,
the record of what learn wrote, and the plan's operation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from git_skill.learning.attempts import Attempt
from git_skill.learning.curation import Library, choose
from git_skill.learning.distiller import Lessons
from git_skill.learning.grouping import family, group_attempts
from git_skill.learning.learners import distinct_name
from git_skill.learning.plan import Operation
from git_skill.learning.writer import WrittenRecord, check_not_edited, LocalEdits
from git_skill.text.similarity import Profile, resemblance
from git_skill.workspace import open_workspace
from tests.conftest import git, run_cli

BODY = ("# Crack archives\n\n## Steps\n\n1. Extract the hash with `7z2john archive.7z > hash.txt`.\n"
        "2. Run `john --wordlist=rockyou.txt hash.txt` and wait for the cracked password.\n"
        "3. Open the archive with `7z x -p<password> archive.7z` and check the files.\n")


def attempt(task: str, steps: list[str], source: str | None = None, text: str | None = None) -> Attempt:
    lessons = Lessons(task=text or f"Recover the password of the {task} archive", name=task, outcome="resolved",
                      steps=steps, resolved=True, agent_steps=len(steps))
    return Attempt(source or f"/runs/{task}", f"sha256:{task}", task, lessons)


@pytest.mark.parametrize("task, expected", [
    ("crack-7z-hash.easy", "crack-7z-hash"), ("crack-7z-hash.hard", "crack-7z-hash"), ("crack-7z-hash", "crack-7z-hash"),
    ("fix-python3.11-build", "fix-python3.11-build"), ("v1.2", "v1.2"), ("lint.v2", "lint")])
def test_a_task_family_is_the_task_without_its_variant(task: str, expected: str) -> None:
    assert family(task) == expected


def test_attempts_group_by_task_then_family_and_stay_apart_otherwise() -> None:
    said: list[str] = []
    groups = group_attempts([
        attempt("crack-7z-hash", ["7z2john archive.7z > hash.txt"], "/a"),
        attempt("migrate-tables", ["sqlite3 app.db < migrate.sql", "sqlite3 app.db .tables"]),
        attempt("crack-7z-hash.easy", ["john --wordlist=small.txt hash.txt"]),
        attempt("crack-7z-hash", ["7z x archive.7z"], "/b"),
    ], said.append)
    assert [group.tasks for group in groups] == [["crack-7z-hash", "crack-7z-hash.easy"], ["migrate-tables"]]
    assert [group.family_name for group in groups] == ["crack-7z-hash", None]
    assert [a.source for a in groups[0].attempts] == ["/a", "/runs/crack-7z-hash.easy", "/b"]
    assert said == ["grouped: crack-7z-hash.easy is a variant of crack-7z-hash (task family crack-7z-hash)"]


def test_tasks_whose_lessons_are_near_duplicates_are_one_group() -> None:
    steps = ["7z2john archive.7z > hash.txt", "john --wordlist=rockyou.txt hash.txt", "7z x -pSECRET archive.7z"]
    said: list[str] = []
    text = "Recover the password of the backup archive and list its files"
    groups = group_attempts([attempt("open-archive", steps, text=text), attempt("recover-archive", steps, text=text),
                             attempt("migrate-tables", ["sqlite3 app.db < migrate.sql"])], said.append)
    assert [group.tasks for group in groups] == [["open-archive", "recover-archive"], ["migrate-tables"]]
    assert "their lessons are near-duplicates" in said[0]


def test_one_measure_of_similar_and_its_thresholds() -> None:
    same = resemblance(Profile.of("Crack 7z archive hashes with john.", BODY), Profile.of("Crack 7z archive hashes "
                                                                                        "with john.", BODY))
    assert same.near_duplicate and str(same) == "description similarity 1.00"
    other = resemblance(Profile.of("Migrate SQLite tables safely.", "short"), Profile.of("Crack 7z hashes.", BODY))
    assert not other.near_duplicate and other.body == 0.0  # a short body is not compared
    assert not resemblance(Profile.of("", ""), Profile.of("", "")).near_duplicate


def make_skill(root: Path, name: str, description: str, body: str = BODY) -> Path:
    folder = root / ".agents" / "skills" / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: {description}\n---\n\n{body}")
    return folder


def test_curation_extends_exactly_what_lint_calls_a_near_duplicate(repo: Path) -> None:
    description = "Recover a 7z archive password with john. Use when an archive asks for a password."
    make_skill(repo, "crack-7z-hash", description)
    library = Library.read(open_workspace(repo), ())
    near = library.near_duplicate(description.replace("Recover", "Crack"), BODY)
    assert near is not None and near.name == "crack-7z-hash"
    decision = choose("seven-zip", description, BODY + "- Check `7z t archive.7z` says Everything is Ok.\n", library)
    assert decision.operation == Operation.EXTEND and "near-duplicate" in decision.reason
    make_skill(repo, "seven-zip", description)  # what curation would have refused to create
    findings = json.loads(run_cli("lint", "--format", "json", cwd=repo).out)["findings"]
    assert any(f["rule"] == "near-duplicate" for f in findings)
    unrelated = choose("migrate-tables", "Migrate SQLite tables. Use when a schema changes.", "# Migrate\n", library)
    assert unrelated.operation == Operation.CREATE and "no similar skill" in unrelated.reason


def test_a_taken_name_clashes_only_with_a_skill_the_new_one_is_not_similar_to(repo: Path) -> None:
    description = "Recover a 7z archive password with john. Use when an archive asks for a password."
    make_skill(repo, "crack-7z-hash", description)
    library = Library.read(open_workspace(repo), ())
    assert library.clash("crack-7z-hash", description.replace("Recover", "Crack"), BODY) is None  # similar: extend
    clash = library.clash("crack-7z-hash", "Migrate SQLite tables. Use when a schema changes.", "# Migrate\n")
    assert clash is not None and clash.name == "crack-7z-hash" and not clash.resemblance.near_duplicate
    assert library.clash("migrate-tables", "Migrate SQLite tables.", "# Migrate\n") is None  # a free name
    assert library.names() == ["crack-7z-hash"]
    assert distinct_name("migrate-tables", ["crack-7z-hash"]) == "migrate-tables"
    assert distinct_name("migrate-tables", ["migrate-tables", "migrate-tables-2"]) == "migrate-tables-3"


def test_a_dry_run_library_holds_the_skills_the_batch_would_write(repo: Path) -> None:
    library = Library.read(open_workspace(repo), ())
    path = repo / ".agents" / "skills" / "crack-7z-hash" / "SKILL.md"
    planned = library.with_skill(path, f"---\nname: crack-7z-hash\ndescription: Crack 7z hashes.\n---\n\n{BODY}")
    assert library.named("crack-7z-hash") is None and planned.named("crack-7z-hash") is not None
    assert planned.fingerprint == library.fingerprint  # nothing was written


def test_the_written_record_tells_learns_output_from_a_persons_edit(repo: Path) -> None:
    workspace = open_workspace(repo)
    folder = make_skill(repo, "crack-7z-hash", "Crack 7z hashes. Use when an archive is locked.")
    record = WrittenRecord(workspace)
    assert record.path is not None
    record.path.parent.mkdir(parents=True, exist_ok=True)
    record.path.write_text(json.dumps({".agents/skills/crack-7z-hash": "sha256:" + "0" * 64}))  # the per-folder form
    with pytest.raises(LocalEdits):  # untracked and never written by learn: a person's
        check_not_edited(workspace, folder, record)
    (folder / "scripts").mkdir()
    (folder / "scripts" / "crack.sh").write_text("#!/bin/sh\njohn \"$1\"\n")
    record.remember(folder, ["SKILL.md", "scripts/crack.sh"])
    check_not_edited(workspace, folder, record)  # exactly as learn left it
    (folder / "SKILL.md").write_text((folder / "SKILL.md").read_text() + "\nMy note.\n")
    (folder / "notes.md").write_text("mine\n")
    with pytest.raises(LocalEdits) as refused:
        check_not_edited(workspace, folder, record)
    assert refused.value.exit_code == 4 and "uncommitted changes" in refused.value.message
    # only the files a person changed are named, not scripts/crack.sh that learn wrote and nobody touched
    assert "(.agents/skills/crack-7z-hash/SKILL.md, .agents/skills/crack-7z-hash/notes.md)" in refused.value.message
    record.remember(folder, ["SKILL.md"])  # learn wrote SKILL.md again (with --force): the note stays a person's
    with pytest.raises(LocalEdits) as again:
        check_not_edited(workspace, folder, record)
    assert "(.agents/skills/crack-7z-hash/notes.md)" in again.value.message
    assert sorted(json.loads(record.path.read_text())) == [".agents/skills/crack-7z-hash/SKILL.md",
                                                           ".agents/skills/crack-7z-hash/scripts/crack.sh"]
    (folder / "notes.md").unlink()
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "kept")
    check_not_edited(workspace, folder, record)  # committed: nothing in the way


def test_operations_say_what_happened() -> None:
    assert [op.done for op in Operation] == ["created", "extended", "updated", "untouched"]
    assert Operation("update") is Operation.UPDATE and json.dumps(Operation.EXTEND) == '"extend"'
