"""Leak and safety rules that read text: SKILL.md, references and scripts alike.

Each pattern runs once over a whole file (not line by line) and line numbers come from
match offsets, which keeps linting a thousand skills well under a second.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Iterator

from git_skill.text.keyword_search import KeywordSearch
from git_skill.text.redact import finds_by_line
from git_skill.text.secret_values import HIGH, LOW


@dataclass(frozen=True)
class Hit:
    """One rule's find at a line and column (1-based; column 1 when it concerns the whole line or file)."""

    rule: str
    line: int
    message: str
    column: int = 1


_I = re.IGNORECASE
# An agent's own instructions and settings: rewriting them outlives the task and steers every later session.
_AGENT_FILES = (r"CLAUDE(?:\.local)?\.md|AGENTS?\.md|GEMINI\.md|\.cursorrules|\.cursor/rules|\.windsurfrules|\.clinerules|"
                r"\.github/copilot-instructions\.md|\.claude/settings[\w.]*\.json|\.claude/(?:hooks|commands|agents)/|"
                r"\.codex/config\.toml|\.gemini/settings\.json|\.mcp\.json|\.aider\.conf\.yml")
PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("load-time-execution", re.compile(r"!`[^`\n]+`"), "!`…` runs a command when Claude Code loads the skill"),
    ("instruction-override", re.compile(
        r"\b(?:ignore|disregard|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|"
        r"preceding|system|other)\s+(?:instructions|prompts?|rules|messages|guidelines)|\b(?:do\s+not|don't|never)\s+"
        r"(?:tell|inform|notify|show|mention\s+(?:this\s+|it\s+)?to)\s+the\s+user|\bwithout\s+(?:telling|informing|"
        r"asking|notifying)\s+the\s+user|\bhide\s+(?:this|it|that)\s+from\s+the\s+user", _I),
     "text tells the agent to override its instructions or keep something from the user"),
    ("download-execute", re.compile(
        r"\b(?:curl|wget|iwr|invoke-webrequest)\b[^|\n]*\|\s*(?:sudo\s+(?:-\w+\s+)*)?(?:ba|z|k|da|fi)?sh\b|"
        r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:sudo\s+)?(?:python[0-9.]*|perl|ruby|node)\b|"
        r"\b(?:ba|z)?sh\s+<\(\s*(?:curl|wget)\b|\b(?:ba|z)?sh\s+-c\s+[\"']?\$\(\s*(?:curl|wget)\b|"
        r"\biex\s*\(?\s*(?:\(?\s*)?(?:iwr|invoke-webrequest|new-object\s+net\.webclient)", _I),
     "a download is piped into an interpreter"),
    ("obfuscated-execution", re.compile(
        r"\bbase64\s+(?:-d|--decode|-D)\b[^\n]*\|\s*(?:sudo\s+)?(?:ba|z)?sh\b|\|\s*base64\s+(?:-d|--decode|-D)\b[^\n]*\|\s*(?:ba|z)?sh\b|"
        r"\beval\s+[\"']?\$\([^)\n]*(?:base64|curl|wget|xxd)|\bexec\(\s*(?:base64\.b64decode|codecs\.decode|bytes\.fromhex)|"
        r"\beval\(\s*(?:atob|Buffer\.from)", _I),
     "encoded or hidden code is executed"),
    ("exfiltration", re.compile(
        r"\b(?:curl|wget|nc|ncat|scp|rsync|http|https)\b[^\n]*(?:~/\.ssh|~/\.aws|\$HOME/\.(?:ssh|aws)|(?:^|[\s/@=])\.env\b|/etc/(?:passwd|shadow)|"
        r"\$\((?:env|printenv)\)|`(?:env|printenv)`|\bid_(?:rsa|ed25519|ecdsa)\b|\.aws/credentials)|"
        r"\b(?:env|printenv|cat\s+[^\n|]*(?:\.env|\.ssh/|\.aws/)[^\n|]*)\s*\|\s*(?:curl|wget|nc|ncat)\b", _I),
     "credentials, keys or the environment are sent over the network"),
    ("destructive-command", re.compile(
        r"\bshutil\.rmtree\(\s*(?:Path\.home\(\)|os\.path\.expanduser\(\s*[\"']~/?[\"']\s*\)|[\"'](?:/|~/?)[\"']|"
        r"os\.environ\[[\"']HOME[\"']\]|os\.(?:environ\.get|getenv)\([\"']HOME[\"']\))\s*[,)]|"
        r"\bRemove-Item\b[^\n]*-Recurse\b[^\n]*\s(?:~|\$HOME|\$env:USERPROFILE|\$env:HOMEPATH|C:\\\\?)[\\/]?\*?(?=\s|$|;)|"
        r"\bfind\s+[\"']?(?:/|~/?|\$HOME/?|\$\{HOME\}/?)[\"']?\s[^\n|;&]*-delete\b|"
        r"\bchmod\s+-R\s+0?777\b|\bchmod\s+(?:-R\s+)?(?:[ugoa]*\+s|[0-7]?[4-7][0-7]{3})\b|\bmkfs(?:\.\w+)?\s|"
        r"\bdd\s+[^\n]*\bof=/dev/(?:sd|nvme|hd|disk|xvd)|:\(\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:"),
     "an irreversible or privilege-changing command on a broad target"),
    ("config-poisoning", re.compile(
        r"(?<![\w-])(?:--dangerously-skip-permissions|--dangerously-bypass-approvals-and-sandbox|--yolo|"
        r"--permission-mode[ =]+bypassPermissions|--ask-for-approval[ =]+never|--approval-mode[ =]+yolo)\b|"
        r"\b(?:defaultMode|permissionMode|permission_mode)[\"']?\s*[:=]\s*[\"']?bypassPermissions|"
        r"\bapproval_policy\s*=\s*[\"']never|[\"'](?:autoApprove|alwaysAllow)[\"']\s*:\s*(?:true|\[\s*[\"'])|"
        r"[\"']allow[\"']\s*:\s*\[[^\]\n]*[\"'](?:\*|Bash|Bash\(\*\)|Bash\(\*:\*\))[\"']|"
        r"\b(?:auto-?approve|automatically\s+(?:approve|accept|allow))\s+(?:all\s+|every\s+|any\s+)?(?:tool|command|permission|"
        r"request|action|edit|change)s?\b|\b(?:approve|accept|allow|run|execute)\s+(?:all\s+|every\s+|any\s+)?(?:tool\s+calls?|"
        r"tools?|commands?|actions?|edits?)\s+without\s+(?:asking|prompting|confirmation|approval|permission)|"
        r"\b(?:skip|bypass|disable)\s+(?:all\s+|the\s+)?(?:permission|approval|confirmation)\s+(?:prompts?|checks?|requests?)|"
        r"\b(?:add|append|write|insert|update|edit|modify|change|overwrite|replace|rewrite|save|store|put|record|inject|"
        r"prepend)\b[^.\n]{0,80}?\b(?:to|into|in|inside)\s+(?:the\s+|your\s+)?[`'\"]?(?:~/|\./|\$HOME/)?(?:" + _AGENT_FILES + r")|"
        r"\b(?:append|write|insert|update|edit|modify|change|overwrite|replace|rewrite|inject|prepend)\s+(?:the\s+|your\s+)?"
        r"[`'\"]?(?:~/|\./|\$HOME/)?(?:" + _AGENT_FILES + r")|"
        r"\b(?:add|install|insert|register|create|configure|write|set\s+up)\b[^.\n\"]{0,40}?\b(?:PreToolUse|PostToolUse|SessionStart|SessionEnd|"
        r"UserPromptSubmit|Stop|Notification)\s+hooks?\b", _I),
     "tells the agent to rewrite its own instruction or configuration files, or to approve tool calls without asking"),
    ("privilege", re.compile(r"(?<![\w-])sudo\s+(?!-l\b)"), "sudo raises privileges"),
    ("tls-disabled", re.compile(
        r"\bcurl\b[^\n]*\s(?:-[a-zA-Z]*k[a-zA-Z]*|--insecure)\b|\bverify\s*=\s*False\b|NODE_TLS_REJECT_UNAUTHORIZED\s*=\s*[\"']?0|"
        r"http\.sslVerify\s+(?:false|0)|--no-check-certificate|PYTHONHTTPSVERIFY\s*=\s*[\"']?0|ssl\._create_unverified_context|"
        r"strict-ssl\s+false|GIT_SSL_NO_VERIFY\s*=\s*[\"']?(?:1|true)", _I),
     "certificate verification is turned off"),
    ("persistence", re.compile(
        r"(?:>>?|\btee\s+(?:-a\s+)?)\s*[\"']?(?:~|\$HOME|/root|/home/[\w.-]+)/\.(?:bashrc|zshrc|profile|bash_profile|zprofile|"
        r"bash_login|config/fish/config\.fish)\b|(?:>>?|\btee\b|\bcp\b|\bmv\b|\binstall\b)[^\n]*authorized_keys|"
        r"(?:>>?|\btee\b|\bcp\b|\bmv\b|\bln\b)[^\n]*\.git/hooks/|(?:>>?|\btee\b|\bcp\b|\bmv\b)[^\n]*(?:CLAUDE\.md|AGENTS\.md|"
        r"\.claude/settings[\w.]*\.json|\.codex/config\.toml)|\bcrontab\s+-(?!l\b)|>>?\s*/etc/cron|\bsystemctl\s+enable\b|"
        r"(?:>>?|\btee\b|\bcp\b|\bmv\b)[^\n]*(?:\.claude|\.agents|\.codex)/skills/"),
     "writes somewhere that outlives the task (shell rc, keys, hooks, agent settings, other skills)"),
    ("remote-instructions", re.compile(
        r"\b(?:fetch|download|read|load|open|retrieve|curl|visit)\b[^\n]{0,80}?(?:https?://\S+|\burl\b|\blink\b)[^\n]{0,60}?"
        r"\b(?:and|then)\s+(?:follow|execute|obey|carry out|do what)\b|\bfollow\s+(?:the\s+)?instructions\s+(?:at|from|in)\s+https?://", _I),
     "the agent is told to fetch instructions from a URL and follow them"),
    ("resource-abuse", re.compile(r"\bxmrig\b|stratum\+(?:tcp|ssl)://|\bminerd\b|\bcryptonight\b|\bcoinhive\b|\bnicehash\b", _I),
     "a crypto miner or mining pool"),
    ("home-path", re.compile(r"(?<![\w~])(?:/home/(?!(?:user|username|you|me|foo|bar|example|name|your-?name)\b|<)[a-z_][\w.-]*|/Users/(?!(?:user|username|you|me|foo|bar|example|name|your-?name)\b|<)[A-Za-z][\w.-]*|"
                             r"C:\\\\?Users\\\\?(?!user\b|<)[A-Za-z][\w.-]*)"), "an absolute home path names a user"),
    ("internal-url", re.compile(r"\bhttps?://(?:[\w-]+\.)*(?:[\w-]+\.(?:internal|corp|intranet|lan)\b|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|"
                                r"172\.(?:1[6-9]|2\d|3[01])\.\d+\.\d+)", _I), "a URL to an internal host or private address"),
    ("ephemeral-detail", re.compile(r"/tmp/tmp[\w.]{6,}|/tmp/pytest-of-\w+|/var/folders/\w\w/|@[0-9a-f]{12}(?=[:\s#$])|"
                                    r"\b[0-9a-f]{40}\b|(?<![\"'\w])\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}"), "a detail of one session (temporary path, container, commit, timestamp)"),
)
# Lowercase keywords, one of which occurs on every line a rule can match: one Aho-Corasick
# pass finds those lines, and each rule's regex runs only there (rules are line-local).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "load-time-execution": ("!`",),
    "instruction-override": ("instruction", "prompt", "rules", "messages", "guidelines", "the user"),
    "download-execute": ("curl", "wget", "iwr", "invoke-webrequest", "iex"),
    "obfuscated-execution": ("base64", "eval", "exec(", "atob", "buffer.from"),
    "exfiltration": ("curl", "wget", "nc ", "ncat", "scp", "rsync", "http"),
    "destructive-command": ("rm ", "rm\t", "chmod", "mkfs", "dd ", ":(){", ": (){", "rmtree", "remove-item", "-delete"),
    "config-poisoning": (".md", "rules", "settings", "config.toml", "hook", "permission", "approv", "yolo", "allow",
                         "confirm", "asking"),
    "privilege": ("sudo",),
    "tls-disabled": ("curl", "verify", "node_tls", "sslverify", "no-check-certificate", "pythonhttpsverify",
                     "_create_unverified", "strict-ssl", "git_ssl_no_verify"),
    "persistence": ("bashrc", "zshrc", "profile", "bash_login", "fish", "authorized_keys", ".git/hooks", "claude.md",
                    "agents.md", ".claude/", ".codex/", ".agents/", "crontab", "/etc/cron", "systemctl"),
    "remote-instructions": ("follow", "obey", "execute", "carry out", "do what"),
    "resource-abuse": ("xmrig", "stratum+", "minerd", "cryptonight", "coinhive", "nicehash"),
    "home-path": ("/home/", "/users/", "c:\\users", "c:\\\\users"),
    "internal-url": ("http",),
    "ephemeral-detail": ("/tmp/tmp", "/tmp/pytest-of-", "/var/folders/", "@", ":"),
}
_RULE_INDEX = [rule for rule, _, _ in PATTERNS]
_WORDS = sorted({k for keys in KEYWORDS.values() for k in keys})
_AUTOMATON = KeywordSearch(_WORDS)
_RULES_OF_WORD = [[i for i, rule in enumerate(_RULE_INDEX) if word in KEYWORDS[rule]] for word in _WORDS]
_BLOB = re.compile(r"[A-Za-z0-9+/]{400,}={0,2}")
_HEX40 = re.compile(r"(?<![0-9a-f])[0-9a-f]{40}(?![0-9a-f])")
_EPHEMERAL_MESSAGE = next(message for rule, _, message in PATTERNS if rule == "ephemeral-detail")
_HIDDEN = re.compile("[\u202a-\u202e\u2066-\u2069\U000e0000-\U000e007f]")
_ZERO_WIDTH = re.compile("[\u200b-\u200d\u2060\u180e]|(?<!^)\ufeff")
_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~).*$", re.M)
_COMMENT_IMPERATIVE = re.compile(r"https?://|\b(?:you must|always|never|ignore|run|execute|send|delete|do not tell)\b", _I)
_SUPPRESSION = re.compile(r"^\s*git-skill-lint\b", _I)


class _Lines:
    """Offset -> line number; the line index is built only if some rule hits."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text = text
        self.first = first_line
        self._starts: list[int] | None = None

    def line(self, offset: int) -> int:
        if self._starts is None:
            self._starts = [0] + [m.end() for m in re.finditer("\n", self.text)]
        return bisect.bisect_right(self._starts, offset) - 1 + self.first

    def hit(self, rule: str, offset: int, message: str) -> Hit:
        """A hit at an offset of the text, placed at its line and column."""
        line = self.line(offset)
        assert self._starts is not None
        return Hit(rule, line, message, offset - self._starts[line - self.first] + 1)


_NEGATION = re.compile(r"\b(?:never|not|don't|dont|avoid|without|no)\b|\b(?:users?|humans?|developers?|maintainers?|reviewers?)\b|"
                       r"\bbad\b|❌", _I)
_SENTENCE_END = re.compile(r"[.!?;]\s")
_COMMAND_END = re.compile(r"[;|&)`]|\$\(|\s#")
# Home and root however they are spelled once quotes are dropped: ~, ~/, ~/*, $HOME, ${HOME}, "$HOME"/, /, /*, /root.
_HOME_OR_ROOT = re.compile(r"(?:~|\$HOME|\$\{HOME\}|\$\{HOME:?-[^}]*\}|/root|/home|/Users)?/?(?:\*|\.\*)?")


def _line_match(rule: str, pattern: re.Pattern[str], line: str) -> int | None:
    """Where in the line the rule matches (0-based), or None."""
    if rule == "config-poisoning":  # "never use --yolo", "the user may edit CLAUDE.md" are not instructions to do it
        return next((m.start() for m in pattern.finditer(line)
                     if not _NEGATION.search(line[_sentence_start(line, m.start()):m.start()]) and not _quoted_phrase(line, m)),
                    None)
    match = pattern.search(line)
    if match:
        return match.start()
    return _removes_home_or_root(line) if rule == "destructive-command" else None


def _quoted_phrase(line: str, match: re.Match[str]) -> bool:
    """A phrase quoted as an example of what a user says (`trigger phrases: "add a PreToolUse hook"`), not a flag or key."""
    if not match.group(0)[:1].isalpha():
        return False
    opening = line.rfind('"', 0, match.start())
    return opening != -1 and line.count('"', 0, match.start()) % 2 == 1 and '"' in line[match.end():] \
        and '"' not in line[match.start():match.end()]


def _sentence_start(line: str, offset: int) -> int:
    ends = [m.end() for m in _SENTENCE_END.finditer(line, 0, offset)]
    return ends[-1] if ends else 0


def _removes_home_or_root(line: str) -> int | None:
    """Where `rm` with a recursive option (any order: -rf, -fr, -r -f, --recursive) aimed at home or root in any spelling stands, if it does."""
    for match in re.finditer(r"(?<![\w./-])rm\s", line):
        rest = line[match.end():]
        cut = _COMMAND_END.search(rest)
        words = (rest[:cut.start()] if cut else rest).split()
        options = [w for w in words if w.startswith("-") and w != "--"]
        recursive = any(o in ("--recursive", "-R") or (not o.startswith("--") and ("r" in o or "R" in o)) for o in options)
        targets = [w.replace('"', "").replace("'", "") for w in words if not w.startswith("-")]
        if recursive and any(target and _HOME_OR_ROOT.fullmatch(target) for target in targets):
            return match.start()
    return None


def _fenced(text: str) -> list[tuple[int, int]]:
    """Offsets (start, end) of fenced code blocks: text a Markdown reader sees as code, not hidden."""
    spans, opened = [], None
    for match in _FENCE_LINE.finditer(text):
        if opened is None:
            opened = match.start()
        else:
            spans.append((opened, match.end()))
            opened = None
    if opened is not None:
        spans.append((opened, len(text)))
    return spans


def scan(text: str, first_line: int = 1, markdown: bool = True) -> Iterator[Hit]:
    """Every leak and safety hit in a text; `first_line` numbers its first line. Hidden HTML comments are
    looked for only in Markdown (`markdown`), outside code blocks: elsewhere a comment is seen as written."""
    lines = _Lines(text, first_line)
    candidates: dict[int, set[int]] = {}  # rule index -> start offsets of lines to check
    for word, position, _ in _AUTOMATON.find_ignoring_case(text, overlapping=True):
        start = text.rfind("\n", 0, position) + 1
        for rule_index in _RULES_OF_WORD[word]:
            candidates.setdefault(rule_index, set()).add(start)
    for rule_index, starts in sorted(candidates.items()):
        rule, pattern, message = PATTERNS[rule_index]
        for start in sorted(starts):
            end = text.find("\n", start)
            line = text[start:] if end == -1 else text[start:end]
            column = _line_match(rule, pattern, line)
            if column is not None:
                yield Hit(rule, lines.line(start), message, column + 1)
    blob_found = False
    for token in text.split():  # long tokens only: encoded blobs and commit hashes
        if len(token) < 40:
            continue
        if not blob_found and len(token) >= 400 and _BLOB.search(token):
            blob_found = True
            yield lines.hit("obfuscated-execution", text.find(token), "a long encoded blob")
        elif _HEX40.search(token):
            yield lines.hit("ephemeral-detail", text.find(token), _EPHEMERAL_MESSAGE)
    for match in _HIDDEN.finditer(text):
        yield lines.hit("hidden-unicode", match.start(), f"invisible control character U+{ord(match.group(0)):04X}")
    for match in _ZERO_WIDTH.finditer(text):
        yield lines.hit("zero-width-character", match.start(), f"zero-width character U+{ord(match.group(0)):04X}")
    if markdown and "<!--" in text:
        fences = _fenced(text)
        for match in _COMMENT.finditer(text):
            inner = match.group(1)
            if any(start <= match.start() < end for start, end in fences):
                continue
            if not _SUPPRESSION.match(inner) and _COMMENT_IMPERATIVE.search(inner):
                yield lines.hit("html-comment-instruction", match.start(),
                                "an HTML comment (hidden when rendered) holds an instruction or URL")
    yield from _secrets(text, lines)


def _secrets(text: str, lines: _Lines) -> Iterator[Hit]:
    """Each line with a find: `secret` (error) for high-confidence kinds, `example-credential` (warning) for
    low-confidence ones, each naming only the kinds found on that line, at the column of its first value."""
    finds = finds_by_line(text)
    if not finds:
        return
    by_line: dict[int, dict[str, set[str]]] = {}
    columns: dict[tuple[int, str], int] = {}
    source = text.split("\n")
    for find in finds:
        by_line.setdefault(find.line, {HIGH: set(), LOW: set()})[find.confidence].add(find.kind)
        at = source[find.line].find(find.value.split("\n", 1)[0]) if find.line < len(source) else -1
        key = (find.line, find.confidence)
        columns[key] = min(columns.get(key, at + 1), at + 1) if at >= 0 else columns.get(key, 1)
    for number, kinds in sorted(by_line.items()):
        if kinds[HIGH]:
            yield Hit("secret", lines.first + number, f"a secret ({', '.join(sorted(kinds[HIGH]))}); its value is not shown",
                      columns.get((number, HIGH), 1))
        if kinds[LOW]:
            yield Hit("example-credential", lines.first + number,
                      f"an example or weak credential ({', '.join(sorted(kinds[LOW]))}); make sure it is not a real one",
                      columns.get((number, LOW), 1))
