"""How many tokens the model takes, and how large a digest fits in them.

A digest sized for a 128k-token hosted model overflows a local model's 8k window, and the
server says so only after the whole digest was sent. So the window is found first: the
user's `--context-window` or `git config skill.contextWindow`; for an `--api-base` server,
what it reports (llama.cpp's `/props`, the OpenAI-style model list's metadata as vLLM,
LM Studio and llama.cpp give it, Ollama's `/api/show`); else litellm's model info. The
digest budget is what is left after the prompt, the schema and the reply's reserve,
measured with a margin because our token estimate is not the model's tokenizer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Callable

from git_skill.text.tokens import approx_tokens

MAX_BUDGET = 24000  # the digest's default ceiling, even for models with huge windows
MIN_BUDGET = 500
ESTIMATE_MARGIN = 0.6  # code, logs and JSON take more tokens than four characters each (SmolLM2: about 2.5)
PROBE_TIMEOUT = 5.0
MIN_REPLY_TOKENS = 256
DEFAULT_REPLY_TOKENS = 4096  # a cap even when the window is unknown: a looping small model must stop somewhere
# The most kept for one reply when the model's own output limit is unknown: room for a skill with a
# script of some 60,000 characters (JSON-escaped code takes about one token per three characters).
MAX_REPLY_TOKENS = 32768


def reply_reserve(window: int | None, output_limit: int | None = None) -> int:
    """Tokens kept free for the reply: a quarter of the window, within the model's output limit
    (MAX_REPLY_TOKENS when it is unknown). A small window keeps the rest for the digest; a large
    one leaves room for the long script a strong model may write."""
    if not window:
        return min(DEFAULT_REPLY_TOKENS, output_limit or DEFAULT_REPLY_TOKENS)
    return max(MIN_REPLY_TOKENS, min(window // 4, output_limit or MAX_REPLY_TOKENS))


def digest_budget(window: int | None, prompt_overhead: str, ceiling: int = MAX_BUDGET,
                  reserve: int | None = None) -> int:
    """The largest digest budget (in our estimate's tokens) that fits the window with the prompt and the reply."""
    if not window:
        return ceiling
    free = window - (reserve or reply_reserve(window)) - approx_tokens(prompt_overhead) / ESTIMATE_MARGIN
    return max(MIN_BUDGET, min(ceiling, int(free * ESTIMATE_MARGIN)))


def output_limit(model: str, litellm: Callable[[], Any] | None) -> int | None:
    """The most tokens one reply of `model` may take, as litellm's model information gives it."""
    if litellm is None:
        return None
    try:
        info = litellm().get_model_info(model)
    except Exception:  # noqa: BLE001 - litellm raises bare Exceptions for unknown models
        return None
    return _positive(info.get("max_output_tokens")) if isinstance(info, dict) else None


def is_reasoning_model(model: str, litellm: Callable[[], Any] | None) -> bool:
    """Whether litellm knows `model` as a reasoning model (they refuse a temperature other than their own)."""
    if litellm is None:
        return False
    try:
        info = litellm().get_model_info(model)
    except Exception:  # noqa: BLE001 - unknown model: nothing known
        return False
    return bool(isinstance(info, dict) and info.get("supports_reasoning"))


def _get(url: str, payload: dict[str, Any] | None = None) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, headers={"content-type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=PROBE_TIMEOUT) as response:  # noqa: S310 - the user's endpoint
        return json.loads(response.read(2_000_000) or b"null")


def _positive(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _from_props(root: str, base: str) -> int | None:
    """llama.cpp's server: the window it was started with (`--ctx-size`)."""
    props = _get(f"{root}/props")
    settings = props.get("default_generation_settings") if isinstance(props, dict) else None
    if isinstance(settings, dict):
        return _positive(settings.get("n_ctx"))
    return _positive(props.get("n_ctx")) if isinstance(props, dict) else None


def _from_model_list(root: str, base: str, model_id: str) -> int | None:
    """vLLM (`max_model_len`), LM Studio (`max_context_length`), llama.cpp (`meta.n_ctx`), others (`context_length`)."""
    listing = _get(f"{base}/models")
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list) or not entries:
        return None
    entry = next((e for e in entries if isinstance(e, dict) and e.get("id") == model_id), None)
    entry = entry if entry is not None else (entries[0] if len(entries) == 1 else None)
    if not isinstance(entry, dict):
        return None
    meta = entry.get("meta") if isinstance(entry.get("meta"), dict) else {}
    for value in (entry.get("max_model_len"), entry.get("max_context_length"), entry.get("context_length"),
                  entry.get("context_window"), meta.get("n_ctx"), meta.get("n_ctx_train")):
        if _positive(value):
            return _positive(value)
    return None


def _from_ollama(root: str, base: str, model_id: str) -> int | None:
    """Ollama: `num_ctx` when the model sets it, else the model's own context length."""
    shown = _get(f"{root}/api/show", {"model": model_id})
    if not isinstance(shown, dict):
        return None
    for line in str(shown.get("parameters") or "").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "num_ctx":
            return _positive(parts[1])
    info = shown.get("model_info") if isinstance(shown.get("model_info"), dict) else {}
    return next((_positive(v) for k, v in info.items() if k.endswith(".context_length") and _positive(v)), None)


def discover(model: str, api_base: str | None, litellm: Callable[[], Any] | None = None) -> tuple[int | None, str]:
    """The model's context window and where it came from; (None, reason) when nothing says."""
    model_id = model.split("/", 1)[1] if "/" in model else model
    if api_base:
        base = api_base.rstrip("/")
        root = base[:-3] if base.endswith("/v1") else base
        if not base.endswith("/v1"):
            base = base + "/v1"
        probes: list[tuple[str, Callable[[], int | None]]] = [
            ("/props", lambda: _from_props(root, base)),
            ("/v1/models", lambda: _from_model_list(root, base, model_id)),
            ("/api/show", lambda: _from_ollama(root, base, model_id)),
        ]
        for where, probe in probes:
            try:
                found = probe()
            except (OSError, ValueError, urllib.error.URLError):
                continue  # this server does not speak that dialect
            if found:
                return found, f"the server's {where}"
    if litellm is not None:
        try:
            info = litellm().get_model_info(model)
        except Exception:  # noqa: BLE001 - litellm raises bare Exceptions for unknown models
            info = None
        if isinstance(info, dict):
            found = _positive(info.get("max_input_tokens")) or _positive(info.get("max_tokens"))
            if found:
                return found, "litellm's model information"
    return None, "unknown (set --context-window or git config skill.contextWindow)"
