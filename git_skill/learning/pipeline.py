"""The model pipeline: reflect on each session, create (or extend) a skill as typed parts, render it in code.

The model never rewrites a skill wholesale (that collapses its context over rounds): it returns
typed parts (when to use, approaches, pitfalls, verification, optional scripts and
references) and an operation; code renders them, appends an extension as one section,
and validates and lints the result, sending findings back for repair.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from git_skill.learning.content_gate import without_claim
from git_skill.learning.curation import Candidate
from git_skill.learning.generalize import generalize
from git_skill.learning.model import ModelClient
from git_skill.learning.replies import schema_text
from git_skill.learning.templates import prompt
from git_skill.transcripts.digest import Digest

if TYPE_CHECKING:
    from git_skill.learning.attempts import Attempt


@dataclass
class Creation:
    parts: dict[str, Any]
    messages: list[dict[str, str]] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)  # the existing skills it was shown
    task_name: str | None = None  # names a variant when the model extends a skill under the skill's own name


def reflection_messages(digest_text: str, max_items: int | None = None) -> list[dict[str, str]]:
    shown = schema_text("reflection", max_items)
    return [{"role": "user", "content": prompt("reflection", schema=shown, digest=digest_text)}]


def reflect(client: ModelClient, digest_text: str) -> dict[str, Any]:
    return client.json(reflection_messages(digest_text, client.settings.max_items), "reflection")


MIN_DIGEST = 300  # tokens: below this a digest says too little to reflect on


def reflect_within(client: ModelClient, digest: Digest, budget: int, source: str) -> dict[str, Any]:
    """Reflect on one attempt's digest; on a context-exceeded reply, once more with a smaller digest."""
    from git_skill import exit_codes
    from git_skill.errors import GitSkillError
    from git_skill.learning.model import ModelError
    from git_skill.transcripts.digest import fit

    digest_text, _, _ = fit(digest, budget)
    try:
        return reflect(client, digest_text)
    except ModelError as error:
        if error.kind != "context_window":
            raise
        smaller = budget // 2
        if error.window:  # the server named its window: use it for the rest of the run too
            smaller = min(smaller, reflection_budget(client, None, error.window))
            client.fit_window(error.window)
        smaller = max(MIN_DIGEST, smaller)
        client.note(f"the digest of {source} did not fit the model's context window at {budget} tokens; "
                    f"sending it again at {smaller}")
    digest_text, _, _ = fit(digest, smaller)
    try:
        return reflect(client, digest_text)
    except ModelError as error:
        if error.kind == "context_window":
            raise GitSkillError(f"{error.message}; the digest was already cut to {smaller} tokens: set the model's "
                                "real window with --context-window N (or git config skill.contextWindow)",
                                exit_codes.BAD_INPUT) from None
        raise


def reflection_budget(client: ModelClient, ceiling: int | None, window: int | None = None) -> int:
    """The digest budget that fits the model's window beside the reflection prompt, its schema and the reply."""
    from git_skill.learning.context_window import MAX_BUDGET, digest_budget

    overhead = prompt("reflection", schema=schema_text("reflection", client.settings.max_items), digest="")
    return digest_budget(window or client.settings.context_window, overhead, ceiling or MAX_BUDGET,
                         client.settings.reply_tokens)


def _body_allowance(client: ModelClient, fixed: str) -> int:
    """Characters of the closest skill's body that fit the window beside the rest of the creation prompt."""
    from git_skill.learning.context_window import digest_budget
    from git_skill.text.tokens import CHARS_PER_TOKEN

    if not client.settings.context_window:
        return 3000
    return max(0, min(3000, digest_budget(client.settings.context_window, fixed, 3000) * CHARS_PER_TOKEN // 2))


# The closest skill's body is shown only when its similarity (as the prompt shows it) reaches this: an
# unrelated skill's body costs the prompt thousands of characters and invites an extend of the wrong skill.
# Measured with a strong model on real trials: unrelated skills 0.00-0.03, the skill it then extended 0.15.
BODY_SHOWN_FROM = 0.05


def existing_summary(candidates: list[Candidate], limit: int = 3, body_chars: int = 3000) -> str:
    """Names and descriptions of the closest skills, and the body of the closest one."""
    if not candidates:
        return "(none: the repository has no skills yet)"
    parts = []
    for index, candidate in enumerate(candidates[:limit]):
        fields = candidate.skill.fields or {}
        similarity = max(candidate.resemblance.description, candidate.resemblance.body)
        parts.append(f"- name: {fields.get('name')}\n  description: {fields.get('description')}\n"
                     f"  similarity: {similarity:.2f}")
        if index == 0 and similarity >= BODY_SHOWN_FROM:
            parts.append("  body:\n" + "\n".join("    " + line for line in candidate.skill.body[:body_chars].splitlines()))
    return "\n".join(parts)


TASK_CHARS = 4000  # of each variant's task text in the creation prompt: the rules and paths, not pages of data


def labelled(attempts: list[Attempt]) -> list[dict[str, Any]]:
    """Each attempt's reflection labelled with its trial, its variant and its outcome, so the creation call
    can tell a group's reflections apart (which attempt passed, which variant it was)."""
    return [{"trial": Path(attempt.source).name, "variant": attempt.task,
             "outcome": attempt.lessons.outcome or "unknown", "reflection": attempt.reflection}
            for attempt in attempts]


def task_text(attempts: list[Attempt]) -> str:
    """The task as the agents were given it, once per variant (the creation call sees nothing else of it)."""
    texts = {attempt.task: " ".join(attempt.lessons.task.split())[:TASK_CHARS]
             for attempt in attempts if attempt.lessons.task.strip()}
    if not texts:
        return "(not recorded)"
    if len(set(texts.values())) == 1:
        return next(iter(texts.values()))
    return "\n".join(f"- {variant}: {text}" for variant, text in texts.items())


def create(client: ModelClient, attempts: list[Attempt], candidates: list[Candidate],
           task_name: str | None = None, unavailable: list[str] | None = None) -> Creation:
    """The skill's typed parts from the attempts' reflections; `task_name` names it when the model leaves
    the name empty; `unavailable`: names taken by unrelated skills, which a new skill must not use. The
    request passes through the client's provider redaction like every other."""
    from git_skill.learning.context_window import DEFAULT_REPLY_TOKENS

    reflection = json.dumps(labelled(attempts), ensure_ascii=False, indent=1)
    room = f"{client.settings.reply_tokens or DEFAULT_REPLY_TOKENS:,}"
    shown = schema_text("creation", client.settings.max_items)
    values = {"schema": shown, "reflection": reflection, "room": room, "task": task_text(attempts)}
    fixed = prompt("creation", **values, existing=existing_summary(candidates, body_chars=0))
    content = prompt("creation", **values,
                     existing=existing_summary(candidates, body_chars=_body_allowance(client, fixed)))
    if unavailable:
        content += ("\n\nThese skill names are taken by skills about other things; a new skill must not use any of "
                    "them: " + ", ".join(unavailable) + ".")
    messages = [{"role": "user", "content": content}]
    defaults = {"name": task_name} if task_name else None
    return Creation(client.json(messages, "creation", defaults), messages, candidates, task_name)


def _bullets(items: list[str]) -> list[str]:
    return [f"- {generalize(' '.join(str(item).split()))}" for item in items if str(item).strip()]


def render_body(parts: dict[str, Any], title_level: str = "#") -> str:
    """SKILL.md body from the typed parts; `title_level` '##' makes it a section of another skill."""
    sub = title_level + "#"
    lines = [f"{title_level} {parts['name'].replace('-', ' ').capitalize()}", "", f"{sub} When to use", "",
             generalize(" ".join(str(parts["when_to_use"]).split())), ""]
    for heading, key in (("Approaches", "approaches"), ("Pitfalls", "pitfalls"), ("Verification", "verification")):
        bullets = _bullets(parts.get(key) or [])
        if key == "verification":  # a claim on one instance's output (`<hash>`) is dropped, its command kept
            bullets = [kept for kept in map(without_claim, bullets) if kept is not None]
        if bullets:
            lines += [f"{sub} {heading}", "", *bullets, ""]
    files = [(folder, item["path"]) for folder in ("scripts", "references") for item in parts.get(folder) or []]
    if files:
        lines += [f"{sub} Files", "", *[f"- [{folder}/{path}]({folder}/{path})" for folder, path in files], ""]
    return "\n".join(lines)


def extra_files(parts: dict[str, Any]) -> dict[str, str]:
    return {f"{folder}/{item['path']}": item["content"] for folder in ("scripts", "references")
            for item in parts.get(folder) or []}


MAX_UPDATE_SHARE = 0.2  # an update may change at most a fifth of a skill's lines (no wholesale rewrites)


def apply_edits(body: str, edits: list[dict[str, str]]) -> tuple[str, int, int]:
    """Apply exact-line edits; returns the body, lines changed, edits that matched nothing.

    Raises GitSkillError when the edits would change more than MAX_UPDATE_SHARE of the lines.
    """
    from git_skill import exit_codes
    from git_skill.errors import GitSkillError

    lines = body.split("\n")
    applied = rejected = 0
    for edit in edits:
        wanted = edit["find"].strip()
        index = next((i for i, line in enumerate(lines) if line.strip() == wanted), None) if wanted else None
        if index is None:
            rejected += 1
            continue
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        lines[index:index + 1] = [indent + part.strip() if part.strip() else "" for part in edit["replace"].split("\n")]
        applied += 1
    limit = max(3, int(len(body.split("\n")) * MAX_UPDATE_SHARE))
    if applied > limit:
        raise GitSkillError(f"the model's update changes {applied} lines; at most {limit} may change at once "
                            "(a skill is never rewritten wholesale); nothing was written", exit_codes.FINDINGS)
    return "\n".join(lines), applied, rejected
