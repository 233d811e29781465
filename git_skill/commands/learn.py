"""`git skill learn [SOURCE...]`: turn an agent session (and its feedback) into a skill, or improve one."""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from git_skill import exit_codes
from git_skill.discovery import DEFAULT_ROOTS, configured_roots, discover
from git_skill.learning import pipeline
from git_skill.errors import GitSkillError
from git_skill.options import skills_dir_option
from git_skill.workspace import Workspace, display_path, open_workspace


_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


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
    files: dict[str, str] = field(default_factory=dict)  # scripts/ and references/ beside SKILL.md

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "source_digest": self.source_digest, "operation": self.operation,
                "reason": self.reason, "skill": self.name, "path": display_path(self.path) if self.path else None,
                "written": self.written, "commit": self.commit, "outcome": self.outcome, "learner": self.learner,
                "files": sorted(self.files)}


def configured_model(workspace: Workspace, option: str | None) -> str | None:
    return option or workspace.config("skill.model") or os.environ.get("GIT_SKILL_MODEL") or None


def target_root(workspace: Workspace, skills_dirs: tuple[str, ...]) -> Path:
    """Where new skills go: the first skills root that exists, else `.agents/skills` (read by most agents)."""
    roots = configured_roots(workspace, skills_dirs)
    existing = [r for r in roots if r.is_dir()]
    if existing:
        return existing[0]
    return roots[0] if skills_dirs or workspace.config_all("skill.dir") else workspace.root / DEFAULT_ROOTS[0]


def hook_source(agent: str, arguments: tuple[str, ...]) -> tuple[tuple[str, ...], Path]:
    """SOURCE and working folder from an agent hook's JSON (Claude Code: stdin; Codex notify: last argument)."""
    raw = arguments[-1] if agent == "codex" and arguments else click.get_text_stream("stdin").read()
    try:
        payload = json.loads(raw)
    except ValueError:
        raise GitSkillError(f"--from-hook {agent}: the hook input is not JSON", exit_codes.BAD_INPUT) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("cwd"), str):
        raise GitSkillError(f"--from-hook {agent}: the hook JSON has no 'cwd'", exit_codes.BAD_INPUT)
    start = Path(payload["cwd"])
    if not start.is_dir():
        raise GitSkillError(f"--from-hook {agent}: cwd {start} does not exist", exit_codes.BAD_INPUT)
    if agent == "claude-code":
        transcript = payload.get("transcript_path")
        if not isinstance(transcript, str):
            raise GitSkillError("--from-hook claude-code: the hook JSON has no 'transcript_path'", exit_codes.BAD_INPUT)
        return (transcript,), start
    return (), start  # Codex: the newest rollout recorded for this folder


def _ask(decision_operation: str, reason: str, name: str) -> str:
    choices = {"e": "extend", "c": "create", "n": "none"}
    default = {v: k for k, v in choices.items()}[decision_operation]
    answer = click.prompt(f"Proposed: {decision_operation} ({reason}). [e]xtend, [c]reate '{name}', or [n]othing?",
                          type=click.Choice(list(choices)), default=default, show_choices=False, err=True)
    return choices[answer]


def plan(workspace: Workspace, group: list[Any], skills_dirs: tuple[str, ...], name: str | None,
         operation: str | None, interactive: bool) -> Outcome:
    """Merge one task's attempts, curate against the library, and prepare the skill text."""
    import hashlib

    from git_skill.learning import curation, provenance
    from git_skill.learning.distiller import body as render_body
    from git_skill.learning.distiller import description as render_description
    from git_skill.learning.synthesis import merge
    from git_skill.skill import SkillFile, new_skill_text, read_skill_file

    lessons = merge([item.lessons for item in group])
    description, body = render_description(lessons), render_body(lessons)
    skill_name = name or lessons.name
    found = discover(workspace, (), skills_dirs)
    existing = [(location, read_skill_file(location.skill_file, location.display)) for location in found.skills]
    decision = curation.choose(skill_name, description, body, existing)
    chosen = operation or (_ask(decision.operation, decision.reason, skill_name) if interactive else decision.operation)
    reason = decision.reason if chosen == decision.operation else f"chosen by the user; proposed {decision.operation}: {decision.reason}"
    if len(group) == 1:
        fingerprint = group[0].fingerprint
    else:
        combined = "\n".join(sorted(item.fingerprint for item in group)).encode()
        fingerprint = f"sha256:{hashlib.sha256(combined).hexdigest()}"
    learner = provenance.distiller_name()
    sources = ", ".join(item.source for item in group)
    outcome = Outcome(sources, fingerprint, chosen, reason, skill_name, None, "", outcome=lessons.outcome)
    if chosen == "none":
        return outcome
    if chosen == "extend":
        if decision.target is None:
            raise GitSkillError(f"nothing to extend: no skill named or similar to '{skill_name}' exists", exit_codes.USAGE)
        target = decision.target
        skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
        title = f"{skill_name} ({provenance.today()})"
        skill.set_body(skill.body.rstrip("\n") + "\n\n" + curation.variant_section(title, body, skill.body))
        metadata = skill.fields.get("metadata") if isinstance(skill.fields.get("metadata"), dict) else {}
        skill.set_field("metadata", provenance.record(fingerprint, learner, "extend", lessons.outcome, metadata))
        outcome.name = str(skill.fields.get("name") or target.location.folder.name)
        outcome.path = target.location.skill_file
        outcome.text = skill.to_bytes().decode("utf-8")
    else:
        metadata = provenance.record(fingerprint, learner, "create", lessons.outcome)
        if len(group) > 1:
            metadata["learned-attempts"] = str(len(group))
        folder = target_root(workspace, skills_dirs) / skill_name
        outcome.path = folder / "SKILL.md"
        outcome.text = new_skill_text(skill_name, description, body, {"metadata": metadata})
    return outcome


def plan_with_model(workspace: Workspace, client: Any, group: list[Any], skills_dirs: tuple[str, ...],
                    name: str | None, operation: str | None, budget: int) -> tuple[Outcome, Any]:
    """Reflect on each attempt, then let the model propose the skill (as typed parts) and the operation."""
    from git_skill.digest import collect, fit
    from git_skill.learning import curation
    from git_skill.learning.distiller import body as render_distilled
    from git_skill.learning.distiller import description as describe
    from git_skill.learning.synthesis import merge
    from git_skill.skill import read_skill_file
    from git_skill.transcripts import open_transcript

    reflections = []
    for item in group:
        digest_text, _, _ = fit(collect(open_transcript(Path(item.source), item.feedback)), budget // len(group))
        reflections.append(pipeline.reflect(client, digest_text))
    lessons = merge([item.lessons for item in group])
    found = discover(workspace, (), skills_dirs)
    existing = [(location, read_skill_file(location.skill_file, location.display)) for location in found.skills]
    candidates = curation.rank(lessons.name, describe(lessons), render_distilled(lessons), existing)
    creation = pipeline.create(client, reflections, candidates)
    outcome = Outcome(", ".join(i.source for i in group), _fingerprint(group), "create", "", "", None, "",
                      outcome=lessons.outcome, learner=f"model {client.settings.model}")
    _render_model_outcome(outcome, creation.parts, workspace, skills_dirs, name, operation, candidates)
    return outcome, creation


def _render_model_outcome(outcome: Outcome, parts: dict[str, Any], workspace: Workspace, skills_dirs: tuple[str, ...],
                          name: str | None, operation: str | None, candidates: list[Any]) -> None:
    from git_skill.learning import provenance
    from git_skill.skill import SkillFile, new_skill_text

    chosen = operation or parts["operation"]
    skill_name = name or parts["name"]
    target = next((c for c in candidates if (c.skill.fields or {}).get("name") == (parts.get("target") or skill_name)), None)
    if chosen in ("extend", "update") and target is None:
        chosen = "create"  # the model named no skill we have: never change a phantom
    outcome.operation, outcome.name = chosen, skill_name
    outcome.reason = f"proposed by {outcome.learner}" if chosen == parts["operation"] else \
        f"chosen by the user; the model proposed {parts['operation']}"
    if chosen == "none":
        return
    metadata_record = provenance.record(outcome.source_digest, outcome.learner, chosen, outcome.outcome)
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
                                                      metadata))
        outcome.reason += f"; {applied} line(s) changed" + (f", {rejected} edit(s) matched nothing" if rejected else "")
        outcome.name = str(skill.fields.get("name"))
        outcome.path = target.location.skill_file
        outcome.text = skill.to_bytes().decode("utf-8")
        outcome.files = {}
        return
    if chosen == "extend":
        skill = SkillFile.from_bytes(target.skill.raw, target.skill.path, target.skill.folder_name)
        section = pipeline.render_body({**parts, "name": f"variant: {skill_name}"}, "##")
        skill.set_body(skill.body.rstrip("\n") + "\n\n" + section)
        metadata = skill.fields.get("metadata") if isinstance(skill.fields.get("metadata"), dict) else {}
        skill.set_field("metadata", provenance.record(outcome.source_digest, outcome.learner, "extend", outcome.outcome,
                                                      metadata))
        outcome.name = str(skill.fields.get("name"))
        outcome.path = target.location.skill_file
        outcome.text = skill.to_bytes().decode("utf-8")
    else:
        outcome.path = target_root(workspace, skills_dirs) / skill_name / "SKILL.md"
        outcome.text = new_skill_text(skill_name, parts["description"], pipeline.render_body({**parts, "name": skill_name}),
                                      {"metadata": metadata_record})


def _fingerprint(group: list[Any]) -> str:
    import hashlib

    if len(group) == 1:
        return str(group[0].fingerprint)
    combined = "\n".join(sorted(item.fingerprint for item in group)).encode()
    return f"sha256:{hashlib.sha256(combined).hexdigest()}"


def gate_model(outcome: Outcome, creation: Any, client: Any, workspace: Workspace, skills_dirs: tuple[str, ...],
               name: str | None, operation: str | None) -> None:
    """Validate and lint the model's skill; send findings back for at most N repair rounds."""
    from git_skill.reporting import render_text

    for _ in range(client.settings.repair_rounds + 1):
        findings = _gate_findings(outcome.text, outcome, workspace)
        if not findings:
            return
        problems = render_text(findings, [], "before writing")
        parts = client.repair(creation.messages, creation.parts, problems, "creation")
        creation.parts = parts
        _render_model_outcome(outcome, parts, workspace, skills_dirs, name, operation, [])
        if outcome.operation == "none":
            return
    findings = _gate_findings(outcome.text, outcome, workspace)
    if findings:
        raise GitSkillError(f"the model's skill still fails validation and lint after {client.settings.repair_rounds} "
                            "repair rounds; nothing was written:\n" + render_text(findings, [], "before writing"),
                            exit_codes.FINDINGS)


def _gate_findings(text: str, outcome: Outcome, workspace: Workspace) -> list[Any]:
    from git_skill.lint import errors_of, lint_skill
    from git_skill.lint.config import load
    from git_skill.options import resolve_profile
    from git_skill.skill import SkillFile
    from git_skill.validation import validate_skill

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


@click.command("learn")
@click.argument("sources", nargs=-1, type=click.Path(path_type=str))
@click.option("--feedback", "feedback_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Verifier output, a CI log or a reviewer's note to learn from too; repeatable.")
@click.option("--model", default=None, help="A model for the reflection pipeline, any litellm model name (default: git "
              "config skill.model, then GIT_SKILL_MODEL; none means the built-in distiller).")
@click.option("--api-base", default=None, help="An OpenAI-compatible endpoint, e.g. a local server (default: git config "
              "skill.apiBase). The key comes from the provider's variable or GIT_SKILL_API_KEY.")
@click.option("--timeout", type=click.FloatRange(min=1), default=120.0, show_default=True,
              help="Seconds to wait for each model reply (retries: 3, honouring Retry-After).")
@click.option("--budget", type=click.IntRange(min=1000), default=24000, show_default=True,
              help="Token budget of the digest sent to the model.")
@skills_dir_option
@click.option("--name", default=None, help="Name for a new skill (default: from the task).")
@click.option("--operation", type=click.Choice(["create", "extend", "update", "none"]), default=None,
              help="Override the curation choice (update needs a model: it fixes wrong steps in place).")
@click.option("--dry-run", is_flag=True, help="Print the skill and the operation; write nothing.")
@click.option("--commit", "make_commit", is_flag=True, help="Commit only the skill's files, recording the source digest.")
@click.option("--force", is_flag=True, help="Overwrite a skill folder that has uncommitted changes.")
@click.option("--yes/--interactive", "assume_yes", default=True, show_default=True,
              help="Take the proposed operation, or ask (on a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Trials distilled at once when SOURCE is a run or job folder (default: cores, at most 4).")
@click.option("--from-hook", "from_hook", type=click.Choice(["claude-code", "codex"]), default=None,
              help="Called by an agent hook: claude-code reads the hook JSON on stdin (transcript_path, cwd); "
              "codex takes the notify JSON as the last argument (cwd).")
def command(sources: tuple[str, ...], feedback_files: tuple[Path, ...], model: str | None, api_base: str | None,
            timeout: float, budget: int, skills_dirs: tuple[str, ...],
            name: str | None, operation: str | None, dry_run: bool, make_commit: bool, force: bool, assume_yes: bool,
            as_json: bool, jobs: int | None, from_hook: str | None) -> None:
    """Learn a skill from SOURCE: a transcript, a trial folder, a Terminal-Bench run or Harbor job
    folder (every trial in it; attempts at one task make one skill), or nothing for the newest
    Claude Code or Codex session recorded for this repository.

    The built-in distiller (no model, no network) writes the steps that worked, each error
    with its fix, the checks run and the verifier's failures; curation extends a similar
    existing skill instead of duplicating it. Exit 0 when done, 2 on usage errors, 3 on
    unreadable input, 4 when a skill has uncommitted edits (see --force), 5 when another
    run holds the lock.
    """
    from git_skill.digests import source_digest
    from git_skill.learning.batch import LearnCache, default_jobs, distill_all, expand_sources, group_by_task
    from git_skill.learning.writer import RepositoryLock
    from git_skill.transcripts.sources import resolve_source

    if from_hook:
        sources, start = hook_source(from_hook, sources)
        workspace = open_workspace(start)
    else:
        workspace = open_workspace()
    chosen_model = configured_model(workspace, model)
    client = None
    if chosen_model:
        from git_skill.learning.model import ModelClient, ModelSettings

        client = ModelClient(ModelSettings(chosen_model, api_base=api_base or workspace.config("skill.apiBase"),
                                           api_key=os.environ.get("GIT_SKILL_API_KEY"), timeout=timeout))
    if name is not None and (not _NAME.match(name) or len(name) > 64):
        raise GitSkillError(f"--name {name!r} is not a valid skill name (lowercase letters, digits, single '-')",
                            exit_codes.USAGE)
    if operation == "update" and client is None:
        raise GitSkillError("--operation update needs a model (--model): the distiller cannot tell a wrong step "
                            "from a right one", exit_codes.USAGE)
    if make_commit and (dry_run or workspace.repo is None):
        raise GitSkillError("--commit needs a git repository and cannot go with --dry-run", exit_codes.USAGE)
    interactive = not assume_yes and sys.stdin.isatty()
    paths = [resolve_source(s, workspace.root) for s in sources] or [resolve_source(None, workspace.root)]
    for path in paths:
        if not path.exists():
            raise GitSkillError(f"no such file or folder: {path}", exit_codes.USAGE)
    members = [str(trial) for path in paths for trial in expand_sources(path)]
    cache = LearnCache(workspace)
    skipped = [m for m in members if not force and not dry_run and source_digest(Path(m)) in cache]
    todo = [m for m in members if m not in skipped]
    batch = len(members) > 1
    show_progress = batch and not as_json and sys.stderr.isatty()
    with click.progressbar(length=len(todo), label="learning", file=sys.stderr) if show_progress else _NoBar() as bar:
        distilled = list(distill_all(todo, tuple(str(f) for f in feedback_files), jobs or default_jobs(),
                                     lambda _: bar.update(1)))
    results = []
    written: set[Path] = set()
    for group in group_by_task(distilled):
        if client is not None:
            outcome, creation = plan_with_model(workspace, client, group, skills_dirs, name, operation, budget)
            if outcome.operation != "none":
                gate_model(outcome, creation, client, workspace, skills_dirs, name, operation)
        else:
            outcome = plan(workspace, group, skills_dirs, name, operation, interactive)
            if outcome.operation != "none":
                gate(outcome, workspace)
        if outcome.operation != "none" and not dry_run:
            _write(outcome, workspace, force or outcome.path in written, make_commit)
            written.add(outcome.path)
        if not dry_run:
            for item in group:
                cache.record(item.fingerprint, outcome.name, outcome.operation)
        results.append((group, outcome))
        if not as_json and not batch:
            _report(outcome, dry_run)
    if not dry_run and distilled:
        with RepositoryLock(workspace):
            cache.save()
    if skipped and not batch and not as_json:
        click.echo(f"nothing to learn from {skipped[0]}: already learned (its source digest is in the cache); "
                   "--force learns it again")
    usage = None
    if client is not None:
        u = client.usage
        usage = {"model": client.settings.model, "calls": u.calls, "prompt_tokens": u.prompt_tokens,
                 "completion_tokens": u.completion_tokens, "cost_usd": u.cost_usd}
        if not as_json:
            cost = f", ${u.cost_usd:.4f}" if u.cost_usd is not None else " (cost unknown for this model)"
            click.echo(f"model {u.calls} calls: {u.prompt_tokens} prompt + {u.completion_tokens} completion tokens{cost}",
                       err=True)
    if as_json:
        click.echo(json.dumps({"results": [outcome.to_dict() for _, outcome in results],
                               "skipped": skipped, "usage": usage}, indent=2))
    elif batch:
        _summary(results, skipped, dry_run)


class _NoBar:
    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, steps: int) -> None:
        return None


def _write(outcome: Outcome, workspace: Workspace, force: bool, make_commit: bool) -> None:
    """Write one skill under the lock; `force` also covers a skill this run already wrote."""
    from git_skill.learning.writer import RepositoryLock, commit_skill, local_changes, write_skill_folder

    assert outcome.path is not None
    with RepositoryLock(workspace):
        changed = local_changes(workspace, outcome.path.parent)
        if changed and not force:
            raise GitSkillError(
                f"{display_path(outcome.path.parent)} has uncommitted changes ({', '.join(changed[:5])}); "
                "commit or stash them, or rerun with --force", exit_codes.REFUSED)
        write_skill_folder(outcome.path.parent, outcome.text.encode("utf-8"),
                           {relative: content.encode("utf-8") for relative, content in outcome.files.items()})
        outcome.written = True
        if make_commit:
            message = (f"Learn skill {outcome.name} ({outcome.operation})\n\n"
                       f"Source-Digest: {outcome.source_digest}\nLearner: {outcome.learner}\n"
                       f"Operation: {outcome.operation}\n")
            outcome.commit = commit_skill(workspace, outcome.path.parent, message)


def _summary(results: list[tuple[list[Any], Outcome]], skipped: list[str], dry_run: bool) -> None:
    rows = [(Path(item.source).name, item.lessons.outcome or "-", outcome.operation, outcome.name)
            for group, outcome in results for item in group]
    rows += [(Path(source).name, "-", "cached", "-") for source in skipped]
    widths = [max(len(header), *(len(row[i]) for row in rows)) if rows else len(header)
              for i, header in enumerate(("TRIAL", "OUTCOME", "OPERATION", "SKILL"))]
    for row in [("TRIAL", "OUTCOME", "OPERATION", "SKILL"), *rows]:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths)).rstrip())
    written = sum(1 for _, outcome in results if outcome.written)
    tail = " (dry run: nothing written)" if dry_run else ""
    click.echo(f"{len(rows)} sources, {len(results)} tasks: {written} skills written, {len(skipped)} already learned{tail}")


def _report(outcome: Outcome, dry_run: bool) -> None:
    where = display_path(outcome.path) if outcome.path else "-"
    if outcome.operation == "none":
        click.echo(f"nothing to learn from {outcome.source}: {outcome.reason}")
        return
    if dry_run:
        click.echo(outcome.text, nl=not outcome.text.endswith("\n"))
        click.echo(f"--- dry run: would {outcome.operation} {where} ({outcome.reason}); nothing written", err=True)
        return
    done = {"create": "created", "extend": "extended"}[outcome.operation]
    commit = f"; committed {outcome.commit[:12]}" if outcome.commit else ""
    click.echo(f"{done} {where} ({outcome.reason}; source {outcome.source_digest[:19]}…){commit}")
