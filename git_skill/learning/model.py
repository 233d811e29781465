"""The one module that talks to models, through litellm (imported here only, lazily).

Facts this follows (LEARNING.md): `import litellm` must come after
LITELLM_LOCAL_MODEL_COST_MAP=True or it fetches a price map; retries go through the
OpenAI client's `max_retries` (which honours Retry-After), not litellm's `num_retries`;
always pass a timeout; structured output falls back from a JSON schema to JSON mode to
plain text, and every reply is validated locally. Every failure becomes a ModelError
with a kind and a documented exit code.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.resources import data_file

EXIT_BY_KIND = {
    "auth": exit_codes.USAGE, "not_found": exit_codes.USAGE, "unsupported": exit_codes.USAGE,
    "rate_limit": exit_codes.LOCKED, "timeout": exit_codes.LOCKED, "unavailable": exit_codes.LOCKED,
    "bad_response": exit_codes.BAD_INPUT, "context_window": exit_codes.BAD_INPUT,
}
PROMPTS = Path(__file__).resolve().parent.parent / "prompts"
_FENCED_JSON = re.compile(r"```(?:json)?\s*(\{.*\})\s*```", re.S)


class ModelError(GitSkillError):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(f"model call failed ({kind}): {message}", EXIT_BY_KIND[kind])
        self.kind = kind


@dataclass
class ModelSettings:
    model: str
    api_base: str | None = None
    api_key: str | None = None
    timeout: float = 120.0
    max_retries: int = 3
    repair_rounds: int = 2


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None

    def add(self, response: Any, litellm: Any) -> None:
        self.calls += 1
        usage = getattr(response, "usage", None)
        self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
        try:
            cost = litellm.completion_cost(completion_response=response)
        except Exception:  # unknown models have no price: report tokens only
            return
        if cost:
            self.cost_usd = (self.cost_usd or 0.0) + float(cost)


@lru_cache(maxsize=1)
def _litellm() -> Any:
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    litellm.telemetry = False
    return litellm


def prompt(name: str, **values: str) -> str:
    """A prompt from git_skill/prompts/, with {placeholders} filled in."""
    template = (PROMPTS / f"{name}.md").read_text(encoding="utf-8")
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    return json.loads(data_file("schemas", f"{name}.schema.json").read_text(encoding="utf-8"))


def _map_error(error: Exception, settings: ModelSettings) -> ModelError:
    litellm = _litellm()
    name = type(error).__name__
    text = str(error).splitlines()[0][:300] if str(error) else name
    checks = [
        ("AuthenticationError", "auth", f"the provider refused the credentials for {settings.model}; set its API key "
                                        "(for example OPENAI_API_KEY, ANTHROPIC_API_KEY) or GIT_SKILL_API_KEY"),
        ("NotFoundError", "not_found", f"unknown model {settings.model!r}: {text}"),
        ("ContextWindowExceededError", "context_window", f"the digest is too long for {settings.model}; lower --budget"),
        ("RateLimitError", "rate_limit", f"rate limited after {settings.max_retries} retries: {text}"),
        ("Timeout", "timeout", f"no answer within {settings.timeout:g} s (after retries)"),
        ("APIConnectionError", "unavailable", f"cannot reach the provider: {text}"),
        ("ServiceUnavailableError", "unavailable", f"the provider is unavailable: {text}"),
        ("InternalServerError", "unavailable", f"the provider failed: {text}"),
        ("UnsupportedParamsError", "unsupported", text),
        ("BadRequestError", "bad_response", f"the provider rejected the request: {text}"),
        ("APIError", "unavailable", text),
    ]
    lowered = str(error).lower()
    if "api_key" in lowered and ("must be set" in lowered or "environment variable" in lowered or "missing" in lowered):
        return ModelError("auth", checks[0][2])  # the client refused to send without a key
    for class_name, kind, message in checks:
        cls = getattr(litellm, class_name, None)
        if (cls is not None and isinstance(error, cls)) or name == class_name:
            if kind == "bad_response" and "model" in text.lower() and ("not" in text.lower() or "unknown" in text.lower()):
                return ModelError("not_found", f"unknown model {settings.model!r}: {text}")
            return ModelError(kind, message)
    return ModelError("bad_response", f"{name}: {text}")


@dataclass
class ModelClient:
    settings: ModelSettings
    usage: Usage = field(default_factory=Usage)
    _format_level: int = 0  # 0: JSON schema, 1: JSON mode, 2: plain text

    def _complete(self, messages: list[dict[str, str]], schema_name: str) -> str:
        litellm = _litellm()
        kwargs: dict[str, Any] = {"model": self.settings.model, "messages": messages, "timeout": self.settings.timeout,
                                  "max_retries": self.settings.max_retries, "temperature": 0}
        if self.settings.api_base:
            kwargs["api_base"] = self.settings.api_base
        if self.settings.api_key:
            kwargs["api_key"] = self.settings.api_key
        while True:
            if self._format_level == 0:
                kwargs["response_format"] = {"type": "json_schema", "json_schema": {
                    "name": schema_name, "schema": schema(schema_name), "strict": False}}
            elif self._format_level == 1:
                kwargs["response_format"] = {"type": "json_object"}
            else:
                kwargs.pop("response_format", None)
            try:
                response = litellm.completion(**kwargs)
            except Exception as error:  # noqa: BLE001 - mapped to one error type below
                mapped = _map_error(error, self.settings)
                if mapped.kind in ("unsupported", "bad_response") and self._format_level < 2 and \
                        "response_format" in str(error).lower() + mapped.kind:
                    self._format_level += 1  # the model does not do structured output: fall back
                    continue
                raise mapped from None
            self.usage.add(response, litellm)
            choices = getattr(response, "choices", None) or []
            if not choices:
                raise ModelError("bad_response", "the reply had no choices")
            content = getattr(choices[0].message, "content", None)
            if not content:
                raise ModelError("bad_response", "the reply was empty")
            return str(content)

    def json(self, messages: list[dict[str, str]], schema_name: str) -> dict[str, Any]:
        """A reply parsed and validated against the named schema, with repair turns on failure."""
        import jsonschema

        validator = jsonschema.Draft202012Validator(schema(schema_name))
        conversation = list(messages)
        for attempt in range(self.settings.repair_rounds + 1):
            content = self._complete(conversation, schema_name)
            problems = _problems(content, validator)
            if isinstance(problems, dict):
                return problems
            if attempt == self.settings.repair_rounds:
                raise ModelError("bad_response", f"the reply did not match the {schema_name} schema after "
                                                 f"{self.settings.repair_rounds} repair rounds: {problems}")
            conversation += [{"role": "assistant", "content": content},
                             {"role": "user", "content": prompt("repair", problems=problems)}]
        raise AssertionError("unreachable")

    def repair(self, messages: list[dict[str, str]], previous: dict[str, Any], problems: str,
               schema_name: str) -> dict[str, Any]:
        """Ask again after the reply parsed but the result failed our own checks (validate, lint)."""
        return self.json(messages + [{"role": "assistant", "content": json.dumps(previous)},
                                     {"role": "user", "content": prompt("repair", problems=problems)}], schema_name)


def _problems(content: str, validator: Any) -> dict[str, Any] | str:
    """The parsed object, or a description of what is wrong with the reply."""
    text = content.strip()
    fenced = _FENCED_JSON.search(text)
    if fenced:
        text = fenced.group(1)
    try:
        value = json.loads(text)
    except ValueError as error:
        return f"it is not valid JSON ({error.msg} at line {error.lineno})"
    if not isinstance(value, dict):
        return "it is not a JSON object"
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        return "; ".join(f"{'/'.join(map(str, e.absolute_path)) or 'the object'}: {e.message[:200]}" for e in errors[:8])
    return value

