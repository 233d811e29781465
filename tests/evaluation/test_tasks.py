"""Held-out splits: a stable fold per task id, task files, and `learn` / `compare` honouring them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from git_skill.evaluation.tasks import fold_of
from tests.conftest import run_cli
from tests.support.runs import write_harbor_job, write_tb_run

TASKS = [f"task-{i}" for i in range(40)]


def test_fold_is_the_documented_hash_of_the_base_task_id() -> None:
    for task in TASKS:
        expected = int(hashlib.sha256(task.encode()).hexdigest()[:16], 16) % 3 + 1
        assert fold_of(task, 3) == expected
    assert fold_of("crack-7z-hash.hard", 2) == fold_of("crack-7z-hash.easy", 2) == fold_of("crack-7z-hash", 2)


def test_folds_partition_the_tasks() -> None:
    folds = [{t for t in TASKS if fold_of(t, 2) == k} for k in (1, 2)]
    assert folds[0] | folds[1] == set(TASKS) and not folds[0] & folds[1]
    assert all(len(fold) >= 10 for fold in folds)  # a hash split of 40 ids is never badly lopsided


def test_compare_fold_matches_the_same_tasks_given_as_a_file(tmp_path: Path) -> None:
    write_tb_run(tmp_path / "base", {t: i % 3 == 0 for i, t in enumerate(TASKS)})
    write_tb_run(tmp_path / "cand", {t: i % 2 == 0 for i, t in enumerate(TASKS)})
    listed = run_cli("compare", "base", "--fold", "2/2", "--list-tasks", cwd=tmp_path)
    assert listed.code == 0
    fold_two = sorted(t for t in TASKS if fold_of(t, 2) == 2)
    assert listed.out.split() == fold_two
    (tmp_path / "fold2.txt").write_text("# held out\n" + listed.out, encoding="utf-8")
    by_fold = json.loads(run_cli("compare", "base", "cand", "--fold", "2/2", "--format", "json", cwd=tmp_path).out)
    by_file = json.loads(run_cli("compare", "base", "cand", "--tasks", "fold2.txt", "--format", "json",
                                 cwd=tmp_path).out)
    assert by_fold["comparisons"][0]["tasks"] == len(fold_two)
    assert by_fold["comparisons"][0]["per_task"] == by_file["comparisons"][0]["per_task"]
    assert by_fold["selection"]["fold"] == "2/2"
    excluded = json.loads(run_cli("compare", "base", "cand", "--exclude-tasks", "fold2.txt", "--format", "json",
                                  cwd=tmp_path).out)
    assert {r["task"] for r in excluded["comparisons"][0]["per_task"]} == set(TASKS) - set(fold_two)
    text = run_cli("compare", "base", "cand", "--fold", "2/2", cwd=tmp_path).out
    assert "tasks scored: fold 2/2" in text


def _learned_tasks(tmp_path: Path, *args: str) -> list[str]:
    result = run_cli("learn", "job", "--dry-run", "--json", "--jobs", "1", *args, cwd=tmp_path)
    assert result.code == 0, result.err
    return sorted(Path(outcome["source"]).name.split("__")[0] for outcome in json.loads(result.out)["results"])


def test_learn_fold_learns_only_from_that_folds_trials(repo: Path) -> None:
    tasks = ["fix-git", "hello-world", "path-tracing", "train-fasttext", "count-dataset-tokens", "fix-permissions"]
    write_harbor_job(repo / "job", {task: [1.0] for task in tasks})
    for k in (1, 2):
        assert _learned_tasks(repo, "--fold", f"{k}/2") == sorted(t for t in tasks if fold_of(t, 2) == k)
    (repo / "keep.txt").write_text("fix-git\nhello-world\n", encoding="utf-8")
    assert _learned_tasks(repo, "--tasks", "keep.txt") == ["fix-git", "hello-world"]
    assert _learned_tasks(repo, "--exclude-tasks", "keep.txt") == sorted(set(tasks) - {"fix-git", "hello-world"})


def test_learn_fold_refuses_a_source_without_a_task_id(repo: Path) -> None:
    (repo / "session.jsonl").write_text(json.dumps({"role": "user", "content": "hi"}) + "\n", encoding="utf-8")
    result = run_cli("learn", "session.jsonl", "--fold", "1/2", "--dry-run", cwd=repo)
    assert result.code == 2 and "names no task" in result.err


@pytest.mark.parametrize("args, message", [
    (["--fold", "1/1"], "need 1 <= K <= N and N >= 2"),
    (["--tasks", "none.txt"], "nothing to learn: none of the 1 trials is in 1 listed tasks"),
])
def test_learn_selection_errors(repo: Path, args: list[str], message: str) -> None:
    write_harbor_job(repo / "job", {"fix-git": [1.0]})
    (repo / "none.txt").write_text("other-task\n", encoding="utf-8")
    result = run_cli("learn", "job", "--dry-run", *args, cwd=repo)
    assert result.code == 2 and message in result.err
