"""Phase two: one `consolidate(group, library) -> Plan` behind one interface, two learners.

The distiller's plan comes from its lessons and similarity-based curation; the model's from a
creation call over the attempts' reflections (made in phase one, never repeated here), curated
against the closest skills. Both end in the same `Plan`, gated in code before anything is written.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Protocol

from git_skill import exit_codes
from git_skill.agents.table import session_root
from git_skill.errors import GitSkillError
from git_skill.findings import Finding
from git_skill.learning import provenance
from git_skill.learning.attempts import Attempt, ReflectionCache
from git_skill.learning.curation import Candidate, Decision, Library
from git_skill.learning.distiller import Lessons
from git_skill.learning.grouping import Group
from git_skill.learning.plan import Operation, Plan
from git_skill.skills.discovery import target_root
from git_skill.skills.skill import SkillFile
from git_skill.workspace import Workspace, display_path

if TYPE_CHECKING:
    from git_skill.learning.model import ModelClient
    from git_skill.learning.pipeline import Creation


@dataclass(frozen=True)
class Request:
    """What the user asked of every task in this run."""

    skills_dirs: tuple[str, ...] = ()
    name: str | None = None
    operation: Operation | None = None
    budget: int | None = None  # a ceiling; None: as large as fits the model's window, at most 24,000
    # interactive curation (distiller path only): operation, reason, name, a preview of what it would write
    ask: Callable[[Operation, str, str, str], Operation] | None = None


class Learner(Protocol):
    """Phase one per attempt (`study`), phase two per group (`consolidate`)."""

    name: str

    def study(self, attempt: Attempt) -> None:
        """Keep on the attempt what this learner needs from it alone (it may call a model)."""

    def consolidate(self, group: Group, library: Library) -> Plan:
        """The one plan for the group against the library as it is now (the batch's earlier skills in it)."""


@dataclass(frozen=True)
class Basis:
    """What every plan of a group records, whichever operation is chosen."""

    sources: tuple[str, ...]
    source_digest: str  # the group's one digest (a single source's own), for the report and a commit's trailer
    source_digests: tuple[str, ...]  # each source's
    learner: str
    verdict: str | None
    feedback: str
    library: str
    agent_root: str | None

    @classmethod
    def of(cls, group: Group, learner: str, verdict: str | None, library: Library) -> Basis:
        attempts = group.attempts
        return cls(tuple(a.source for a in attempts), group_digest(attempts),
                   tuple(a.source_digest for a in attempts), learner, verdict,
                   provenance.feedback_use(attempts), library.fingerprint, session_root(a.format for a in attempts))

    def plan(self, operation: Operation, reason: str, name: str, path: Path | None = None, text: str = "",
             files: dict[str, str] | None = None) -> Plan:
        return Plan(self.sources, self.source_digest, operation, reason, name, self.learner, path, text,
                    dict(files or {}), self.verdict, self.feedback, self.library)

    def metadata(self, operation: Operation, existing: dict[str, Any] | None = None) -> dict[str, str]:
        """Provenance: `learned-from` names each source of the group (not their combined digest)."""
        sources = " ".join(dict.fromkeys(self.source_digests))
        return provenance.record(sources, self.learner, operation.value, self.verdict, existing, self.feedback)


def group_digest(attempts: list[Attempt]) -> str:
    """One source's digest, or a digest of all of the group's (provenance names the group, never paths)."""
    import hashlib

    if len(attempts) == 1:
        return attempts[0].source_digest
    combined = "\n".join(sorted(attempt.source_digest for attempt in attempts)).encode()
    return f"sha256:{hashlib.sha256(combined).hexdigest()}"


def distinct_name(task_name: str, taken: list[str]) -> str:
    """A valid skill name from the task's, none of `taken` (a numbered suffix when the task's own is taken)."""
    base = task_name[:60].strip("-") or "learned-skill"
    return next(name for name in (base, *(f"{base}-{n}" for n in range(2, len(taken) + 3))) if name not in taken)


def _metadata_of(skill: SkillFile) -> dict[str, Any]:
    found = skill.fields.get("metadata")
    return found if isinstance(found, dict) else {}


class DistillerLearner:
    """The built-in distiller: no model, no network; its phase one is the extraction every attempt gets."""

    def __init__(self, workspace: Workspace, request: Request) -> None:
        self.workspace, self.request = workspace, request
        self.name = provenance.distiller_name()

    def study(self, attempt: Attempt) -> None:
        return None  # the lessons were extracted when the attempt was read

    def consolidate(self, group: Group, library: Library) -> Plan:
        from git_skill.learning import curation
        from git_skill.learning.distiller import description as render_description
        from git_skill.learning.command_text import beside
        from git_skill.learning.distiller import render
        from git_skill.learning.synthesis import merge
        from git_skill.skills.skill import new_skill_text

        request = self.request
        lessons = merge([attempt.lessons for attempt in group.attempts])
        description, (body, files) = render_description(lessons), render(lessons)
        skill_name = request.name or group.family_name or lessons.name
        decision = curation.choose(skill_name, description, body, library)
        chosen = request.operation or (request.ask(decision.operation, decision.reason, skill_name,
                                                   _preview(decision, skill_name, description, body))
                                       if request.ask else decision.operation)
        reason = decision.reason if chosen == decision.operation else \
            f"chosen by the user; proposed {decision.operation}: {decision.reason}"
        basis = Basis.of(group, self.name, lessons.outcome, library)
        if chosen == Operation.NONE:
            return basis.plan(chosen, reason, skill_name)
        if chosen == Operation.EXTEND:
            if decision.target is None:
                raise GitSkillError(f"nothing to extend: no skill named or similar to '{skill_name}' exists",
                                    exit_codes.USAGE)
            target = decision.target
            body, files = beside(body, files, target.location.folder)  # never replace the skill's own scripts
            skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
            title = f"{skill_name} ({provenance.today()})"
            skill.set_body(curation.with_variant(skill.body, curation.variant_section(title, body, skill.body)))
            metadata = basis.metadata(Operation.EXTEND, _metadata_of(skill))
            metadata["learned-steps"] = str(lessons.agent_steps)  # of the latest lessons
            skill.set_field("metadata", metadata)
            plan = basis.plan(chosen, reason, target.name, target.location.skill_file, skill.to_bytes().decode("utf-8"),
                              files)
        else:
            metadata = basis.metadata(Operation.CREATE)
            metadata["learned-steps"] = str(lessons.agent_steps)  # agent steps the skill was learned from
            if len(group.attempts) > 1:
                metadata["learned-attempts"] = str(len(group.attempts))
            folder = target_root(self.workspace, request.skills_dirs, basis.agent_root) / skill_name
            plan = basis.plan(chosen, reason, skill_name, folder / "SKILL.md",
                              new_skill_text(skill_name, description, body, {"metadata": metadata}), files)
        return gate(plan, self.workspace)


def _preview(decision: Decision, skill_name: str, description: str, body: str) -> str:
    """What the proposal would write, for `--interactive` to show before it asks: the diff an extend makes
    to its skill, else the new skill."""
    import difflib

    from git_skill.learning import curation
    from git_skill.skills.skill import new_skill_text

    if decision.operation == Operation.EXTEND and decision.target is not None:
        old = decision.target.skill.body
        new = curation.with_variant(old, curation.variant_section(f"{skill_name} ({provenance.today()})", body, old))
        shown = display_path(decision.target.location.skill_file)
        return "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True), shown, shown))
    return new_skill_text(skill_name, description, body, {})


NO_LESSON = "the model's reflection found no lesson a future agent could reuse"


class ModelLearner:
    """Reflection per attempt (phase one, cached by source digest), creation and curation per group."""

    def __init__(self, workspace: Workspace, request: Request, client: ModelClient,
                 debug: Callable[[str], None] | None = None, reuse: bool = True, keep_edits: bool = False) -> None:
        self.workspace, self.request, self.client = workspace, request, client
        self.reuse = reuse  # False (--force): reflect again, even on a source the cache has
        self.keep_edits = keep_edits  # the write will refuse a person's edit: refuse it before the creation call
        self.name = f"model {client.settings.model}"
        self.reflections = ReflectionCache(workspace, client.settings.model)
        self.debug = debug or (lambda message: None)

    def study(self, attempt: Attempt) -> None:
        from git_skill.learning import pipeline
        from git_skill.transcripts import open_transcript
        from git_skill.transcripts.digest import collect

        if attempt.reflection is not None:
            return  # reflected on already, in a provider batch (--batch)
        cached = self.reflections.get(attempt) if self.reuse else None
        if cached is not None:
            self.debug(f"{attempt.source}: reflection taken from the cache (source digest {attempt.source_digest[:19]}…)")
            attempt.reflection, attempt.digest = cached, None
            return
        digest = attempt.digest or collect(open_transcript(Path(attempt.source), list(attempt.feedback),
                                                           attempt.use_feedback))
        self.client.add_sources(attempt.source, *attempt.feedback)  # their folders never reach the provider
        budget = pipeline.reflection_budget(self.client, self.request.budget)
        attempt.reflection = pipeline.reflect_within(self.client, digest, budget, attempt.source)
        attempt.digest = None  # the reflection is what phase two needs; the session can go
        self.reflections.put(attempt, attempt.reflection)

    def consolidate(self, group: Group, library: Library) -> Plan:
        from git_skill.learning import pipeline
        from git_skill.learning.distiller import body as render_distilled
        from git_skill.learning.distiller import description as describe
        from git_skill.learning.synthesis import merge

        reflections = [attempt.reflection for attempt in group.attempts if attempt.reflection is not None]
        assert len(reflections) == len(group.attempts), "phase one reflects on every attempt before phase two"
        lessons = merge([attempt.lessons for attempt in group.attempts])
        basis = Basis.of(group, self.name, lessons.outcome, library)
        if not any(reflection.get("lessons") for reflection in reflections):  # "no lesson" is a valid reflection
            return replace(basis.plan(Operation.NONE, NO_LESSON, lessons.name), empty=True)
        task_name = self.request.name or group.family_name or lessons.name
        self._refuse_known_edits(library, task_name)
        candidates = library.ranked(describe(lessons), render_distilled(lessons))
        creation = pipeline.create(self.client, group.attempts, candidates, task_name)
        creation, renamed = self._without_clash(creation, group, library, candidates, task_name, basis)
        plan = self._render(basis, creation.parts, library, creation.task_name)
        plan = self._gate(plan, basis, creation, library, lessons)
        return replace(plan, reason=plan.reason + renamed) if renamed and plan.operation == Operation.CREATE else plan

    def _without_clash(self, creation: Creation, group: Group, library: Library, candidates: list[Candidate],
                       task_name: str, basis: Basis) -> tuple[Creation, str]:
        """A create under the name of a skill it is not similar to would file this task's lessons under that
        skill's description, where no agent would load them for this task. So only the creation is asked for
        again (the reflections are kept), the taken names unavailable; if the model takes one again, the skill
        is named from the task. Returns the creation and, when renamed, a note for the plan's reason."""
        from git_skill.learning import pipeline

        if self.request.operation is not None or self.request.name is not None:
            return creation, ""  # the user's choice stands
        clash = self._clash(creation.parts, library, task_name)
        if clash is None:
            return creation, ""
        where = f"{basis.source_digest[:19]}…"
        proposed = creation.parts["name"]
        self.debug(f"{where}: the model named its new skill {proposed}, the name of a skill it is not similar to "
                   f"({clash.resemblance}): asking for the creation again with the taken names unavailable "
                   "(the reflections are reused)")
        creation = pipeline.create(self.client, group.attempts, candidates, task_name, library.names())
        again = self._clash(creation.parts, library, task_name)
        if again is None:
            if Operation(creation.parts["operation"]) == Operation.CREATE and creation.parts["name"] != proposed:
                return creation, f"; named {creation.parts['name']}: {proposed} is an unrelated skill's name"
            return creation, ""
        derived = distinct_name(task_name, library.names())
        self.debug(f"{where}: the model named it {again.name} again: named {derived} after the task instead")
        creation.parts = {**creation.parts, "name": derived}
        return creation, f"; named {derived} after the task: {proposed} is an unrelated skill's name"

    @staticmethod
    def _clash(parts: dict[str, Any], library: Library, task_name: str) -> Candidate | None:
        """The existing skill whose name the model's create takes without being similar to it. A skill named
        as this very task is the task's own (learned before): extending it is no clash."""
        from git_skill.learning import pipeline

        if Operation(parts["operation"]) != Operation.CREATE or parts["name"] == task_name:
            return None
        return library.clash(parts["name"], str(parts.get("description", "")), pipeline.render_body(parts))

    def _refuse_known_edits(self, library: Library, task_name: str) -> None:
        """A skill already named as the task (or as --name) is the one the plan would write (a create under a
        taken name becomes an extend): when a person has uncommitted edits there, the task is skipped now,
        before the creation call costs anything or shows the model their edit (`LocalEdits`, as the write would)."""
        from git_skill.learning.writer import WrittenRecord, check_not_edited

        target = library.named(task_name)
        if self.keep_edits and target is not None:
            check_not_edited(self.workspace, target.location.folder, WrittenRecord(self.workspace))

    def _render(self, basis: Basis, parts: dict[str, Any], library: Library, task_name: str | None) -> Plan:
        """The plan the model's typed parts make: code renders them, the model never rewrites a skill."""
        from git_skill.learning import pipeline
        from git_skill.learning.curation import with_variant
        from git_skill.skills.skill import new_skill_text

        request = self.request
        proposed = Operation(parts["operation"])
        chosen = request.operation or proposed
        skill_name = request.name or parts["name"]
        target = library.named(parts.get("target") or skill_name)
        if chosen in (Operation.EXTEND, Operation.UPDATE) and target is None:
            chosen = Operation.CREATE  # the model named no skill we have: never change a phantom
        reason = f"proposed by {basis.learner}" if chosen == proposed else \
            f"chosen by the user; the model proposed {proposed}"
        body = pipeline.render_body({**parts, "name": skill_name})
        if chosen == Operation.CREATE and request.operation is None:
            same_name = library.named(skill_name)
            duplicate = library.near_duplicate(str(parts.get("description", "")), body)
            if same_name is not None:  # the new lessons become a variant of it, never a replacement
                chosen, target = Operation.EXTEND, same_name
                reason = f"a skill named {skill_name} exists: extended, not replaced"
            elif duplicate is not None:
                chosen, target = Operation.EXTEND, duplicate
                reason = (f"lint would call the new skill {skill_name} a near-duplicate of {duplicate.name} "
                          f"({duplicate.resemblance}): extended it instead of creating one")
                self.debug(f"{basis.source_digest[:19]}…: {reason}")
        if chosen == Operation.NONE:
            return basis.plan(chosen, reason, skill_name)
        if chosen == Operation.CREATE:
            path = target_root(self.workspace, request.skills_dirs, basis.agent_root) / skill_name / "SKILL.md"
            text = new_skill_text(skill_name, parts["description"], body,
                                  {"metadata": basis.metadata(Operation.CREATE)})
            return basis.plan(chosen, reason, skill_name, path, text, pipeline.extra_files(parts))
        assert target is not None
        skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
        files = pipeline.extra_files(parts)
        if chosen == Operation.UPDATE:
            edited, applied, rejected = pipeline.apply_edits(skill.body, parts.get("edits") or [])
            if not applied:
                return basis.plan(Operation.NONE, "the model's edits matched no line of the skill", skill_name)
            skill.set_body(edited)
            reason += f"; {applied} line(s) changed" + (f", {rejected} edit(s) matched nothing" if rejected else "")
            files = {}
        else:
            variant = skill_name if skill_name != target.name else (task_name or skill_name)  # named by its task
            section = pipeline.render_body({**parts, "name": f"variant: {variant}"}, "##")
            skill.set_body(with_variant(skill.body, section))
            if proposed == Operation.EXTEND:  # the model's own extend (not a create turned into one)
                reason += self._take_description(skill, parts, target.location.skill_file)
        skill.set_field("metadata", basis.metadata(chosen, _metadata_of(skill)))
        return basis.plan(chosen, reason, target.name, target.location.skill_file, skill.to_bytes().decode("utf-8"),
                          files)

    def _take_description(self, skill: SkillFile, parts: dict[str, Any], skill_file: Path) -> str:
        """The description the model proposed with an extend, taken unless the skill has a person's
        uncommitted edits (theirs are kept); what happened, for the plan's reason."""
        from git_skill.learning.writer import WrittenRecord, persons_changes

        proposed = " ".join(str(parts.get("description") or "").split())
        if not proposed or proposed == " ".join(str(skill.fields.get("description") or "").split()):
            return ""
        if persons_changes(self.workspace, skill_file.parent, WrittenRecord(self.workspace)):
            return "; the model's description not taken: the skill has local edits"
        skill.set_field("description", proposed)
        return "; description updated"

    def _gate(self, plan: Plan, basis: Basis, creation: Creation, library: Library, lessons: Lessons) -> Plan:
        """Refuse copied boilerplate; validate and lint the model's skill, sending findings back for at most N
        repair rounds."""
        from git_skill.reporting import render_text

        client = self.client
        for _ in range(client.settings.repair_rounds + 1):
            if plan.operation == Operation.NONE:
                return plan
            plan = _refuse_boilerplate(plan, creation.parts, lessons)
            findings = gate_findings(plan, self.workspace)
            if not findings:
                return plan
            problems = render_text(findings, [], "before writing")
            creation.parts = client.repair(creation.messages, creation.parts, problems, "creation",
                                           {"name": plan.name})
            kept_root = os.path.relpath(plan.path.parents[1], self.workspace.root) if plan.path else None
            plan = self._render(replace(basis, agent_root=kept_root), creation.parts, library, creation.task_name)
        if plan.operation == Operation.NONE:
            return plan
        plan = _refuse_boilerplate(plan, creation.parts, lessons)
        findings = gate_findings(plan, self.workspace)
        if findings:
            raise GitSkillError(f"the model's skill still fails validation and lint after {client.settings.repair_rounds} "
                                "repair rounds; nothing was written:\n" + render_text(findings, [], "before writing"),
                                exit_codes.FINDINGS)
        return plan


def _refuse_boilerplate(plan: Plan, parts: dict[str, Any], lessons: Lessons) -> Plan:
    """A skill whose words come from our prompt or schema, not from the session, is refused outright; the
    verifier's expected values the model quoted are replaced."""
    from git_skill.learning.content_gate import hide_answers, problems
    from git_skill.learning.leaks import scrub

    if plan.operation not in (Operation.CREATE, Operation.EXTEND):
        return plan
    text, hidden = hide_answers(plan.text, lessons.answers, lessons.task)
    files = {}
    for relative, content in plan.files.items():  # the model's scripts too
        files[relative], found_in_file = scrub(content, lessons.answers, lessons.task)
        hidden += found_in_file
    if hidden:
        plan = replace(plan, text=text, files=files, reason=plan.reason + f"; {hidden} quote(s) of the verifier's expected "
                       "values replaced by <value>")
    found = problems({**parts, "name": plan.name} if plan.operation == Operation.CREATE else parts)
    if found:
        raise GitSkillError(f"the model's skill was refused: {'; '.join(found)}; nothing was written",
                            exit_codes.FINDINGS)
    return plan


def gate_findings(plan: Plan, workspace: Workspace, text: str | None = None) -> list[Finding]:
    """Validation and lint errors of the skill the plan would write (`text`: another version of it)."""
    from git_skill.lint import errors_of, lint_skill
    from git_skill.lint.config import load
    from git_skill.lint.text_rules import scan
    from git_skill.options import resolve_profile
    from git_skill.skills.skill import SkillFile
    from git_skill.skills.validation import validate_skill

    assert plan.path is not None
    content = plan.text if text is None else text
    skill = SkillFile.from_bytes(content.encode("utf-8"), display_path(plan.path), plan.path.parent.name)
    config = load(workspace.root)
    findings = [f for f in validate_skill(skill, resolve_profile(workspace, None)) if f.severity.value == "error"]
    findings += errors_of(lint_skill(skill, None, config, workspace.root))
    for relative, file_content in plan.files.items():
        for hit in scan(file_content):
            if hit.rule not in config.disabled and config.severity(hit.rule).value == "error":
                findings.append(Finding(f"{plan.path.parent.name}/{relative}", hit.rule, config.severity(hit.rule),
                                        hit.message, hit.line))
    return findings


def gate(plan: Plan, workspace: Workspace) -> Plan:
    """Validate and lint what will be written. List lines that trip an error rule (a session that
    piped a download into a shell, say) are left out, with a note; if errors remain, nothing is written."""
    from git_skill.reporting import render_text

    findings = gate_findings(plan, workspace)
    lines = plan.text.split("\n")
    droppable = {f.line for f in findings if f.line and re.match(r"\s*(?:[-*]|\d+\.)\s", lines[f.line - 1])}
    if findings and droppable:
        rules = sorted({f.rule for f in findings if f.line in droppable})
        kept = [line for number, line in enumerate(lines, 1) if number not in droppable]
        note = f"\n> {len(droppable)} line(s) of the session were left out: they tripped lint rules ({', '.join(rules)}).\n"
        plan = replace(plan, text="\n".join(kept).rstrip("\n") + "\n" + note)
        findings = gate_findings(plan, workspace)
    if findings:
        raise GitSkillError("the learned skill does not pass validation and lint, so nothing was written:\n"
                            + render_text(findings, [], "before writing"), exit_codes.FINDINGS)
    return plan
