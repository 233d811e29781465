"""What a candidate value is: a stand-in, an example, a weak credential or a strong one.

The redactor's rules say where a secret may stand (`PASSWORD=…`, `--token …`, a vendor
prefix); this module judges the value found there. Real text is full of values in those
places that are not credentials: code (`client.beta(`, `os.getenv("K")`, `pkg.Type{`),
numbers (`0.80`), template and shell syntax (`{x:+.2f}`, `${KEY:+yes}`), and stand-ins
(`ghp_...`, `<token>`). Those are no finding at all. Documentation examples (`abc123`,
`sk-your-key-here`, `AKIA…EXAMPLE`) and weak values (`hunter2`) are a finding of *low*
confidence: redacted where they stand before a model, a lint warning, never searched for
again elsewhere. Only a provider's documented format or a value that passes an entropy and
character-class gate is *high* confidence: a lint error, and every later copy is removed.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter

HIGH = "high"
LOW = "low"

_STAND_IN = re.compile(
    r"(?i)^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\{[^}]*\}|\$\(.*|<.*|%\(?[A-Za-z_]+\)?s?|\{\{.*\}\}|\{[A-Za-z_]*\}|"
    r"os\.environ.*|os\.getenv.*|process\.env.*|env\(.*|getenv.*|secrets\..*|vault:.*|\[[A-Za-z_ -]+\]|\*+|\.\.\.|…|"
    r"[A-Za-z_]+\(.*|[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|->|::)[A-Za-z_$][A-Za-z0-9_$]*)+\(?|"
    r"\d{1,6}|[+-]?\d*\.\d+%?|[+-]\d+%?|\d+(?:\.\d+){2,}|\d+(?:\.\d+)?\s?[-–]\s?\d+(?:\.\d+)?|"
    r"(?:[~.]{0,2}/)?(?:[\w.-]+/)+[\w.-]+\.(?:json|pem|key|txt|env|ya?ml|p12|pfx|crt|cer|toml|ini|cfg|conf)|"
    r"(?:~|\.{1,2})?/(?:[\w.-]+/)+[\w-]+(?:\.[\w-]+)*|"
    r"[A-Za-z][A-Za-z_]{0,30}[!?]?)$"  # one word (`required`, `string`, `TOKEN`, `String!`): prose, a type, a constant
)
# A vendor prefix with nothing real after it: `ghp_...`, `sk-…`, `xoxe-1-...`, `sk-proj-<key>`, `sk_live_****`,
# `ghp_... (required)`.
_ELIDED_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9]{0,9}[_-](?:[A-Za-z0-9]{1,10}[_-]){0,3}"
                            r"(?:\.{2,}|…|[xX]{3,}|\*{3,}|<[^<>]*>|\$\{?[A-Za-z_]\w*\}?)(?:\s.*)?$")
_EXPRESSION_END = ("(", "[", "{", "=>", "->", "::", "+", ",")
_EXAMPLE = re.compile(
    r"(?i)example|sample|dummy|fake|placeholder|your[_-]|^your|changeme|change[_-]me|replace[_-]?(?:me|this|with)|"
    r"insert[_-]|redacted|here$|abc123|abcdef|a1b2c3|12345|secret123|passw[o0]rd1?2?3?$|foobar|lorem|"
    r"^(?:my|test|demo|fake)[_-]?(?:secret|token|key|pass(?:word)?|api[_-]?key)|\.\.\.|…|xxxx|\*\*\*|(.)\1{5,}"
)
_GENERIC_WORD = re.compile(r"(?i)^(?:pass(?:word)?|passwd|pwd|secret|token|key|apikey|api[_-]key|credentials?|"
                           r"admin|root|user(?:name)?|guest|letmein|qwerty|welcome|default|none|test(?:ing)?|demo|sample|"
                           r"changeme|hardcoded)[\d\W_]{0,6}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+={0,2}$")
_WORD_TOKEN = re.compile(r"[A-Z]?[a-z]+")
_VOWELS = frozenset("aeiouyAEIOUY")
_CONSONANT_RUN = re.compile(r"[^aeiouyAEIOUY]{4}")
_VOCABULARY = frozenset({"key", "token", "secret", "project", "api", "pass", "password", "value", "here", "dev", "prod",
                         "test", "demo", "sample", "user", "admin", "app", "client", "server", "access", "auth", "private",
                         "public", "my", "your", "the", "and", "for", "use", "please", "new", "old", "local", "default",
                         "service", "or", "to", "of", "db", "web", "bot", "org", "team"})


def is_stand_in(value: str) -> bool:
    """A reference, type, expression or elision rather than a value: `$VAR`, `<your-token>`, `ghp_...`,
    `os.getenv(`, `client.beta(`, `0.80`, `TOKEN`, `String!`, `/path/to/key.json`. Never redacted, never reported."""
    value = value.strip().strip("\"'`").strip()
    value = value.rstrip("*_") if value.endswith(("**", "__")) else value  # Markdown emphasis
    if value.endswith((".", ",", ":", ";")) and not value.endswith(".."):  # the end of a sentence, not an elision
        value = value[:-1].strip("\"'`")
    if not value or not any(c.isalnum() for c in value):
        return True
    if _STAND_IN.match(value) or _ELIDED_PREFIX.match(value) or value.endswith(_EXPRESSION_END):
        return True
    return value.startswith((".", "+ ", "' .", "\" .", "' +", "\" +"))


def is_example(value: str, prefix: str = "") -> bool:
    """A documentation example or a value nobody would use for real (`abc123`, `sk-your-key-here`,
    `AKIAIOSFODNN7EXAMPLE`, `secret123`, `xxxxxx`, base64 of "the sample nonce"): an example, not a leak."""
    body = value[len(prefix):] if prefix and value.lower().startswith(prefix.lower()) else value
    body = body.strip("\"'")
    if _EXAMPLE.search(body) or _GENERIC_WORD.match(body) or (len(body) >= 6 and len(set(body)) <= 3):
        return True
    decoded = _readable_base64(body)
    return bool(decoded and _EXAMPLE.search(decoded))


def _readable_base64(value: str) -> str:
    """The text a base64 value encodes, if it is readable text (a real key decodes to random bytes)."""
    if len(value) < 12 or not _BASE64.match(value):
        return ""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return ""
    readable = decoded.isprintable() and sum(c.isalpha() or c == " " for c in decoded) >= 0.8 * len(decoded)
    return decoded if readable else ""


def _entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())


def _is_word(word: str) -> bool:
    """A common word of stand-in values, or a pronounceable run of letters (vowels spread, short consonant runs)."""
    if word.lower() in _VOCABULARY:
        return True
    if len(word) < 4 or _CONSONANT_RUN.search(word):
        return False
    return 0.3 <= sum(c in _VOWELS for c in word) / len(word) <= 0.6


def _word_like(value: str) -> bool:
    """Mostly words (`hunter2`, `correct horse battery`, `sk-hardcoded-token`, `project1-key`): a guessable
    value. Measured on 20,000 random tokens of each shape: 0.1% of mixed-case ones of 20 characters read as
    words, 2.7% of lowercase-and-digit ones of 20 and 0.8% of 32, none of 32 hex digits; that only lowers
    their confidence (they are still redacted)."""
    alphanumeric = sum(c.isalnum() for c in value)
    covered = sum(len(word) for word in _WORD_TOKEN.findall(value) if _is_word(word))
    return alphanumeric >= 4 and covered >= 0.55 * alphanumeric


def strong(value: str) -> bool:
    """Passes the entropy and character-class gate: long enough, mixed, unpredictable, not words."""
    value = value.strip("\"'")
    mixed = (any(c.isdigit() for c in value) and any(c.isalpha() for c in value)) or (
        any(c.islower() for c in value) and any(c.isupper() for c in value))  # `please-use-this` is not
    return (len(value) >= 8 and mixed and _entropy(value) >= 3.0 and not _word_like(value) and not is_example(value)
            and not _readable_base64(value))


def confidence(value: str, provider_format: bool, prefix: str = "") -> str:
    """HIGH for a provider's format or a strong value; LOW for examples, words and weak values
    (`Bearer sk-hardcoded-token`, `sk-or-v1-project1-key`)."""
    body = value[len(prefix):] if prefix and value.lower().startswith(prefix.lower()) else value
    if is_example(value, prefix) or _word_like(body.strip("\"'")):
        return LOW
    return HIGH if provider_format or strong(value) else LOW
