"""Phase one: each attempt (one source: a transcript or a trial folder) read, digested and hashed once,
then studied on its own: the distiller's lessons always, a model's reflection too when one is used.

Attempts are independent of each other and of the library, so this phase runs in parallel
(worker processes for reading, threads for model calls) and its result is kept on the attempt.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import signal
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.learning.batch import workers_for
from git_skill.learning.distiller import Lessons
from git_skill.stopping import STOPPING_SIGNALS
from git_skill.transcripts.digest import Digest
from git_skill.workspace import Workspace

Reflection = dict[str, Any]  # a reply valid under schemas/reflection.schema.json


@dataclass
class Attempt:
    """One source and what phase one learned from it (picklable, for worker processes)."""

    source: str
    source_digest: str  # the hash of the source's bytes (`digests.source_digest`): cache key and provenance
    task: str
    lessons: Lessons
    feedback: tuple[Path, ...] = ()
    format: str = ""  # the transcript format: a session of an agent we read goes where that agent looks
    use_feedback: bool = True  # False: learned from the trajectory alone (--no-feedback)
    digest: Digest | None = None  # the session as read, kept only until a model has reflected on it
    reflection: Reflection | None = None  # the model's, when a model learns


@dataclass(frozen=True)
class Unreadable:
    """A source of a batch that could not be read: reported in the summary, the others still learned."""

    source: str
    message: str
    exit_code: int

    def to_dict(self) -> dict[str, object]:
        return {"source": self.source, "error": self.message, "exit_code": self.exit_code}


def read_attempt(source: str, source_digest: str, feedback: tuple[str, ...], use_feedback: bool = True,
                 keep_digest: bool = False) -> Attempt:
    """Read, digest and distill one source (in a worker process under --jobs)."""
    from git_skill import exit_codes
    from git_skill.learning.distiller import extract
    from git_skill.transcripts import open_transcript
    from git_skill.transcripts.digest import collect

    try:
        transcript = open_transcript(Path(source), [Path(f) for f in feedback], use_feedback)
    except GitSkillError as error:
        if error.exit_code == exit_codes.BAD_INPUT and "not a transcript format" in error.message:
            raise GitSkillError(f"nothing to learn from {error.message}", error.exit_code) from None
        raise
    digest = collect(transcript)
    lessons = extract(digest)
    task = str(digest.facts.get("task_id") or lessons.name)
    return Attempt(source, source_digest, task, lessons, tuple(Path(f) for f in feedback),
                   str(digest.facts.get("format", "")), use_feedback, digest if keep_digest else None)


def _read_or_report(source: str, source_digest: str, feedback: tuple[str, ...], use_feedback: bool,
                    keep_digest: bool) -> Attempt | Unreadable:
    """`read_attempt`, with a source's own bad input returned rather than raised, so one broken trial
    does not stop a batch of hundreds."""
    try:
        return read_attempt(source, source_digest, feedback, use_feedback, keep_digest)
    except GitSkillError as error:
        return Unreadable(source, error.message, error.exit_code)


def read_all(sources: dict[str, str], feedback: tuple[str, ...], jobs: int, use_feedback: bool = True,
             batch: bool = True, keep_digest: bool = False,
             progress: Callable[[str], None] | None = None) -> Iterator[Attempt | Unreadable]:
    """Read every source (path -> its source digest), `jobs` at a time, in input order. In a batch a
    source's bad input is returned as `Unreadable`; a source learned alone raises it."""
    read = _read_or_report if batch else read_attempt
    paths, digests = list(sources), list(sources.values())
    count = len(paths)
    workers = workers_for(jobs, count)
    if workers <= 1:
        results: Iterator[Attempt | Unreadable] = (
            read(path, digest, feedback, use_feedback, keep_digest) for path, digest in zip(paths, digests))
        for result in results:
            if progress:
                progress(result.source)
            yield result
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_signals)
    try:
        # The workers are forked as the work is submitted: with the stopping signals held meanwhile, none
        # lands in a half-made worker (or in a fork handler, which would swallow it); held ones come after.
        # Submitted one by one, not with map: map cancels what is left when stopped, which races the pool
        # failing the same futures once its workers are killed (InvalidStateError in Python 3.11).
        held = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING_SIGNALS)
        try:
            futures = [pool.submit(read, path, digest, feedback, use_feedback, keep_digest)
                       for path, digest in zip(paths, digests)]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for future in futures:
            result = future.result()
            if progress:
                progress(result.source)
            yield result
    except BaseException:  # stopped (a signal, an error): no worker outlives the run
        for worker in multiprocessing.active_children():
            worker.kill()  # the pool sees them gone and fails what was left
        raise
    finally:
        pool.shutdown(wait=True)


def _worker_signals() -> None:
    """A worker leaves stopping to the run that started it: a signal to the group (Ctrl-C, `timeout`) must not
    kill a worker that holds the pool's queue, and the run kills its workers itself when it stops."""
    for number in STOPPING_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING_SIGNALS)  # held while the worker was forked


class ReflectionCache:
    """Reflections by source digest and model, under `.git/`, so a rerun of a batch (one that failed
    half-way, or learned again with --force) pays only for the attempts it has not reflected on yet."""

    def __init__(self, workspace: Workspace, model: str) -> None:
        self.folder = Path(workspace.git_dir) / "git-skill" / "reflections" if workspace.git_dir else None
        self.model = model

    def _path(self, attempt: Attempt) -> Path | None:
        if self.folder is None:
            return None
        key = f"{self.model}\0{attempt.source_digest}\0{attempt.use_feedback}".encode("utf-8")
        return self.folder / f"{hashlib.sha256(key).hexdigest()}.json"

    def get(self, attempt: Attempt) -> Reflection | None:
        path = self._path(attempt)
        if path is None or not path.is_file():
            return None
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return None  # a damaged entry only costs a call
        return loaded if isinstance(loaded, dict) else None

    def put(self, attempt: Attempt, reflection: Reflection) -> None:
        path = self._path(attempt)
        if path is not None:
            write_atomic(path, json.dumps(reflection, sort_keys=True).encode("utf-8"))
