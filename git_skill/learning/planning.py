"""Planning a learned skill: merge a task's attempts, curate, render, and gate on validation and lint.

Two paths share one `Outcome`: the built-in distiller (`plan`, `gate`: lines that trip an
error rule are left out) and the model pipeline (`plan_with_model`, `gate_model`: findings
go back to the model for repair rounds). Nothing here writes files; the command does.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from git_skill import exit_codes
from git_skill.agents.table import session_root
from git_skill.skills.discovery import discover, target_root
from git_skill.errors import GitSkillError
from git_skill.learning import pipeline
from git_skill.workspace import Workspace, display_path


@dataclass
class Outcome:
    source: str
    source_digest: str
    operation: str
    reason: str
    name: str
    path: Path | None
    text: str
    written: bool = False
    commit: str | None = None
    outcome: str | None = None
    learner: str = "git-skill distiller"
    feedback: str | None = None  # "used", "none" or "ignored" (see provenance.feedback_use)
    empty: bool = False  # the session held no task and no step: nothing to learn
    files: dict[str, str] = field(default_factory=dict)  # scripts/ and references/ beside SKILL.md
    seen: str = ""  # the skills curation read (`Discovery.fingerprint`), compared again before writing
    answers: list[str] = field(default_factory=list)  # the verifier's expected values: never in the skill
    task: str = ""  # the task's text: values it states itself are not answers

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "source_digest": self.source_digest, "operation": self.operation,
                "reason": self.reason, "skill": self.name, "path": display_path(self.path) if self.path else None,
                "written": self.written, "commit": self.commit, "outcome": self.outcome, "learner": self.learner,
                "files": sorted(self.files)}


def _preview(decision: Any, skill_name: str, description: str, body: str) -> str:
    """What the proposal would write, for `--interactive` to show before it asks: the diff an extend makes
    to its skill, else the new skill."""
    import difflib

    from git_skill.learning import curation, provenance
    from git_skill.skills.skill import new_skill_text

    if decision.operation == "extend" and decision.target is not None:
        old = decision.target.skill.body
        new = old.rstrip("\n") + "\n\n" + curation.variant_section(f"{skill_name} ({provenance.today()})", body, old)
        shown = display_path(decision.target.location.skill_file)
        return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), shown, shown))
    return new_skill_text(skill_name, description, body, {})


def plan(workspace: Workspace, group: list[Any], skills_dirs: tuple[str, ...], name: str | None,
         operation: str | None, ask: Callable[[str, str, str, str], str] | None = None) -> Outcome:
    """Merge one task's attempts, curate against the library, and prepare the skill text."""
    from git_skill.learning import curation, provenance
    from git_skill.learning.distiller import description as render_description
    from git_skill.learning.distiller import render
    from git_skill.learning.synthesis import merge
    from git_skill.skills.skill import SkillFile, new_skill_text

    lessons = merge([item.lessons for item in group])
    description, (body, files) = render_description(lessons), render(lessons)
    skill_name = name or lessons.name
    found = discover(workspace, (), skills_dirs)
    existing = existing_skills(found)
    decision = curation.choose(skill_name, description, body, existing)
    chosen = operation or (ask(decision.operation, decision.reason, skill_name,
                               _preview(decision, skill_name, description, body)) if ask else decision.operation)
    reason = decision.reason if chosen == decision.operation else f"chosen by the user; proposed {decision.operation}: {decision.reason}"
    fingerprint = _fingerprint(group)
    learner = provenance.distiller_name()
    feedback = provenance.feedback_use(group)
    sources = ", ".join(item.source for item in group)
    outcome = Outcome(sources, fingerprint, chosen, reason, skill_name, None, "", outcome=lessons.outcome,
                      seen=found.fingerprint())
    if chosen == "none":
        return outcome
    outcome.files = files
    if chosen == "extend":
        if decision.target is None:
            raise GitSkillError(f"nothing to extend: no skill named or similar to '{skill_name}' exists", exit_codes.USAGE)
        target = decision.target
        skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
        title = f"{skill_name} ({provenance.today()})"
        skill.set_body(skill.body.rstrip("\n") + "\n\n" + curation.variant_section(title, body, skill.body))
        metadata = skill.fields.get("metadata") if isinstance(skill.fields.get("metadata"), dict) else {}
        skill.set_field("metadata", provenance.record(fingerprint, learner, "extend", lessons.outcome, metadata, feedback))
        outcome.name = str(skill.fields.get("name") or target.location.folder.name)
        outcome.path = target.location.skill_file
        outcome.text = skill.to_bytes().decode("utf-8")
    else:
        metadata = provenance.record(fingerprint, learner, "create", lessons.outcome, feedback=feedback)
        metadata["learned-steps"] = str(lessons.agent_steps)  # agent steps the skill was learned from
        if len(group) > 1:
            metadata["learned-attempts"] = str(len(group))
        folder = target_root(workspace, skills_dirs, session_root(item.format for item in group)) / skill_name
        outcome.path = folder / "SKILL.md"
        outcome.text = new_skill_text(skill_name, description, body, {"metadata": metadata})
    return outcome


def plan_with_model(workspace: Workspace, client: Any, group: list[Any], skills_dirs: tuple[str, ...],
                    name: str | None, operation: str | None, budget: int | None) -> tuple[Outcome, Any]:
    """Reflect on each attempt, then let the model propose the skill (as typed parts) and the operation.

    The digest is sized to the model's context window (`budget` is a ceiling); when the server
    still says the request is too long, each digest is made smaller once and sent again.
    """
    from git_skill.learning import curation
    from git_skill.learning.distiller import body as render_distilled
    from git_skill.learning.distiller import description as describe
    from git_skill.learning.synthesis import merge
    from git_skill.learning import provenance

    total = pipeline.reflection_budget(client, budget)
    reflections = [_reflect_within(client, item, max(MIN_DIGEST, total // len(group))) for item in group]
    lessons = merge([item.lessons for item in group])
    found = discover(workspace, (), skills_dirs)
    if not any(reflection.get("lessons") for reflection in reflections):  # "no lesson" is a valid reflection
        return Outcome(", ".join(i.source for i in group), _fingerprint(group), "none", NO_LESSON, lessons.name, None,
                       "", outcome=lessons.outcome, learner=f"model {client.settings.model}",
                       seen=found.fingerprint()), None
    existing = existing_skills(found)
    candidates = curation.rank(lessons.name, describe(lessons), render_distilled(lessons), existing)
    creation = pipeline.create(client, reflections, candidates, name or lessons.name)
    outcome = Outcome(", ".join(i.source for i in group), _fingerprint(group), "create", "", "", None, "",
                      outcome=lessons.outcome, learner=f"model {client.settings.model}",
                      feedback=provenance.feedback_use(group), seen=found.fingerprint(), answers=lessons.answers,
                      task=lessons.task)
    _render_model_outcome(outcome, creation.parts, workspace, skills_dirs, name, operation, candidates,
                          session_root(item.format for item in group), creation.task_name)
    return outcome, creation


_PARSED: dict[tuple[str, int, int, int], Any] = {}  # the skills as last parsed, by path and stat


def existing_skills(found: Any) -> list[tuple[Any, Any]]:
    """Every skill found, parsed, for curation (which only reads them). A skill whose stat is the
    same as when a previous task of this run parsed it is not read again: a batch of hundreds of
    tasks would otherwise parse every skill once per task."""
    from git_skill.skills.discovery import stat_key
    from git_skill.skills.skill import read_skill_file

    kept: dict[tuple[str, int, int, int], Any] = {}
    existing = []
    for location in found.skills:
        status = stat_key(location.skill_file)
        key = (str(location.skill_file), *status) if status else None
        skill = _PARSED.get(key) if key else None
        if skill is None:
            skill = read_skill_file(location.skill_file, location.display)
        if key:
            kept[key] = skill
        existing.append((location, skill))
    _PARSED.clear()  # only the skills there are now: memory stays bounded by the library
    _PARSED.update(kept)
    return existing


NO_LESSON = "the model's reflection found no lesson a future agent could reuse"
MIN_DIGEST = 300  # tokens: below this a digest says too little to reflect on


def _reflect_within(client: Any, item: Any, budget: int) -> dict[str, Any]:
    """Reflect on one attempt's digest; on a context-exceeded reply, once more with a smaller digest."""
    from git_skill.learning.model import ModelError
    from git_skill.transcripts import open_transcript
    from git_skill.transcripts.digest import collect, fit

    client.add_sources(item.source, *item.feedback)
    digest = collect(open_transcript(Path(item.source), item.feedback, item.use_feedback))
    digest_text, _, _ = fit(digest, budget)
    try:
        return pipeline.reflect(client, digest_text)
    except ModelError as error:
        if error.kind != "context_window":
            raise
        smaller = budget // 2
        if error.window:  # the server named its window: use it for the rest of the run too
            smaller = min(smaller, pipeline.reflection_budget(client, None, error.window))
            client.fit_window(error.window)
        smaller = max(MIN_DIGEST, smaller)
        client.note(f"the digest of {item.source} did not fit the model's context window at {budget} tokens; "
                    f"sending it again at {smaller}")
    digest_text, _, _ = fit(digest, smaller)
    try:
        return pipeline.reflect(client, digest_text)
    except ModelError as error:
        if error.kind == "context_window":
            raise GitSkillError(f"{error.message}; the digest was already cut to {smaller} tokens: set the model's "
                                "real window with --context-window N (or git config skill.contextWindow)",
                                exit_codes.BAD_INPUT) from None
        raise


def _render_model_outcome(outcome: Outcome, parts: dict[str, Any], workspace: Workspace, skills_dirs: tuple[str, ...],
                          name: str | None, operation: str | None, candidates: list[Any],
                          agent_root: str | None = None, task_name: str | None = None) -> None:
    from git_skill.learning import provenance
    from git_skill.skills.skill import SkillFile, new_skill_text

    chosen = operation or parts["operation"]
    skill_name = name or parts["name"]
    target = next((c for c in candidates if (c.skill.fields or {}).get("name") == (parts.get("target") or skill_name)), None)
    if chosen in ("extend", "update") and target is None:
        chosen = "create"  # the model named no skill we have: never change a phantom
    same_name = next((c for c in candidates if (c.skill.fields or {}).get("name") == skill_name
                      or c.location.folder.name == skill_name), None)
    taken = chosen == "create" and same_name is not None and operation is None
    if taken:  # a skill of that name exists: the new lessons become a variant of it, never a replacement
        chosen, target = "extend", same_name
    outcome.operation, outcome.name = chosen, skill_name
    outcome.reason = f"proposed by {outcome.learner}" if chosen == parts["operation"] else \
        f"a skill named {skill_name} exists: extended, not replaced" if taken else \
        f"chosen by the user; the model proposed {parts['operation']}"
    if chosen == "none":
        return
    metadata_record = provenance.record(outcome.source_digest, outcome.learner, chosen, outcome.outcome,
                                        feedback=outcome.feedback)
    outcome.files = pipeline.extra_files(parts)
    if chosen == "update":
        skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
        body, applied, rejected = pipeline.apply_edits(skill.body, parts.get("edits") or [])
        if not applied:
            outcome.operation, outcome.reason = "none", "the model's edits matched no line of the skill"
            return
        skill.set_body(body)
        metadata = skill.fields.get("metadata") if isinstance(skill.fields.get("metadata"), dict) else {}
        skill.set_field("metadata", provenance.record(outcome.source_digest, outcome.learner, "update", outcome.outcome,
                                                      metadata, outcome.feedback))
        outcome.reason += f"; {applied} line(s) changed" + (f", {rejected} edit(s) matched nothing" if rejected else "")
        outcome.name = str(skill.fields.get("name"))
        outcome.path = target.location.skill_file
        outcome.text = skill.to_bytes().decode("utf-8")
        outcome.files = {}
        return
    if chosen == "extend":
        skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
        target_name = str(skill.fields.get("name") or target.location.folder.name)
        variant = skill_name if skill_name != target_name else (task_name or skill_name)
        section = pipeline.render_body({**parts, "name": f"variant: {variant}"}, "##")
        skill.set_body(skill.body.rstrip("\n") + "\n\n" + section)
        outcome.reason += _take_description(skill, parts, workspace, target.location.skill_file)
        metadata = skill.fields.get("metadata") if isinstance(skill.fields.get("metadata"), dict) else {}
        skill.set_field("metadata", provenance.record(outcome.source_digest, outcome.learner, "extend", outcome.outcome,
                                                      metadata, outcome.feedback))
        outcome.name = str(skill.fields.get("name"))
        outcome.path = target.location.skill_file
        outcome.text = skill.to_bytes().decode("utf-8")
    else:
        outcome.path = target_root(workspace, skills_dirs, agent_root) / skill_name / "SKILL.md"
        outcome.text = new_skill_text(skill_name, parts["description"], pipeline.render_body({**parts, "name": skill_name}),
                                      {"metadata": metadata_record})


def _take_description(skill: Any, parts: dict[str, Any], workspace: Workspace, skill_file: Path) -> str:
    """The description the model proposed with an extend (not with a create turned into one), taken
    unless the skill has local edits (theirs are kept); what happened, for the outcome's reason."""
    from git_skill.learning.writer import local_changes

    proposed = " ".join(str(parts.get("description") or "").split())
    if parts.get("operation") != "extend" or not proposed or proposed == " ".join(str(skill.fields.get("description") or "").split()):
        return ""
    if local_changes(workspace, skill_file.parent):
        return "; the model's description not taken: the skill has local edits"
    skill.set_field("description", proposed)
    return "; description updated"


def _fingerprint(group: list[Any]) -> str:
    import hashlib

    if len(group) == 1:
        return str(group[0].fingerprint)
    combined = "\n".join(sorted(item.fingerprint for item in group)).encode()
    return f"sha256:{hashlib.sha256(combined).hexdigest()}"


def gate_model(outcome: Outcome, creation: Any, client: Any, workspace: Workspace, skills_dirs: tuple[str, ...],
               name: str | None, operation: str | None) -> None:
    """Refuse copied boilerplate; validate and lint the model's skill, sending findings back for at most N
    repair rounds."""
    from git_skill.reporting import render_text

    for _ in range(client.settings.repair_rounds + 1):
        _refuse_boilerplate(outcome, creation.parts)
        findings = _gate_findings(outcome.text, outcome, workspace)
        if not findings:
            return
        problems = render_text(findings, [], "before writing")
        parts = client.repair(creation.messages, creation.parts, problems, "creation", {"name": outcome.name})
        creation.parts = parts
        kept_root = os.path.relpath(outcome.path.parents[1], workspace.root) if outcome.path else None
        _render_model_outcome(outcome, parts, workspace, skills_dirs, name, operation, creation.candidates,
                              kept_root, creation.task_name)
        if outcome.operation == "none":
            return
    _refuse_boilerplate(outcome, creation.parts)
    findings = _gate_findings(outcome.text, outcome, workspace)
    if findings:
        raise GitSkillError(f"the model's skill still fails validation and lint after {client.settings.repair_rounds} "
                            "repair rounds; nothing was written:\n" + render_text(findings, [], "before writing"),
                            exit_codes.FINDINGS)


def _refuse_boilerplate(outcome: Outcome, parts: dict[str, Any]) -> None:
    """A skill whose words come from our prompt or schema, not from the session, is refused outright."""
    from git_skill.learning.content_gate import hide_answers, problems

    if outcome.operation not in ("create", "extend"):
        return
    hidden = hide_answers(outcome)
    if hidden:
        outcome.reason += f"; {hidden} quote(s) of the verifier's expected values replaced by <value>"
    found = problems({**parts, "name": outcome.name} if outcome.operation == "create" else parts)
    if found:
        raise GitSkillError(f"the model's skill was refused: {'; '.join(found)}; nothing was written",
                            exit_codes.FINDINGS)


def _gate_findings(text: str, outcome: Outcome, workspace: Workspace) -> list[Any]:
    from git_skill.lint import errors_of, lint_skill
    from git_skill.lint.config import load
    from git_skill.options import resolve_profile
    from git_skill.skills.skill import SkillFile
    from git_skill.skills.validation import validate_skill

    assert outcome.path is not None
    skill = SkillFile.from_bytes(text.encode("utf-8"), display_path(outcome.path), outcome.path.parent.name)
    findings = [f for f in validate_skill(skill, resolve_profile(workspace, None)) if f.severity.value == "error"]
    findings += errors_of(lint_skill(skill, None, load(workspace.root), workspace.root))
    from git_skill.findings import Finding
    from git_skill.lint.text_rules import scan

    config = load(workspace.root)
    for relative, content in outcome.files.items():
        for hit in scan(content):
            if hit.rule not in config.disabled and config.severity(hit.rule).value == "error":
                findings.append(Finding(f"{outcome.path.parent.name}/{relative}", hit.rule, config.severity(hit.rule),
                                        hit.message, hit.line))
    return findings


def gate(outcome: Outcome, workspace: Workspace) -> None:
    """Validate and lint what will be written. List lines that trip an error rule (a session that
    piped a download into a shell, say) are left out, with a note; if errors remain, nothing is written."""
    from git_skill.reporting import render_text

    findings = _gate_findings(outcome.text, outcome, workspace)
    lines = outcome.text.split("\n")
    droppable = {f.line for f in findings if f.line and re.match(r"\s*(?:[-*]|\d+\.)\s", lines[f.line - 1])}
    if findings and droppable:
        rules = sorted({f.rule for f in findings if f.line in droppable})
        kept = [line for number, line in enumerate(lines, 1) if number not in droppable]
        note = f"\n> {len(droppable)} line(s) of the session were left out: they tripped lint rules ({', '.join(rules)}).\n"
        outcome.text = "\n".join(kept).rstrip("\n") + "\n" + note
        findings = _gate_findings(outcome.text, outcome, workspace)
    if findings:
        raise GitSkillError("the learned skill does not pass validation and lint, so nothing was written:\n"
                            + render_text(findings, [], "before writing"), exit_codes.FINDINGS)
