"""Secret redaction: our own rules (see SECURITY.md for why existing detectors fall short).

`Redactor.redact(text)` replaces each secret with a typed, stable placeholder
`[REDACTED:github-token#1]`: the same value always gets the same number, redacting
twice changes nothing, and once a value is known every later copy of it is removed
too, wherever it appears. Counts are kept by type; values never leave this object.
Nothing here touches the network.

Rules match prefixes with open lengths (formats change), HTTP auth, credentials in
URLs, and assignments whose *name* says secret (no entropy gate, with allowlists for
benign names and placeholders). Commit SHAs, digests, UUIDs and ids survive.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from dataclasses import dataclass, field

PLACEHOLDER = re.compile(r"\[REDACTED:[a-z0-9-]+#\d+\]")


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    group: int | str = 0  # the part of the match that is secret
    hint: tuple[str, ...] = ()  # cheap substring prefilter: skip the regex when none occurs


def _rule(kind: str, regex: str, group: int | str = 0, hint: tuple[str, ...] = (), flags: int = 0) -> _Rule:
    return _Rule(kind, re.compile(regex, flags), group, hint)


_SECRET_NAME = (r"(?:[A-Za-z0-9_.-]*?(?:pass(?:word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
                r"private[_-]?key|client[_-]?secret|credentials?|auth[_-]?token|_auth|session[_-]?key|signing[_-]?key|"
                r"encryption[_-]?key|master[_-]?key|db[_-]?pass|conn(?:ection)?[_-]?string|dsn|sas[_-]?token)"
                r"[A-Za-z0-9_.-]*)")

RULES: tuple[_Rule, ...] = (
    _rule("private-key", r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----(?:.|\n){0,8000}?(?:-----END[A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----|\Z)",
          hint=("PRIVATE KEY",)),
    _rule("aws-access-key-id", r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA|A3T[A-Z0-9])[A-Z0-9]{16}\b",
          hint=("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA", "ANVA", "AIPA", "A3T")),
    _rule("gcp-api-key", r"\bAIza[0-9A-Za-z_\-]{35}", hint=("AIza",)),
    _rule("azure-storage-key", r"(?i)AccountKey=([A-Za-z0-9+/=]{20,})", 1, hint=("ccountKey",)),
    _rule("github-token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}", hint=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    _rule("github-token", r"\bgithub_pat_[A-Za-z0-9_]{20,}", hint=("github_pat_",)),
    _rule("gitlab-token", r"\bgl(?:pat|dt|ptt|rt|soat)-[A-Za-z0-9_\-]{20,}", hint=("gl",)),
    _rule("anthropic-key", r"\bsk-ant-[A-Za-z0-9]{2,}-[A-Za-z0-9_\-]{20,}", hint=("sk-ant-",)),
    _rule("openai-key", r"\bsk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}", hint=("sk-",)),
    _rule("openai-key", r"\bsk-[A-Za-z0-9]{32,}\b", hint=("sk-",)),
    _rule("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}", hint=("hf_",)),
    _rule("slack-token", r"\bxox[abposrce]-[A-Za-z0-9-]{10,}", hint=("xox",)),
    _rule("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+", hint=("hooks.slack.com",)),
    _rule("stripe-key", r"\b(?:sk|rk|pk)_live_[A-Za-z0-9]{16,}", hint=("_live_",)),
    _rule("stripe-key", r"\b(?:sk|rk)_test_[A-Za-z0-9]{16,}", hint=("_test_",)),
    _rule("sendgrid-key", r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}", hint=("SG.",)),
    _rule("twilio-key", r"\bSK[0-9a-fA-F]{32}\b", hint=("SK",)),
    _rule("telegram-bot-token", r"\b\d{8,10}:AA[A-Za-z0-9_-]{33}\b", hint=(":AA",)),
    _rule("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", hint=("npm_",)),
    _rule("pypi-token", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}", hint=("pypi-",)),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", hint=("eyJ",)),
    _rule("http-auth", r"(?i)\b(?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest|bot)\s+)?([^\s\"',;\\]{6,})",
          1, hint=("uthorization", "UTHORIZATION")),
    _rule("http-auth", r"(?i)\b(?:x-api-key|x-auth-token|api-key|x-goog-api-key)[\"']?\s*:\s*[\"']?([^\s\"',;\\]{6,})", 1,
          hint=("-key", "-KEY", "-Key", "-token", "-Token", "-TOKEN")),
    _rule("http-auth", r"(?:^|\s)(?:-u|--user)\s+[\"']?[^\s:\"']+:([^\s\"'@]+)", 1, hint=("-u", "--user")),
    _rule("url-credentials", r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@\"'<>]*:([^/\s@\"'<>]+)@", 1, hint=("://",)),
    _rule("url-token", r"\bhttps?://([A-Za-z0-9_\-]{20,})@", 1, hint=("://",)),
    _rule("signed-url", r"(?i)[?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Goog-Signature|sig|signature|"
          r"access_token|api_key|apikey|private_token|auth_token)=([^&\s\"'#<>]{8,})", 1, hint=("=",)),
    _rule("secret-assignment",
          r"(?i)(?<![A-Za-z0-9])[\"']?(" + _SECRET_NAME + r")[\"']?\s*(?::=|=(?![=~>])|:(?![:/])|=>)\s*(?P<value>(?![=:])\"[^\"\n]{1,500}\"|'[^'\n]{1,500}'|[^\s,;\"'\)\]\}]{1,500})",
          "value", hint=()),
)

# Names that contain a secret word but are not secrets themselves.
_BENIGN_NAMES = re.compile(
    r"(?i)^(?:.*(?:max|num|total|prompt|completion|input|output|cached|reasoning)_?tokens?(?:_count)?|"
    r".*tokens?_?(?:count|limit|usage|budget|type|url|uri|endpoint|file|path|env|name|id|expires?(?:_at|_in)?)|"
    r"tokenizer.*|.*public_?key.*|.*cache_?key|.*key_?(?:id|name|file|path|type|size|length)|.*password_?(?:file|path|prompt|hash|length|policy|reset.*)|"
    r"passwd_?file|.*secret_?(?:name|ref|id|path|file|arn)|.*_key_?ring|primary_?key|foreign_?key|sort_?key|partition_?key|"
    r"api_?key_?(?:header|name|env|var)|bypass.*|compass.*|passthrough.*|pass(?:ed|es|ing|_fds)?)$"
)
_PLACEHOLDER_VALUE = re.compile(
    r"(?i)^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\([^)]*\)|<[^<>]*>|%\(?[A-Za-z_]+\)?s?|\{\{.*\}\}|\{[A-Za-z_]*\}|"
    r"os\.environ.*|os\.getenv.*|process\.env.*|env\(.*|getenv.*|secrets\..*|vault:.*|"
    r"x+|\*+|\.\.\.|…|null|none|nil|true|false|undefined|required|optional|redacted|changeme_placeholder|"
    r"your[_-].*|my[_-]?(?:password|secret|token|key)|placeholder|example|dummy|test|string|str|bool|int|"
    r"[A-Za-z_]+\(.*|[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_.]*|\d{1,6})$"
)


def _is_benign_assignment(name: str, value: str) -> bool:
    value = value.strip("\"'").strip()
    if len(value) < 3 or not any(c.isalnum() for c in value) or value.startswith("[REDACTED:"):
        return True
    return bool(_BENIGN_NAMES.match(name) or _PLACEHOLDER_VALUE.match(value))


_BASE64_CREDENTIAL = re.compile(r"(?i)[\"']?(?:auth|_auth)[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9+/]{12,}={0,2})")


@dataclass
class Redactor:
    """Redacts one session's texts; keeps numbering and known values across calls."""

    counts: Counter[str] = field(default_factory=Counter)
    _numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    _known: dict[str, str] = field(default_factory=dict)  # value -> placeholder
    _known_pattern: re.Pattern[str] | None = None

    def _placeholder(self, kind: str, value: str) -> str:
        if value in self._known:
            return self._known[value]
        key = (kind, value)
        if key not in self._numbers:
            self._numbers[key] = sum(1 for k in self._numbers if k[0] == kind) + 1
        placeholder = f"[REDACTED:{kind}#{self._numbers[key]}]"
        if len(value) >= 6:
            self._known[value] = placeholder
            self._known_pattern = None
        return placeholder

    def redact(self, text: str) -> str:
        if not text:
            return text
        for rule in RULES:
            if rule.hint and not any(h in text for h in rule.hint):
                continue
            text = rule.pattern.sub(lambda m, r=rule: self._replace(r, m), text)
        text = self._redact_base64_credentials(text)
        return self._redact_known(text)

    def _replace(self, rule: _Rule, match: re.Match[str]) -> str:
        whole = match.group(0)
        secret = match.group(rule.group)
        if not secret or PLACEHOLDER.fullmatch(secret) or "[REDACTED:" in secret:
            return whole
        if rule.kind == "secret-assignment":
            name = match.group(1)
            if _is_benign_assignment(name, secret):
                return whole
            quote = secret[0] if secret[0] in "\"'" and secret[-1] == secret[0] and len(secret) > 1 else ""
            inner = secret[1:-1] if quote else secret
            replaced = quote + self._count(rule.kind, inner) + quote
        else:
            replaced = self._count(rule.kind, secret)
        start, end = match.start(rule.group) - match.start(0), match.end(rule.group) - match.start(0)
        return whole[:start] + replaced + whole[end:]

    def _count(self, kind: str, value: str) -> str:
        self.counts[kind] += 1
        return self._placeholder(kind, value)

    def _redact_base64_credentials(self, text: str) -> str:
        """docker/npm `auth` values are base64 `user:password`: decode one level and redact if so."""
        if "auth" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            value = match.group(1)
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                return match.group(0)
            if ":" not in decoded and self.redact_probe(decoded) == decoded:
                return match.group(0)
            start = match.start(1) - match.start(0)
            return match.group(0)[:start] + self._count("basic-auth-credential", value) + match.group(0)[start + len(value):]

        return _BASE64_CREDENTIAL.sub(replace, text)

    def redact_probe(self, text: str) -> str:
        """Would any rule fire on `text`? (used on decoded values; does not count)."""
        probe = Redactor()
        return probe.redact(text)

    def _redact_known(self, text: str) -> str:
        if not self._known:
            return text
        if self._known_pattern is None:
            values = sorted(self._known, key=len, reverse=True)
            self._known_pattern = re.compile("|".join(re.escape(v) for v in values))
        return self._known_pattern.sub(lambda m: self._known[m.group(0)], text)


def redact_text(text: str) -> tuple[str, Counter[str]]:
    """Redact one text with a fresh redactor; returns the text and the counts by type."""
    redactor = Redactor()
    return redactor.redact(text), redactor.counts
