"""Read any supported transcript into one event model, redacted before anything else sees it.

`open_transcript(path)` sniffs the format from content (not from the file name),
picks the reader, and wraps its event stream so that every text is clipped to a
bounded size and redacted. Feedback texts are redacted with the same redactor, so a
secret found in the session is removed from the verifier's log too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.folders import require_readable
from git_skill.text.redact import Redactor
from git_skill.transcripts import events as ev
from git_skill.transcripts.feedback import user_feedback
from git_skill.transcripts.registry import BY_NAME, READERS, SNIFF_BYTES, Sample, recognise

MAX_EVENT_CHARS = 256 * 1024
_REDACTION_MARGIN = 16 * 1024
_SNIFF_BYTES = SNIFF_BYTES


def _whole_run_results(path: Path) -> bool:
    """A Terminal-Bench run's results.json (every trial's verdict, no trajectory), or a folder holding only that."""
    from git_skill.evaluation.results import results_file_kind

    return results_file_kind(path) == "tb-run"


def _unknown(path: Path) -> GitSkillError:
    if _whole_run_results(path):
        return GitSkillError(f"{path}: a run's results (each trial's verdict) without the trials' sessions: nothing "
                             f"to learn from; 'git skill compare {path} OTHER_RUN' compares it with another run",
                             exit_codes.BAD_INPUT)
    known = "\n  ".join(f"{r.name}: {r.description}" for r in READERS)
    return GitSkillError(f"{path}: not a transcript format git-skill knows. Supported formats:\n  {known}",
                         exit_codes.BAD_INPUT)


def detect(path: Path) -> tuple[str, Any]:
    """The format of `path` (the first reader of the registry that recognises it), and for whole-JSON
    formats the parsed document (so it is read once)."""
    if path.is_dir():
        sample = Sample(path, folder=True)
    else:
        try:
            with path.open("rb") as handle:
                sample = Sample(path, handle.read(_SNIFF_BYTES))
        except OSError as error:
            raise GitSkillError(f"cannot read {path}: {error.strerror or error}", exit_codes.BAD_INPUT) from None
    reader = recognise(sample)
    if reader is None:
        raise _unknown(path)
    return reader.name, sample.document if reader.whole else None


def _reader(name: str, data: Any) -> Callable[[Path, ev.Transcript], Iterator[ev.Event]]:
    read = BY_NAME[name].read
    return lambda path, transcript: read(path, transcript, data)


def redact_bounded(text: str, redactor: Redactor, limit: int = MAX_EVENT_CHARS) -> str:
    """Clip to `limit` (head and tail) and redact; a secret near a cut is redacted before the cut."""
    if len(text) > limit + 2 * _REDACTION_MARGIN:
        text = ev.clip_middle(text, limit + 2 * _REDACTION_MARGIN)
    return ev.clip_middle(redactor.redact(text), limit)


def _redact_arguments(arguments: Any, redactor: Redactor) -> Any:
    if arguments is None or isinstance(arguments, (int, float, bool)):
        return arguments
    if isinstance(arguments, str):
        return redact_bounded(arguments, redactor)
    try:
        encoded = orjson.dumps(arguments).decode("utf-8")
    except TypeError:  # integers beyond 64 bits and other values orjson refuses
        encoded = json.dumps(arguments, ensure_ascii=False)
    cleaned = redact_bounded(encoded, redactor)
    if cleaned == encoded:
        return arguments
    try:
        return orjson.loads(cleaned)
    except orjson.JSONDecodeError:
        return cleaned


def _redacted(events: Iterator[ev.Event], transcript: ev.Transcript, redactor: Redactor,
              use_feedback: bool = True) -> Iterator[ev.Event]:
    for event in _guarded(events, transcript):
        event.text = redact_bounded(event.text, redactor)
        if event.command:
            event.command = redact_bounded(event.command, redactor, 16 * 1024)
        event.arguments = _redact_arguments(event.arguments, redactor)
        yield event
    if not use_feedback:  # trajectory only: no verifier output, reward, resolution or --feedback file
        if transcript.feedback or transcript.facts.outcome:
            transcript.report.note("feedback ignored (--no-feedback)")
        transcript.feedback.clear()
        transcript.facts.outcome = None
    for item in transcript.feedback:
        item.text = redact_bounded(item.text, redactor)
    verdicts = [item.resolved for item in transcript.feedback if item.source == "user" and item.resolved is not None]
    if verdicts and not transcript.facts.outcome:  # a --feedback file that reports every check passed, or not
        transcript.facts.outcome = "resolved (feedback file)" if all(verdicts) else "unresolved (feedback file)"
    if transcript.facts.cwd:
        transcript.facts.cwd = redactor.redact(transcript.facts.cwd)
    if transcript.facts.rejected:
        transcript.report.skip("session fields of the wrong type", transcript.facts.rejected)
    transcript.report.redactions.update(redactor.counts)


def open_unredacted(path: Path) -> ev.Transcript:
    """A transcript whose events come as the agent logged them, not redacted: for counting what an
    agent did (`git skill usage` counts skill loads), never for text that is shown, written or sent.
    Redacting every text of a 150 MB trajectory to read a few tool names would cost most of the run."""
    if not path.exists():
        raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    require_readable(path, folder_ok=True)
    name, data = detect(path)
    transcript = ev.Transcript(facts=ev.SessionFacts(format=name, source=str(path)), events=iter(()),
                               calls_only=True)
    transcript.events = _guarded(_reader(name, data)(path, transcript), transcript)
    return transcript


def _guarded(events: Iterator[ev.Event], transcript: ev.Transcript) -> Iterator[ev.Event]:
    """The reader's events; a read that fails midway becomes one error naming the source."""
    try:
        yield from events
    except (OSError, UnicodeError) as error:
        raise GitSkillError(f"cannot read {transcript.facts.source}: {error}", exit_codes.BAD_INPUT) from None
    except RecursionError:
        raise GitSkillError(f"{transcript.facts.source}: nested too deeply to read", exit_codes.BAD_INPUT) from None


def open_transcript(path: Path, feedback_files: tuple[Path, ...] | list[Path] = (),
                    use_feedback: bool = True, redactor: Redactor | None = None) -> ev.Transcript:
    """Open a transcript for streaming; its events and feedback come out redacted (by `redactor`, if given:
    the precision benchmark passes one that records its finds). Without `use_feedback` every verifier
    output, reward and feedback file is left out (trajectory only)."""
    if not path.exists():
        raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    require_readable(path, folder_ok=True)
    for feedback_path in feedback_files:
        require_readable(Path(feedback_path))
    name, data = detect(path)
    transcript = ev.Transcript(facts=ev.SessionFacts(format=name, source=str(path)), events=iter(()))
    for feedback_path in feedback_files if use_feedback else ():
        try:
            transcript.feedback.append(user_feedback(Path(feedback_path)))
        except OSError as error:
            raise GitSkillError(f"cannot read feedback file {feedback_path}: {error.strerror or error}",
                                exit_codes.USAGE) from None
    redactor = redactor or Redactor()
    transcript.events = _redacted(_reader(name, data)(path, transcript), transcript, redactor, use_feedback)
    return transcript
