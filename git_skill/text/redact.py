"""Secret redaction: our own rules (docs/security.md says why existing detectors fall short).

`Redactor.redact(text)` replaces each secret with a typed, stable placeholder
`[REDACTED:github-token#1]`: the same value always gets the same number and redacting
twice changes nothing. Every find has a confidence (`secret_values`): *high* for a
provider's documented format, a private key, credentials in URLs and auth headers, or a
value that passes an entropy and character-class gate; *low* for examples and weak values.
Everything found is redacted where it stands (recall first: this text goes to a model),
but only a high-confidence value becomes *known*: every later copy of it is removed too,
wherever it appears (the 256 most recently found are searched for, in the same
Aho-Corasick pass as the rules' keywords). Propagating a low-confidence find would erase
an API name such as `client.beta` everywhere it is taught. Counts are kept by type;
values never leave this object unless a review tool asks for them (`record=True`).
Nothing here touches the network.

Rules match prefixes with open lengths (formats change), HTTP auth, credentials in
URLs, secrets passed as a separate argument (`--password VALUE`, `aws configure set
aws_secret_access_key VALUE`, `-p VALUE` for tools known to take a password there), and
assignments whose *name* says secret, judged by the name's words (`DB_PASS`, not
`pass_rate` or `GIT_AUTHOR_NAME`) and by the value (code, numbers, templates and
stand-ins are not values). Commit SHAs, digests, UUIDs and ids survive.

Speed matters (transcripts run to gigabytes): one Aho-Corasick pass (ahocorasick-rs)
over the lowercased text finds every rule keyword, and only rules whose keywords occur
run their regex.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from git_skill.text import secret_values
from git_skill.text.keyword_search import KeywordSearch
from git_skill.text.secret_values import HIGH, LOW

PLACEHOLDER = re.compile(r"\[REDACTED:([a-z0-9-]+)#\d+\]")


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]
    keywords: tuple[str, ...]  # lowercase; the rule runs only when one of them occurs in the text
    group: int = 0  # the part of the match that is secret
    boundary: bool = False  # the match must not continue a word (checked in code: faster than \b)
    provider: bool = True  # a documented format (high confidence unless an example); False: the value decides


def _rule(kind: str, regex: str, keywords: tuple[str, ...], group: int = 0, boundary: bool = False,
          provider: bool = True) -> _Rule:
    return _Rule(kind, re.compile(regex), keywords, group, boundary, provider)


@dataclass(frozen=True)
class Redaction:
    """One find, for review tools (the precision benchmark): never printed by a command."""

    kind: str
    confidence: str
    value: str
    placeholder: str


# Speed: one Aho-Corasick pass over the lowercased text finds every rule keyword at once
# (about 200 MB/s); only the rules whose keywords occur then run their regex. Patterns start
# with a literal where they can, which `re` searches for at memchr speed.
_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")

# The base64 lines of a key body (raw or JSON-escaped line ends), with an encrypted key's PEM headers.
_KEY_BODY = (r"(?:(?:(?:\\[rn]|[\r\n])+[ \t]*|[ \t]+(?=[A-Za-z0-9+/=]{16}))"
             r"(?:[A-Za-z0-9+/=]{4,}|(?:Proc-Type|DEK-Info|Comment):[^\n\\]*))*")
# How a private key's DER (or OpenSSH's) encoding starts, in base64: PKCS#1 RSA and DSA (version 0, then an
# integer), PKCS#8 (version 0, then an algorithm), SEC1 EC (version 1, then the key), Ed25519/X25519 PKCS#8,
# encrypted PKCS#8 (PBES2) and `openssh-key-v1`.
_KEY_FIRST_LINES = (r"MII[A-Za-z0-9+/]{3}IBAAK[BC]", r"MII[A-Za-z0-9+/]{3}IBADAN", r"MIG[A-Za-z0-9+/]AgEAMBMGByqGSM49",
                    r"M[HI][A-Za-z0-9+/]{2}AgEBB[A-Z]", r"MH[A-Za-z0-9+/]CAQEEI", r"MC4CAQAwBQYDK2V[uw]",
                    r"MII[A-Za-z0-9+/]{3}BOBgkqhkiG9w0BBQ0w", r"b3BlbnNzaC1rZXktdjE")
_KEY_FIRST_LINE_KEYWORDS = ("ibaak", "ibadan", "agembmgbyqgsm49", "agebb", "caqeei", "mc4caqawbqydk2v",
                            "bobgkqhkig9w0bbq0w", "b3blbnnzac1rzxktdje")

RULES: tuple[_Rule, ...] = (
    # A whole block, or a block cut short (`head`, a truncated `cat`): the header and the base64 lines that follow it.
    _rule("private-key", r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:(?:.|\n){0,8000}?-----END[A-Z0-9 ]*PRIVATE KEY"
          r"(?: BLOCK)?-----|" + _KEY_BODY + ")", ("-----begin",)),
    # A key's first body line seen without its header (`grep`, a line of a log): the DER or OpenSSH structure that
    # opens every private key, never a certificate's or a public key's (`MIIB..gAwIBAgI`, `..AAOCAQ8A`).
    _rule("private-key", r"(?<![A-Za-z0-9+/])(?:" + "|".join(_KEY_FIRST_LINES) + r")[A-Za-z0-9+/=]*" + _KEY_BODY,
          _KEY_FIRST_LINE_KEYWORDS),
    _rule("aws-access-key-id", r"AKIA[A-Z0-9]{16}(?![A-Za-z0-9])", ("akia",), boundary=True),
    _rule("aws-access-key-id", r"ASIA[A-Z0-9]{16}(?![A-Za-z0-9])", ("asia",), boundary=True),
    _rule("gcp-api-key", r"AIza[0-9A-Za-z_\-]{35}", ("aiza",), boundary=True),
    _rule("azure-storage-key", r"AccountKey=([A-Za-z0-9+/=]{20,})", ("accountkey=",), 1),
    _rule("github-token", r"gh[pousr]_[A-Za-z0-9]{20,}", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), boundary=True),
    _rule("github-token", r"github_pat_[A-Za-z0-9_]{20,}", ("github_pat_",), boundary=True),
    _rule("gitlab-token", r"gl(?:pat|dt|ptt|rt|soat)-[A-Za-z0-9_\-]{20,}", ("glpat-", "gldt-", "glptt-", "glrt-", "glsoat-"),
          boundary=True),
    _rule("anthropic-key", r"sk-ant-[A-Za-z0-9]{2,}-[A-Za-z0-9_\-]{20,}", ("sk-ant-",), boundary=True),
    _rule("openai-key", r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{20,}", ("sk-",), boundary=True),
    _rule("openai-key", r"sk-[A-Za-z0-9]{32,}(?![A-Za-z0-9_])", ("sk-",), boundary=True),
    _rule("huggingface-token", r"hf_[A-Za-z0-9]{30,}", ("hf_",), boundary=True),
    _rule("slack-token", r"xox[abposrce]-[A-Za-z0-9-]{10,}", ("xox",), boundary=True),
    _rule("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9/_-]+", ("hooks.slack.com",)),
    *(_rule("stripe-key", prefix + r"[A-Za-z0-9]{16,}", (prefix,), boundary=True)
      for prefix in ("sk_live_", "rk_live_", "pk_live_", "sk_test_", "rk_test_")),
    _rule("sendgrid-key", r"SG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}", ("sg.",), boundary=True),
    _rule("twilio-key", r"SK[0-9a-fA-F]{32}(?![A-Za-z0-9])", ("sk",), boundary=True),
    # Alone, or in a Bot API URL's path (`https://api.telegram.org/bot123456789:AA…/sendMessage`).
    _rule("telegram-bot-token", r"(?:(?<=bot)|(?<![A-Za-z0-9_]))\d{6,12}:AA[A-Za-z0-9_-]{30,}(?![A-Za-z0-9_-])", (":aa",)),
    _rule("discord-webhook", r"discord(?:app)?\.com/api/(?:v\d+/)?webhooks/\d+/([A-Za-z0-9_-]{20,})",
          ("discord.com/api", "discordapp.com/api"), 1),
    _rule("npm-token", r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])", ("npm_",), boundary=True),
    _rule("pypi-token", r"pypi-AgE[A-Za-z0-9_\-]{50,}", ("pypi-",), boundary=True),
    _rule("jwt", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", ("eyj",), boundary=True),
    *(_rule("http-auth", literal + r"[\"']?[ \t]*[:=][ \t]*[\"']?(?:(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Tt]oken|TOKEN|[Dd]igest|[Bb]ot)[ \t]+)?([^\s\"',;\\`]{6,})",
            ("authorization",), 1)
      for literal in ("uthorization", "UTHORIZATION")),
    _rule("http-auth", r"(?i)\b(?:x-api-key|x-auth-token|api-key|x-goog-api-key)[\"']?[ \t]*:[ \t]*[\"']?([^\s\"',;\\]{6,})",
          ("api-key", "auth-token"), 1),
    _rule("http-auth", r"\bcurl\b[^\n|;&]*?\s-u\s*[\"']?[^\s:\"']+:(?!//)([^\s\"'@\x1b]+)", ("curl",), 1, provider=False),
    _rule("http-auth", r"--user[\s=]+[\"']?[^\s:\"']+:(?!//)([^\s\"'@\x1b]+)", ("--user",), 1, provider=False),
    # Tools known to take a password as a separate argument (mysql's `-p VALUE` is a prompt and a database name).
    _rule("cli-password", r"\b(?:docker|podman|buildah|skopeo|nerdctl|oras|helm\s+registry)\s+login\b[^\n|;&]*?\s-p[ \t]+"
          r"[\"']?([^\s\"'`;|&\x1b]+)", ("login",), 1, provider=False),
    _rule("cli-password", r"\bsshpass\s+(?:-[a-oq-zA-Z]\S*\s+)*-p[ \t]*[\"']?([^\s\"'`;|&\x1b]+)", ("sshpass",), 1, provider=False),
    _rule("cli-password", r"\bredis-cli\b[^\n|;&]*?\s-a[ \t]+[\"']?([^\s\"'`;|&\x1b]+)", ("redis-cli",), 1, provider=False),
    _rule("cli-password", r"\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]*?\s-p([^\s\"'`;|&\x1b]+)",
          ("mysql", "mariadb"), 1, provider=False),
    _rule("url-credentials", r"://[^/\s:@\"'<>]*:([^/\s@\"'<>]+)@", ("://",), 1),
    _rule("url-token", r"://([A-Za-z0-9_\-]{20,})@", ("://",), 1),
    _rule("signed-url", r"(?i)[?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|X-Goog-Signature|sig|signature|"
          r"access_token|api_key|apikey|private_token|auth_token)=([^&\s\"'`#<>]{8,})",
          ("sig=", "signature=", "credential=", "token=", "_key=", "apikey="), 1),
)

_ASSIGNMENT_KEYWORDS = ("pass", "pwd", "secret", "token", "key", "credential", "auth", "dsn", "conn", "sas")
_ALL_KEYWORDS = tuple(sorted({k for rule in RULES for k in rule.keywords} | set(_ASSIGNMENT_KEYWORDS) | {"auth"}))
_KEYWORD_INDEX = {k: i for i, k in enumerate(_ALL_KEYWORDS)}
_RULE_KEYWORDS = tuple(frozenset(_KEYWORD_INDEX[k] for k in rule.keywords) for rule in RULES)
_ASSIGNMENT_IDS = frozenset(_KEYWORD_INDEX[k] for k in _ASSIGNMENT_KEYWORDS)
_KEYWORD_COUNT = len(_ALL_KEYWORDS)
_PENDING_LIMIT = 4
_KNOWN_LIMIT = 256  # the most recent values searched for again: bounded memory and rebuild time
_KEYWORDS_ONLY = KeywordSearch(list(_ALL_KEYWORDS))
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_ASSIGNMENT = re.compile(
    r"[\"']?[ \t]*(?::=|=(?![=~>])|:(?![:/])|=>)[ \t]*(?![=:])(\\\"[^\"\\\n]{1,500}\\\"|\"[^\"\n]{1,500}\"|'[^'\n]{1,500}'|[^\s,;\"'\)\]\}`\x1b\\]{1,500})"
)
# A secret passed as the next argument: `--password VALUE`, `aws configure set aws_secret_access_key VALUE`.
_ARGUMENT = re.compile(r"[ \t]+(\\\"[^\"\\\n]{1,500}\\\"|\"[^\"\n]{1,500}\"|'[^'\n]{1,500}'|[^\s\"'`;|&<>(){}\[\]\x1b\\]{1,500})(?=[\s;|&)\"'`]|\Z)")
_SET_CONTEXT = re.compile(r"(?:^|[\s;&|(`])(?:set|config|config\s+set|configure\s+set)\s+(?:-{1,2}[\w-]+\s+)*\S*\Z")

# The words of a name (`AWS_SECRET_ACCESS_KEY`, `apiKey`, `_authToken`, `spring.datasource.password`).
_NAME_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SECRET_WORDS = frozenset({"password", "passwd", "passphrase", "pwd", "secret", "token", "apikey", "authtoken",
                           "credential", "credentials", "dsn", "auth"})
_MERGED_SUFFIXES = ("password", "passwd", "passphrase", "secret", "apikey", "authtoken", "accesstoken", "apitoken",
                    "secretkey", "privatekey", "accesskey")
_KEY_QUALIFIERS = frozenset({"api", "access", "private", "secret", "session", "signing", "encryption", "master", "account",
                             "storage", "client", "app", "license", "shared", "admin", "service", "webhook", "auth"})
# Words that may follow the secret word without changing what the name holds (`SECRET_KEY_BASE`, `DB_PASSWORD_PROD`).
_TRAILING = frozenset({"value", "val", "str", "b64", "base64", "hex", "raw", "base", "prod", "production", "dev",
                       "development", "staging", "stage", "live", "local", "ci", "default", "new", "old", "current",
                       "primary", "secondary", "encoded", "plain", "plaintext", "enc", "encrypted", "string"})
_NOT_SECRET_NAMES = frozenset({"pwd", "oldpwd"})  # the shell's working folder
_NOT_PASS_QUALIFIERS = frozenset({"low", "high", "band", "by", "all", "multi", "single", "first", "second", "one", "two",
                                  "three", "over", "under", "sur", "com", "tres", "boarding", "day", "season", "hall"})


def _is_secret_word(words: list[str], index: int) -> bool:
    word = words[index]
    before = words[index - 1] if index else ""
    if word in _SECRET_WORDS:
        return True
    if word == "pass":  # `DB_PASS`, never `pass_rate` alone, Python's `pass`, or a `low-pass` filter
        return bool(before) and before not in _NOT_PASS_QUALIFIERS
    if word == "key":
        return before in _KEY_QUALIFIERS
    if word == "string":
        return before in ("conn", "connection")
    return len(word) > 6 and word.endswith(_MERGED_SUFFIXES)  # `PGPASSWORD`, `csrfsecret`


@lru_cache(maxsize=4096)  # the same names recur through a session
def names_a_secret(name: str) -> bool:
    """Does this name hold a secret? Its last secret word may be followed only by neutral words:
    `DB_PASSWORD_PROD` yes; `pass_rate`, `token_count`, `password_file`, `GIT_AUTHOR_NAME`, `max_tokens` no."""
    if name.lower() in _NOT_SECRET_NAMES:
        return False
    words = [w.lower() for part in re.split(r"[_.\-]+", name) for w in _NAME_WORD.findall(part)]
    for index in range(len(words) - 1, -1, -1):
        if _is_secret_word(words, index):
            return all(w in _TRAILING or w.isdigit() or re.fullmatch(r"v\d+", w) for w in words[index + 1:])
    return False


def _is_placeholder(value: str) -> bool:
    """A reference or stand-in rather than a value: $VAR, ${VAR}, <your-token>, {{ secret }}, ghp_..., code."""
    return secret_values.is_stand_in(value)


def _is_benign_assignment(value: str, quoted: bool) -> bool:
    inner = value.strip()
    if len(inner) < 3 or inner.startswith("[REDACTED:") or secret_values.is_stand_in(inner):
        return True
    return not quoted and any(c in inner for c in "([{<")  # an expression cut at a quote or bracket, or a generic


_PEM_MARKER = re.compile(r"-----(?:BEGIN|END)[A-Z0-9 ]*-----")
_KEY_REST = re.compile(r"(?:\\[rn]|\s)*")  # what may follow a key cut short at the end of a text
_KEY_LINE = r"[A-Za-z0-9+/=]{4,}(?=\\[rn]|[\r\n]|\Z)"
_KEY_CONTINUATION = re.compile(r"(?:\\[rn]|\s)*(" + _KEY_LINE + r"(?:(?:\\[rn]|[\r\n])+[ \t]*" + _KEY_LINE + r")*)?"
                               r"((?:\\[rn]|\s)*-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?")
_BASE64_CREDENTIAL = re.compile(r"(?i)auth[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9+/]{12,}={0,2})")  # matched at each `auth`


@dataclass
class Redactor:
    """Redacts one session's texts; keeps numbering and known values across calls."""

    record: bool = False  # keep every find with its value in `found` (review tools only)
    counts: Counter[str] = field(default_factory=Counter)
    found: list[Redaction] = field(default_factory=list)
    _confidence: dict[str, str] = field(default_factory=dict)  # placeholder -> its highest confidence
    _numbers: dict[tuple[str, str], int] = field(default_factory=dict)
    _known: dict[str, str] = field(default_factory=dict)  # value -> placeholder (high confidence only)
    _search: KeywordSearch = _KEYWORDS_ONLY  # rule keywords, then the known values (lowercased)
    _known_values: list[str] = field(default_factory=list)  # in the automaton, after the keywords
    _pending: list[str] = field(default_factory=list)  # found since it was built: searched with str.find
    _key_open: bool = False  # the last text ended inside a private key (printed a line at a time)

    def confidence_of(self, placeholder: str) -> str:
        """The confidence of the find a placeholder (`[REDACTED:kind#n]`) in this redactor's output stands for."""
        return self._confidence.get(placeholder, HIGH)

    def _placeholder(self, kind: str, value: str, confidence: str) -> str:
        if value in self._known:
            return self._known[value]
        key = (kind, value)
        if key not in self._numbers:
            self._numbers[key] = sum(1 for k in self._numbers if k[0] == kind) + 1
        placeholder = f"[REDACTED:{kind}#{self._numbers[key]}]"
        if self._confidence.get(placeholder) != HIGH:
            self._confidence[placeholder] = confidence
        if confidence == HIGH and len(value) >= 6:
            self._known[value] = placeholder
            self._pending.append(value)
            if len(self._pending) >= _PENDING_LIMIT:  # rebuilding the automaton costs about a millisecond
                self._known_values = (self._known_values + self._pending)[-_KNOWN_LIMIT:]
                self._pending = []
                self._search = KeywordSearch(list(_ALL_KEYWORDS) + [v.lower() for v in self._known_values])
        return placeholder

    def redact(self, text: str) -> str:
        if not text:
            return text
        if self._key_open:  # the last text ended inside a private key: its next lines are the key's too
            text = self._continue_key(text)
        matches = self._search.find_ignoring_case(text, overlapping=True)  # one pass: keywords and known values
        hits = [(index, start) for index, start, _ in matches if index < _KEYWORD_COUNT]
        if hits:
            found = {index for index, _ in hits}
            changed = False
            for rule, ids in zip(RULES, _RULE_KEYWORDS):
                if found & ids:
                    redacted = rule.pattern.sub(lambda m, r=rule: self._replace(r, m), text)
                    changed = changed or redacted != text
                    text = redacted
            if changed:
                matches = self._search.find_ignoring_case(text, overlapping=True)
            if found & _ASSIGNMENT_IDS:
                before = text
                text = self._redact_assignments(text, [(i, s) for i, s, _ in matches if i < _KEYWORD_COUNT])
                if text != before:
                    matches = self._search.find_ignoring_case(text, overlapping=True)
            if _KEYWORD_INDEX["auth"] in found:
                before = text
                auth = _KEYWORD_INDEX["auth"]
                text = self._redact_base64_credentials(text, [start for index, start, _ in matches if index == auth])
                if text != before:
                    matches = self._search.find_ignoring_case(text, overlapping=True)
        return self._redact_known(text, matches)

    def _continue_key(self, text: str) -> str:
        """Redact the base64 lines a text opens with when the text before it ended inside a private key."""
        match = _KEY_CONTINUATION.match(text)
        lines, end = match.group(1), match.group(2)
        self._key_open = end is None and _KEY_REST.fullmatch(text, match.end()) is not None
        if not lines:
            return text
        confidence = LOW if secret_values.is_example(lines) else HIGH
        return text[:match.start(1)] + self._count("private-key", lines, confidence) + text[match.end(1):]

    def _redact_assignments(self, text: str, hits: list[tuple[int, int]]) -> str:
        """`NAME = value`, `--name value` and `set name value` where NAME says secret: parsed around each keyword hit."""
        spans: set[tuple[int, int]] = set()
        for index, position in hits:
            if index not in _ASSIGNMENT_IDS:
                continue
            start, end = position, position + len(_ALL_KEYWORDS[index])
            while start > 0 and text[start - 1] in _NAME_CHARS:
                start -= 1
            while end < len(text) and text[end] in _NAME_CHARS:
                end += 1
            if _after_escape(text, start + 1):  # `\nPASS:` in an escaped string: the name starts after `\n`
                start += 1
            spans.add((start, end))
        if not spans:
            return text
        pieces: list[str] = []
        cursor = 0
        for start, end in sorted(spans):
            if start < cursor:
                continue
            name = text[start:end].strip(".-")
            if not name or (start > 0 and text[start - 1].isalnum() and not _after_escape(text, start)) \
                    or not names_a_secret(name):
                continue
            if text.startswith("${", start - 2) or (text.startswith("{", start - 1) and not text.startswith("{{", start - 2)):
                continue  # a shell expansion `${API_KEY:+yes}` or a format field `{token:>10}`
            match = _ASSIGNMENT.match(text, end)
            argument = False
            if not match and (text.startswith("--", start) or _SET_CONTEXT.search(text, max(0, start - 80), start)):
                match = _ARGUMENT.match(text, end)
                argument = True
            if not match:
                continue
            value = match.group(1)
            quote = value[0] if value[0] in "\"'" and value[-1] == value[0] and len(value) > 1 else ""
            if value.startswith('\\"'):  # JSON-escaped quotes: a command inside a transcript's JSON
                quote = '\\"'
            inner = value[len(quote):len(value) - len(quote)] if quote else value
            if "[REDACTED:" in value or _is_benign_assignment(inner, bool(quote)) or _same_words(name, inner):
                continue
            if not quote and text.startswith("}", match.end(1)):
                continue  # the end of a template field (`{token:>10}`): a format, not a value
            if argument and not _is_argument_value(inner):
                continue
            if "://" in inner:
                continue  # a URL: its password, if any, is the url-credentials rule's to judge
            if not quote and start > 0 and text[start - 1] in "?&" and "&" in inner:
                inner = inner.split("&", 1)[0]  # a URL query parameter ends at the next one
                if _is_benign_assignment(inner, False):
                    continue
            value_start = match.start(1) + len(quote)
            pieces += [text[cursor:value_start], self._count("secret-assignment", inner, secret_values.confidence(inner, False))]
            cursor = value_start + len(inner)
        if not pieces:
            return text
        pieces.append(text[cursor:])
        return "".join(pieces)

    def _replace(self, rule: _Rule, match: re.Match[str]) -> str:
        whole = match.group(0)
        if rule.boundary and match.start() > 0 and match.string[match.start() - 1] in _WORD \
                and not _after_escape(match.string, match.start()):
            return whole
        secret = match.group(rule.group)
        if not secret or "[REDACTED:" in secret or (rule.group and _is_placeholder(secret)):
            return whole
        before = match.string[max(0, match.start(rule.group) - 48):match.start(rule.group)]
        if before.rfind("[REDACTED:") > before.rfind("]"):
            return whole  # the tail of a placeholder (`://[REDACTED:github-token#1]@host`)
        prefix = next((k for k in rule.keywords if secret.lower().startswith(k)), "")
        confidence = secret_values.confidence(secret, rule.provider, prefix)
        if rule.kind == "private-key":  # judged by its body: a template shows `...` between the markers
            body = re.sub(r"\\[nr]|\s", "", _PEM_MARKER.sub("", secret))
            ended = "-----END" in secret
            if not body and not ended:  # a header alone (`grep`, `head -1`): the body may come in the next text
                confidence = LOW
            elif len(body) < 16 or secret_values.is_stand_in(body):
                return whole
            else:
                confidence = secret_values.LOW if secret_values.is_example(body) else secret_values.HIGH
            self._key_open = not ended and _KEY_REST.fullmatch(match.string, match.end()) is not None
        if match.string.startswith(("...", "…"), match.end(rule.group)):  # elided: `xoxe-1-...`, `sk-proj-Ab12...`
            if secret_values.is_stand_in(secret + "..."):
                return whole
            confidence = LOW
        replaced = self._count(rule.kind, secret, confidence)
        start, end = match.start(rule.group) - match.start(0), match.end(rule.group) - match.start(0)
        return whole[:start] + replaced + whole[end:]

    def _count(self, kind: str, value: str, confidence: str) -> str:
        self.counts[kind] += 1
        placeholder = self._placeholder(kind, value, confidence)
        if self.record:
            self.found.append(Redaction(kind, confidence, value, placeholder))
        return placeholder

    def _redact_base64_credentials(self, text: str, positions: list[int]) -> str:
        """docker/npm `auth` values are base64 `user:password`: decode one level and redact if so.
        Matched at each `auth` the keyword pass found (a regex scan for it costs more than all the rules)."""
        pieces: list[str] = []
        cursor = 0
        for position in sorted(positions):
            match = _BASE64_CREDENTIAL.match(text, position) if position >= cursor else None
            if not match:
                continue
            value = match.group(1)
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError, ValueError):
                continue
            if ":" not in decoded and self.redact_probe(decoded) == decoded:
                continue
            pieces += [text[cursor:match.start(1)], self._count("basic-auth-credential", value, HIGH)]
            cursor = match.end(1)
        if not pieces:
            return text
        pieces.append(text[cursor:])
        return "".join(pieces)

    def redact_probe(self, text: str) -> str:
        """Would any rule fire on `text`? (used on decoded values; does not count)."""
        probe = Redactor()
        return probe.redact(text)

    def _redact_known(self, text: str, matches: list[tuple[int, int, int]]) -> str:
        """Every copy of a value found earlier, wherever it appears now (from the same search pass)."""
        copies = [(start, -end, self._known_values[index - _KEYWORD_COUNT]) for index, start, end in matches
                  if index >= _KEYWORD_COUNT]
        for value in self._pending:
            start = text.find(value)
            while start != -1:
                copies.append((start, -start - len(value), value))
                start = text.find(value, start + 1)
        if not copies:
            return text
        pieces: list[str] = []
        cursor = 0
        for start, negative_end, value in sorted(copies):  # leftmost, then longest
            if start < cursor or text[start:-negative_end] != value:  # overlapped, or another case
                continue
            if (value[0] in _WORD and start > 0 and text[start - 1] in _WORD and not _after_escape(text, start)) or (
                    value[-1] in _WORD and -negative_end < len(text) and text[-negative_end] in _WORD):
                continue  # inside a longer word: another value that shares a prefix
            pieces += [text[cursor:start], self._known[value]]
            cursor = -negative_end
        if not pieces:
            return text
        pieces.append(text[cursor:])
        return "".join(pieces)


def _after_escape(text: str, position: int) -> bool:
    """Does `position` follow a `\\n`, `\\t` or `\\r` escape (JSON-encoded text), not a letter?"""
    return position > 1 and text[position - 2] == "\\" and text[position - 1] in "ntr"


def _same_words(name: str, value: str) -> bool:
    """`ForgotPassword: 'forgot-password'`: the value spells the name again, a label or a route, not a secret."""
    return "".join(c for c in name.lower() if c.isalnum()) == "".join(c for c in value.lower() if c.isalnum())


def _is_argument_value(value: str) -> bool:
    """The word after `--token` is a value only if it could be one: not a flag, path or variable, not prose."""
    if value.startswith(("-", "/", "~", "./", "../", "$", "@")) or len(value) < 6:
        return False
    return not value.isalpha() or (len(value) >= 16 and not value.islower() and not value.isupper())


@dataclass(frozen=True)
class LineFind:
    line: int  # 0-based, in the original text
    kind: str
    confidence: str
    value: str


def finds_by_line(text: str) -> list[LineFind]:
    """Each find in `text` on the line where it stands (a private key on the line it starts), in order: what
    lint reports and the precision benchmark prints. A copy of a high-confidence value counts where it is."""
    redactor = Redactor(record=True)
    redacted = redactor.redact(text)
    if not redactor.found:
        return []
    found = {f.placeholder: f for f in redactor.found}
    finds: list[LineFind] = []
    collapsed = 0  # newlines swallowed by multi-line values (private keys) before this line
    for number, line in enumerate(redacted.split("\n")):
        for match in PLACEHOLDER.finditer(line):
            find = found.get(match.group(0))
            if find is None or match.group(0) in text:
                continue  # a placeholder the text already held
            finds.append(LineFind(number + collapsed, find.kind, redactor.confidence_of(match.group(0)), find.value))
            collapsed += find.value.count("\n")
    return finds


def redact_text(text: str) -> tuple[str, Counter[str]]:
    """Redact one text with a fresh redactor; returns the text and the counts by type."""
    redactor = Redactor()
    return redactor.redact(text), redactor.counts
