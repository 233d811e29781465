"""Reflect on a batch's attempts through the provider's batch API (`learn --batch`).

The requests are exactly those a call would send (`ModelClient.request_body`: redacted, the
structured-output level found, the reply's room); the batch's id is kept under `.git/`, so a
run that stops waiting (or is interrupted) leaves it to the next run to collect. Each reply is
then checked as a call's would be (`ModelClient.json(first=…)`: repairs in code, repair rounds
as calls) and cached like any reflection, so phase two never knows where it came from.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.workspace import Workspace

if TYPE_CHECKING:
    from git_skill.learning.attempts import Attempt, ReflectionCache
    from git_skill.learning.model import ModelClient

# litellm's batch interface for providers with OpenAI-compatible files and batches endpoints
SUPPORTED = frozenset({"openai", "azure", "hosted_vllm", "litellm_proxy", "mistral", "xai"})
ENDED = frozenset({"failed", "expired", "cancelled", "cancelling"})
ENDPOINT = "/v1/chat/completions"


@dataclass(frozen=True)
class Submitted:
    """A batch sent and not yet collected, as kept in `.git/git-skill/provider-batch.json`."""

    batch_id: str
    model: str
    api_base: str
    requests: dict[str, str]  # custom id (the source digest) -> the digest text's own digest, to know it is the same

    @staticmethod
    def path(workspace: Workspace) -> Path | None:
        return Path(workspace.git_dir) / "git-skill" / "provider-batch.json" if workspace.git_dir else None

    @classmethod
    def load(cls, workspace: Workspace) -> Submitted | None:
        path = cls.path(workspace)
        try:
            found = json.loads(path.read_text(encoding="utf-8")) if path and path.is_file() else None
            return cls(str(found["batch_id"]), str(found["model"]), str(found["api_base"]),
                       {str(k): str(v) for k, v in found["requests"].items()}) if found else None
        except (ValueError, OSError, KeyError, TypeError, AttributeError):
            return None  # a damaged record: the batch is sent again

    def save(self, workspace: Workspace) -> None:
        path = self.path(workspace)
        if path is not None:
            write_atomic(path, json.dumps(self.__dict__, indent=1, sort_keys=True).encode("utf-8"))

    @classmethod
    def forget(cls, workspace: Workspace) -> None:
        path = cls.path(workspace)
        if path is not None:
            path.unlink(missing_ok=True)


def provider_of(client: ModelClient) -> tuple[str, str]:
    """The provider's own model name and litellm's name for the provider; exit 2 when it has no batch API."""
    from git_skill.learning.model import litellm_module

    litellm = litellm_module()
    try:
        model, provider, _, _ = litellm.get_llm_provider(client.settings.model, api_base=client.settings.api_base)
    except Exception:  # noqa: BLE001 - litellm raises its own error types for unknown providers
        model, provider = client.settings.model, "unknown"
    if provider not in SUPPORTED:
        raise GitSkillError(f"--batch: {client.settings.model} is served by '{provider}', which litellm offers no "
                            f"batch API for (it does for {', '.join(sorted(SUPPORTED))}); learn without --batch",
                            exit_codes.USAGE)
    return model, provider


def reflect_in_batch(workspace: Workspace, client: ModelClient, attempts: list[Attempt], budget: int,
                     cache: ReflectionCache, wait: float, debug: Callable[[str], None]) -> None:
    """Give every attempt a reflection from one provider batch (sent now, or collected from an earlier run).

    Waits up to `wait` seconds for the provider; a batch still running then is left for the next
    run (exit 5, its id kept). Requests the batch answered with an error are left to ordinary calls.
    """
    import hashlib

    from git_skill.learning import pipeline
    from git_skill.transcripts.digest import fit

    model, provider = provider_of(client)
    todo: dict[str, tuple[Attempt, list[dict[str, str]]]] = {}
    for attempt in attempts:
        cached = cache.get(attempt)
        if cached is not None:
            attempt.reflection, attempt.digest = cached, None
        elif attempt.digest is not None and attempt.source_digest not in todo:
            client.add_sources(attempt.source, *attempt.feedback)
            text, _, _ = fit(attempt.digest, budget)
            todo[attempt.source_digest] = (attempt, pipeline.reflection_messages(text))
    if not todo:
        return
    bodies = {key: client.request_body(messages, "reflection", model) for key, (_, messages) in todo.items()}
    fingerprints = {key: hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
                    for key, body in bodies.items()}
    options = _options(client, provider)
    earlier = Submitted.load(workspace)
    if earlier and earlier.model == client.settings.model and earlier.api_base == (client.settings.api_base or "") \
            and all(earlier.requests.get(key) == value for key, value in fingerprints.items()):
        submitted = earlier
        debug(f"provider batch {submitted.batch_id}: sent by an earlier run, collecting it")
    else:
        submitted = _submit(workspace, client, bodies, fingerprints, options)
        debug(f"provider batch {submitted.batch_id}: {len(bodies)} reflection request(s) sent")
    replies = _collect(workspace, client, submitted, options, wait)
    for key, (attempt, messages) in todo.items():
        content = replies.get(key)
        if content is None:
            client.note(f"the provider batch gave no reply for {attempt.source}: asking for it directly")
            continue
        attempt.reflection = client.json(messages, "reflection", first=content)
        attempt.digest = None
        cache.put(attempt, attempt.reflection)
    Submitted.forget(workspace)


def _options(client: ModelClient, provider: str) -> dict[str, Any]:
    found: dict[str, Any] = {"custom_llm_provider": provider, "timeout": client.settings.timeout}
    if client.settings.api_base:
        found["api_base"] = client.settings.api_base
    if client.settings.api_key:
        found["api_key"] = client.settings.api_key
    return found


def _call(what: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """One batch API call, its failure one clear message (the provider's own words)."""
    try:
        return function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - litellm and the OpenAI client raise many types
        detail = str(error).splitlines()[0][:300] if str(error) else type(error).__name__
        raise GitSkillError(f"--batch: the provider refused to {what}: {detail}", exit_codes.LOCKED) from None


def _submit(workspace: Workspace, client: ModelClient, bodies: dict[str, dict[str, Any]],
            fingerprints: dict[str, str], options: dict[str, Any]) -> Submitted:
    from git_skill.learning.model import litellm_module

    litellm = litellm_module()
    lines = [json.dumps({"custom_id": key, "method": "POST", "url": ENDPOINT, "body": body}, ensure_ascii=False)
             for key, body in bodies.items()]
    uploaded = _call("take the batch file", litellm.create_file,
                     file=("git-skill-reflections.jsonl", ("\n".join(lines) + "\n").encode("utf-8")),
                     purpose="batch", **options)
    batch = _call("start the batch", litellm.create_batch, completion_window="24h", endpoint=ENDPOINT,
                  input_file_id=uploaded.id, **options)
    submitted = Submitted(str(batch.id), client.settings.model, client.settings.api_base or "", fingerprints)
    submitted.save(workspace)
    return submitted


def _collect(workspace: Workspace, client: ModelClient, submitted: Submitted, options: dict[str, Any],
             wait: float) -> dict[str, str]:
    """The replies' contents by custom id, once the batch is done (polling with growing pauses)."""
    from git_skill.learning.model import litellm_module

    litellm = litellm_module()
    deadline = time.monotonic() + wait
    pause = 0.2
    while True:
        batch = _call(f"report on batch {submitted.batch_id}", litellm.retrieve_batch, submitted.batch_id, **options)
        status = str(batch.status)
        if status == "completed" and batch.output_file_id:
            break
        if status in ENDED:
            Submitted.forget(workspace)
            raise GitSkillError(f"--batch: the provider's batch {submitted.batch_id} ended '{status}' without "
                                "replies; a rerun sends a new one (or learn without --batch)", exit_codes.LOCKED)
        if time.monotonic() + pause > deadline:
            raise GitSkillError(f"--batch: the provider's batch {submitted.batch_id} is still '{status}' after "
                                f"{wait:g} s; its id is kept in .git/git-skill/provider-batch.json: run the same "
                                "learn --batch again to collect it (batches take up to 24 h)", exit_codes.LOCKED)
        time.sleep(pause)
        pause = min(pause * 2, 30.0)
    content = _call("give the batch's replies", litellm.file_content, file_id=batch.output_file_id,
                    **{k: v for k, v in options.items() if k != "timeout"})
    replies: dict[str, str] = {}
    for line in content.content.decode("utf-8").splitlines():
        try:
            found = json.loads(line)
            response = found.get("response") or {}
            if response.get("status_code") != 200:
                continue
            body = response["body"]
            usage = body.get("usage") or {}
            client.usage.calls += 1
            client.usage.prompt_tokens += int(usage.get("prompt_tokens") or 0)
            client.usage.completion_tokens += int(usage.get("completion_tokens") or 0)
            message = body["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            continue  # a line we cannot read: that request is asked directly
        if isinstance(message, str):
            replies[str(found["custom_id"])] = message
    return replies
