"""The one module that talks to models, through litellm (imported here only, lazily).

Facts this follows: `import litellm` must come after
LITELLM_LOCAL_MODEL_COST_MAP=True or it fetches a price map; always pass a timeout; every
reply is validated locally. Retries are ours, not the OpenAI client's, so that threads
learning tasks at once share one rate-limit backoff and a refused `response_format` is
seen on its first answer (llama.cpp refuses a JSON schema with a 500, which the client
would retry). Structured output steps down a ladder until the server accepts it (see
`FORMATS`); the level that worked is remembered per endpoint and model. Every failure
becomes a ModelError with a kind and a documented exit code.
"""

from __future__ import annotations

import gc
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from git_skill import exit_codes
from git_skill.atomic import write_atomic
from git_skill.errors import GitSkillError
from git_skill.learning.replies import decoding_schema, parse_reply, repair_in_code
from git_skill.learning.templates import prompt, schema
from git_skill.resources import install_hint

EXIT_BY_KIND = {
    "auth": exit_codes.USAGE, "not_found": exit_codes.USAGE, "unsupported": exit_codes.USAGE,
    "rate_limit": exit_codes.LOCKED, "timeout": exit_codes.LOCKED, "unavailable": exit_codes.LOCKED,
    "bad_response": exit_codes.BAD_INPUT, "context_window": exit_codes.BAD_INPUT,
}
FATAL_KINDS = frozenset({"auth", "not_found", "unsupported"})  # no other task of the run can succeed either
# The structured-output ladder, most to least constrained. "json_object+schema" is JSON mode with the
# schema attached: llama.cpp's and llama-cpp-python's servers turn it into a grammar, vLLM into guided decoding.
FORMATS = ("json_schema", "json_object+schema", "json_object", "text")
# Parameters a provider may refuse by name ("Unsupported parameter: 'temperature'"): the request is sent
# again once without it, and the endpoint is remembered as refusing it (like the ladder's level).
REFUSABLE = ("temperature", "frequency_penalty", "max_tokens")
_REFUSED = "refuses "
_NOT_FOUND = re.compile(r"\bmodel\b[^.]{0,60}\b(?:not found|does not exist|not exist|unknown|no such|not available|"
                        r"not supported)|\b(?:unknown|invalid) model\b|model_not_found|no such model|provider not provided", re.I)
_AT_MOST = re.compile(r"(?:at most|maximum(?: value)? (?:is|of)|less than or equal to|<=)\s*(\d{3,7})", re.I)
_FORMAT_WORDS = re.compile(r"response_format|json_schema|schema", re.I)
_CONTEXT_WORDS = re.compile(r"context (?:window|length)|maximum context|exceeds? (?:the )?(?:model'?s? )?(?:context|max)|"
                            r"too many tokens|prompt is too long|n_ctx", re.I)
_WINDOW_NUMBER = re.compile(r"(?:context window of|context length is|maximum context length is|n_ctx\D{0,20})\s*(\d{3,7})",
                            re.I)


class ModelError(GitSkillError):
    def __init__(self, kind: str, message: str, window: int | None = None) -> None:
        super().__init__(f"model call failed ({kind}): {message}", EXIT_BY_KIND[kind])
        self.kind = kind
        self.window = window  # for context_window: the size the server named, when it did


@dataclass
class ModelSettings:
    model: str
    api_base: str | None = None
    api_key: str | None = None
    timeout: float = 120.0
    max_retries: int = 3
    repair_rounds: int = 2
    context_window: int | None = None  # tokens the model takes in and gives back, when known
    reply_tokens: int | None = None  # max_tokens for each reply
    output_limit: int | None = None  # the most a reply may take (litellm's max_output_tokens), when known
    frequency_penalty: float | None = None  # only for a small model on this machine: it loops under greedy decoding
    temperature: float | None = 0  # None for reasoning models, which refuse anything but their default
    # A lower bound on lists, for a small model: its grammar stays small (each bounded list is spelled out
    # item by item), and it cannot fill a list until its reply is cut off. None: the schema's own bounds.
    max_items: int | None = None


@dataclass
class Usage:
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, response: Any, litellm: Any) -> None:
        usage = getattr(response, "usage", None)
        hidden = getattr(response, "_hidden_params", None)
        if isinstance(hidden, dict) and "response_cost" in hidden:
            cost = hidden["response_cost"]  # litellm priced the reply already (None: a model without a price)
        else:
            try:
                cost = litellm.completion_cost(completion_response=response)
            except Exception:  # unknown models have no price: report tokens only
                cost = None
        with self._lock:
            self.calls += 1
            self.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            self.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
            if cost:
                self.cost_usd = (self.cost_usd or 0.0) + float(cost)


class Backoff:
    """One pause shared by every thread of a run: a rate limit seen by one task holds back all of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, time.monotonic() + seconds)

    def wait(self) -> None:
        while True:
            with self._lock:
                remaining = self._until - time.monotonic()
            if remaining <= 0:
                return
            time.sleep(min(remaining, 1.0))


class FormatMemory:
    """The ladder level that worked, per endpoint and model: for this run, and on disk for the next ones."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self.levels: dict[str, str] = {}
        self.refused: dict[str, list[str]] = {}  # parameters the endpoint refused, sent no more
        if path is not None and path.is_file():
            try:
                loaded = json.loads(path.read_text(encoding="utf-8"))
            except (ValueError, OSError):
                loaded = None  # a damaged file only costs one step down the ladder again
            if isinstance(loaded, dict):
                self.levels = {k: v for k, v in loaded.items() if isinstance(v, str) and v in FORMATS}
                self.refused = {k[len(_REFUSED):]: [p for p in v if p in REFUSABLE] for k, v in loaded.items()
                                if k.startswith(_REFUSED) and isinstance(v, list)}

    def get(self, key: str) -> int:
        with self._lock:
            return FORMATS.index(self.levels.get(key, FORMATS[0]))

    def refused_parameters(self, key: str) -> list[str]:
        with self._lock:
            return list(self.refused.get(key, ()))

    def remember(self, key: str, level: int) -> None:
        with self._lock:
            if self.levels.get(key) == FORMATS[level]:
                return
            self.levels[key] = FORMATS[level]
            self._save()

    def remember_refusal(self, key: str, parameter: str) -> None:
        with self._lock:
            if parameter in self.refused.get(key, ()):
                return
            self.refused.setdefault(key, []).append(parameter)
            self._save()

    def _save(self) -> None:
        snapshot = {**self.levels, **{_REFUSED + k: sorted(v) for k, v in self.refused.items()}}
        if self.path is not None:
            try:
                write_atomic(self.path, json.dumps(snapshot, indent=1, sort_keys=True).encode("utf-8"))
            except OSError:
                pass  # remembering is an optimisation; the run goes on


def litellm_available() -> bool:
    """Whether the `llm` extra is installed, without paying for the import (3-4 s)."""
    import importlib.util

    try:
        return importlib.util.find_spec("litellm") is not None
    except (ImportError, ValueError):
        return False


def require_litellm() -> None:
    if not litellm_available():
        raise GitSkillError(f"learning with a model needs litellm, which is not installed: {install_hint('llm')}",
                            exit_codes.USAGE)


_IMPORT_LOCK = threading.Lock()
_LITELLM: list[Any] = []  # the module, once imported and set up


def litellm_module() -> Any:
    """litellm, imported once (threads asking at once wait for the one import).

    Its import builds thousands of objects (2.5-4 s). The collector is paused during it and
    what it built is then frozen out of later collections: that takes about a quarter off the
    import, and interpreter exit, which otherwise walks all of it again, drops from about
    0.8 s to under 0.1 s.
    """
    with _IMPORT_LOCK:
        if _LITELLM:
            return _LITELLM[0]
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        collecting = gc.isenabled()
        gc.disable()
        try:
            import litellm
        except ImportError:
            raise GitSkillError(f"learning with a model needs litellm, which is not installed: {install_hint('llm')}",
                                exit_codes.USAGE) from None
        finally:
            if collecting:
                gc.freeze()
                gc.enable()
        litellm.telemetry = False
        litellm.suppress_debug_info = True
        _LITELLM.append(litellm)
        return litellm


def _error_text(error: Exception) -> str:
    """The error's message and, when litellm kept it, the body of the server's reply."""
    body = getattr(error, "body", None)
    text = str(error)
    if body is not None and not isinstance(body, str):
        body = json.dumps(body, default=str)
    return f"{text} {body}" if body and body not in text else text


def _retry_after(error: Exception) -> float | None:
    for source in (getattr(error, "litellm_response_headers", None), getattr(getattr(error, "response", None), "headers",
                                                                           None)):
        try:
            value = source.get("retry-after") if source is not None else None
        except Exception:  # noqa: BLE001 - headers of an odd type: no hint
            value = None
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


def _map_error(error: Exception, settings: ModelSettings) -> ModelError:
    litellm = litellm_module()
    name = type(error).__name__
    text = str(error).splitlines()[0][:300] if str(error) else name
    full = _error_text(error)
    if _CONTEXT_WORDS.search(full):
        number = _WINDOW_NUMBER.search(full)
        return ModelError("context_window", f"the request is too long for {settings.model}'s context window: {text}",
                          int(number.group(1)) if number else None)
    checks = [
        ("AuthenticationError", "auth", f"the provider refused the credentials for {settings.model}; set its API key "
                                        "(for example OPENAI_API_KEY, ANTHROPIC_API_KEY) or GIT_SKILL_API_KEY"),
        ("NotFoundError", "not_found", f"unknown model {settings.model!r}: {text}"),
        ("ContextWindowExceededError", "context_window", f"the request is too long for {settings.model}: {text}"),
        ("RateLimitError", "rate_limit", f"rate limited after {settings.max_retries} retries: {text}"),
        ("Timeout", "timeout", f"no answer within {settings.timeout:g} s (--timeout applies to each call; a model on "
                               "a CPU can need several minutes: try --timeout 900)"),
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
            if kind == "bad_response" and _NOT_FOUND.search(text):
                return ModelError("not_found", f"unknown model {settings.model!r}: {text}")
            return ModelError(kind, message)
    return ModelError("bad_response", f"{name}: {text}")


def _default_privacy() -> Callable[[str], str]:
    from git_skill.learning.privacy import ProviderRedaction

    return ProviderRedaction()


def _response_format(level: int, schema_name: str, max_items: int | None = None) -> dict[str, Any] | None:
    relaxed = decoding_schema(schema_name, max_items)
    if FORMATS[level] == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": schema_name, "schema": relaxed, "strict": False}}
    if FORMATS[level] == "json_object+schema":
        return {"type": "json_object", "schema": relaxed}
    if FORMATS[level] == "json_object":
        return {"type": "json_object"}
    return None  # text: the prompt carries the schema


_REPEATING_TAIL = re.compile(r"(.{4,120}?)(?:\s*\1){5,}\s*$", re.S)


def looping(content: str) -> bool:
    """Whether a reply ends in one piece repeated over and over: a small model stuck in a loop, which
    more room would only let run longer."""
    return bool(_REPEATING_TAIL.search(content[-2000:]))


@dataclass
class Reply:
    content: str
    cut: bool  # finish_reason "length": the reply reached max_tokens and is not whole
    room: int | None  # the max_tokens it was given


@dataclass
class ModelClient:
    settings: ModelSettings
    usage: Usage = field(default_factory=Usage)
    formats: FormatMemory = field(default_factory=FormatMemory)
    backoff: Backoff = field(default_factory=Backoff)
    note: Callable[[str], None] = lambda message: None  # repairs done in code: said, not hidden
    debug: Callable[[str], None] = lambda message: None
    privacy: Callable[[str], str] = field(default_factory=lambda: _default_privacy())  # applied to every message sent

    def _free_tokens(self, messages: list[dict[str, str]]) -> int | None:
        """Tokens of the window the conversation leaves free, by our estimate; None when the window is unknown."""
        from git_skill.learning.context_window import ESTIMATE_MARGIN
        from git_skill.text.tokens import approx_tokens

        if not self.settings.context_window:
            return None
        prompt_tokens = sum(approx_tokens(str(message.get("content") or "")) for message in messages) / ESTIMATE_MARGIN
        return int(self.settings.context_window - prompt_tokens)

    def _reply_room(self, messages: list[dict[str, str]]) -> int:
        """max_tokens: the reply's reserve, less what a conversation grown by repair turns takes beyond its share."""
        from git_skill.learning.context_window import MIN_REPLY_TOKENS

        reserve = int(self.settings.reply_tokens or 0)
        free = self._free_tokens(messages)
        return reserve if free is None else max(MIN_REPLY_TOKENS, min(reserve, free))

    def _more_room(self, messages: list[dict[str, str]], room: int) -> int | None:
        """max_tokens for asking again after a reply was cut at `room`: four times as much, within the
        window and the model's output limit; None when there is no more to give."""
        free = self._free_tokens(messages)
        bigger = min(room * 4, *(limit for limit in (free, self.settings.output_limit) if limit))
        return bigger if bigger > room else None

    def fit_window(self, window: int) -> None:
        """Take the context window a server named in an error, when it is smaller than the one assumed."""
        from git_skill.learning.context_window import reply_reserve

        if window < (self.settings.context_window or window + 1):
            self.settings.context_window = window
            self.settings.reply_tokens = reply_reserve(window, self.settings.output_limit)

    def add_sources(self, *paths: str | Path) -> None:
        """Sources a request may name: from now on named by their own names, not this machine's folders."""
        add = getattr(self.privacy, "add_source", None)
        for path in paths if add else ():
            add(Path(path))

    @property
    def endpoint_key(self) -> str:
        return f"{self.settings.api_base or 'provider'} {self.settings.model}"

    def _parameters(self, messages: list[dict[str, str]], room: int | None = None) -> dict[str, Any]:
        """The request's parameters, as a call sends them (messages redacted, refused parameters left out)."""
        sent = [{**message, "content": self.privacy(str(message.get("content") or ""))} for message in messages]
        kwargs: dict[str, Any] = {"model": self.settings.model, "messages": sent}
        if self.settings.temperature is not None:
            kwargs["temperature"] = self.settings.temperature
        if room or self.settings.reply_tokens:
            kwargs["max_tokens"] = room or self._reply_room(messages)
        if self.settings.frequency_penalty is not None:
            kwargs["frequency_penalty"] = self.settings.frequency_penalty
        for parameter in self.formats.refused_parameters(self.endpoint_key):
            kwargs.pop(parameter, None)
        return kwargs

    def request_body(self, messages: list[dict[str, str]], schema_name: str, model: str) -> dict[str, Any]:
        """The body of the chat request a call would send, for a provider's batch API (`model`: the
        provider's own name for it)."""
        body = {**self._parameters(messages), "model": model}
        response_format = _response_format(self.formats.get(self.endpoint_key), schema_name)
        if response_format is not None:
            body["response_format"] = response_format
        return body

    def _complete(self, messages: list[dict[str, str]], schema_name: str, room: int | None = None) -> Reply:
        litellm = litellm_module()
        kwargs = {**self._parameters(messages, room), "timeout": self.settings.timeout, "max_retries": 0}
        if self.settings.api_base:
            kwargs["api_base"] = self.settings.api_base
        if self.settings.api_key:
            kwargs["api_key"] = self.settings.api_key
        level = self.formats.get(self.endpoint_key)
        attempt = 0
        while True:
            response_format = _response_format(level, schema_name, self.settings.max_items)
            if response_format is None:
                kwargs.pop("response_format", None)
            else:
                kwargs["response_format"] = response_format
            self.backoff.wait()
            try:
                response = litellm.completion(**kwargs)
            except Exception as error:  # noqa: BLE001 - mapped to one error type below
                mapped = _map_error(error, self.settings)
                if mapped.kind in ("bad_response", "unsupported", "not_found") and self._drop_refused(error, kwargs):
                    continue
                if level < len(FORMATS) - 1 and mapped.kind not in ("context_window", "auth", "timeout") and \
                        _FORMAT_WORDS.search(_error_text(error)):
                    self.debug(f"structured output: {self.settings.model} refused {FORMATS[level]} "
                               f"({str(error).splitlines()[0][:160]}); trying {FORMATS[level + 1]}")
                    level += 1  # the server does not take this kind of structured output: one step down
                    self.formats.remember(self.endpoint_key, level)
                    continue
                if mapped.kind in ("rate_limit", "unavailable") and attempt < self.settings.max_retries:
                    hint = _retry_after(error)
                    self.backoff.hold(hint if hint is not None else min(8.0, 0.5 * 2 ** attempt))
                    attempt += 1
                    continue
                raise mapped from None
            self.usage.add(response, litellm)
            self.debug(f"structured output: {FORMATS[level]} for {self.endpoint_key}")
            choices = getattr(response, "choices", None) or []
            if not choices:
                raise ModelError("bad_response", "the reply had no choices")
            content = getattr(choices[0].message, "content", None)
            cut = getattr(choices[0], "finish_reason", None) == "length"
            if not content and not cut:
                raise ModelError("bad_response", "the reply was empty")
            return Reply(str(content or ""), cut, kwargs.get("max_tokens"))

    def _drop_refused(self, error: Exception, kwargs: dict[str, Any]) -> bool:
        """A provider's refusal that names one of our optional parameters: send without it (or, for
        max_tokens with a limit named, with that limit), and remember it for this endpoint."""
        text = _error_text(error)
        if re.search(r"response_format|json_schema", text, re.I):
            return False  # the structured-output ladder's business
        for parameter in REFUSABLE:
            if parameter not in kwargs or not re.search(rf"\b{parameter}\b", text):
                continue
            limit = _AT_MOST.search(text) if parameter == "max_tokens" else None
            if limit and int(limit.group(1)) < int(kwargs["max_tokens"]):
                kwargs["max_tokens"] = int(limit.group(1))
                self.settings.output_limit = int(limit.group(1))
                self.settings.reply_tokens = min(int(self.settings.reply_tokens or limit.group(1)), int(limit.group(1)))
                self.debug(f"{self.settings.model} takes at most {limit.group(1)} reply tokens; asking with that")
                return True
            del kwargs[parameter]
            self.formats.remember_refusal(self.endpoint_key, parameter)
            self.debug(f"{self.settings.model} refused {parameter} ({str(error).splitlines()[0][:160]}); "
                       "sending without it from now on")
            return True
        return False

    def json(self, messages: list[dict[str, str]], schema_name: str,
             defaults: dict[str, str] | None = None, first: str | None = None) -> dict[str, Any]:
        """A reply parsed and checked against the strict schema: what code can repair is repaired here
        (and reported); only what needs judgement goes back to the model, for at most N repair rounds.
        A reply cut at max_tokens is asked for again once with more room: not the model's mistake.
        `first` is the first reply when it came another way (a provider's batch)."""
        import jsonschema

        validator = jsonschema.Draft202012Validator(schema(schema_name))
        conversation = list(messages)
        for attempt in range(self.settings.repair_rounds + 1):
            # `first`: the first reply came another way (a provider's batch); repair rounds are calls
            reply = Reply(first, False, None) if first is not None and attempt == 0 else \
                self._complete(conversation, schema_name)
            if reply.cut and reply.room and not looping(reply.content):
                room = self._more_room(conversation, reply.room)
                if room is not None:
                    self.debug(f"the {schema_name} reply was cut at {reply.room} tokens; asking again with {room}")
                    reply = self._complete(conversation, schema_name, room)
            content = reply.content
            parsed = parse_reply(content)
            if reply.cut and not isinstance(parsed, dict):
                problems = (f"the reply was cut off at the length limit ({reply.room} tokens) before it ended"
                            + (", repeating itself" if looping(content) else "")
                            + ": reply again, shorter (fewer or smaller scripts and references)")
            elif isinstance(parsed, dict):
                for repair in repair_in_code(schema_name, parsed, defaults):
                    self.note(f"repaired the {schema_name} reply in code: {repair}")
                errors = sorted(validator.iter_errors(parsed), key=lambda e: list(e.absolute_path))
                if not errors:
                    return parsed
                problems = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or 'the object'}: {e.message[:200]}"
                                     for e in errors[:8])
            else:
                problems = parsed
            if attempt == self.settings.repair_rounds:
                raise ModelError("bad_response", f"the reply did not match the {schema_name} schema after "
                                                 f"{self.settings.repair_rounds} repair rounds: {problems}")
            # Only the latest round goes back: a conversation that grows by every round overflows a small window.
            conversation = self._within_window(list(messages) + [
                {"role": "assistant", "content": content}, {"role": "user", "content": prompt("repair", problems=problems)}])
        raise AssertionError("unreachable")

    def _within_window(self, conversation: list[dict[str, str]]) -> list[dict[str, str]]:
        """The conversation, without the rejected reply when the window has no room for it and a new one."""
        from git_skill.learning.context_window import ESTIMATE_MARGIN
        from git_skill.text.tokens import approx_tokens

        window = self.settings.context_window
        needed = sum(approx_tokens(str(m.get("content") or "")) for m in conversation) / ESTIMATE_MARGIN
        if not window or needed + min(self.settings.reply_tokens or 0, window // 4) <= window:
            return conversation
        return [message for message in conversation if message.get("role") != "assistant"]

    def repair(self, messages: list[dict[str, str]], previous: dict[str, Any], problems: str,
               schema_name: str, defaults: dict[str, str] | None = None) -> dict[str, Any]:
        """Ask again after the reply parsed but the result failed our own checks (validate, lint)."""
        return self.json(messages + [{"role": "assistant", "content": json.dumps(previous)},
                                     {"role": "user", "content": prompt("repair", problems=problems)}], schema_name,
                         defaults)
