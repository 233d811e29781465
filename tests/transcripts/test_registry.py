"""The ordered registry of readers: one entry per format, documented, trial folders recognised by it alone."""

from __future__ import annotations

import json
from pathlib import Path

from git_skill.transcripts import detect
from git_skill.transcripts.registry import BY_NAME, READERS, is_trial
from git_skill.transcripts.sources import expand_sources
from tests.conftest import REPO_ROOT
from tests.support.runs import write_harbor_trial


def test_one_reader_per_format_each_documented_and_folders_tried_first() -> None:
    assert len(BY_NAME) == len(READERS)
    page = (REPO_ROOT / "docs" / "transcripts.md").read_text(encoding="utf-8")
    assert all(f"`{reader.name}`" in page or reader.name in page for reader in READERS)
    folders = [reader.folder for reader in READERS]
    assert folders == sorted(folders, reverse=True)  # every folder reader before every file reader


def test_trial_folders_and_run_folders_are_told_apart_by_the_registry(tmp_path: Path) -> None:
    job = tmp_path / "job"
    trial = write_harbor_trial(job, "a", 1, 1.0)
    tb = tmp_path / "run" / "b" / "b.1-of-1"
    tb.mkdir(parents=True)
    (tb / "results.json").write_text(json.dumps({"task_id": "b", "instruction": "Do b.", "is_resolved": True}))
    assert is_trial(trial) and is_trial(tb) and not is_trial(job) and not is_trial(tmp_path / "run")
    assert detect(trial)[0] == "harbor" and detect(tb)[0] == "terminal-bench"
    assert expand_sources(tmp_path) == sorted([trial, tb])
    atif = trial / "agent" / "trajectory.json"
    assert detect(atif) == ("atif", None)  # recognised from its head, never parsed whole
