"""How a command appears in a learned skill: whole, never its first line alone.

A one-line command is inline code. A heredoc, a `python -c` (or `node -c`-style) script, a
multi-line command, SWE-agent's `str_replace_editor create` and a file tool's content (shown in
the heredoc shape by the distiller) keep their body: as a fenced block under the step when short,
else as a file under the skill's `scripts/` (named after the file it writes, else `step-N`,
starting with its interpreter's `#!`), which the step points at, naming the body's opening line
so two different bodies never read alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEREDOC = re.compile(r"^(?P<head>[^\n]*<<-?\s*['\"]?(?P<tag>\w+)['\"]?[^\n]*)\n(?P<body>[\s\S]*?)\n[ \t]*(?P=tag)[ \t]*"
                      r"(?:\n(?P<after>[\s\S]*))?$")
# a console that wrapped long lines may have joined the terminator to the last line (`…com). EOF`)
_WRAPPED_HEREDOC = re.compile(r"^(?P<head>[^\n]*<<-?\s*['\"]?(?P<tag>\w+)['\"]?[^\n]*)\n(?P<body>[\s\S]*?)[ \t]+(?P=tag)[ \t]*"
                              r"(?P<after>)$")
# `python3 -c "…"` whose code spans lines (escaped quotes inside allowed), then the rest of its line
_INLINE_CODE = re.compile(r"^(?P<head>[^'\"\n]*?\b(?:python[\d.]*|node|perl|ruby|bash|sh)\s+-c\s+)(?P<quote>['\"])"
                          r"(?P<code>(?:\\.|(?!(?P=quote))[^\\])*\n(?:\\.|(?!(?P=quote))[^\\])*)(?P=quote)(?P<tail>[^\n]*)$")
# SWE-agent's editor writing a whole file: shown like a heredoc into that file
_CREATE_FILE = re.compile(r"^(?P<head>str_replace_editor create (?P<path>\S+)) --file_text (?P<quote>['\"])(?P<body>[\s\S]*)"
                          r"(?P=quote)\s*$")
WRITE_TOOLS = frozenset({"Write", "write_file", "create_file", "write"})
EDIT_TOOLS = frozenset({"Edit", "edit", "replace", "str_replace", "apply_patch"})

def clip_words(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + "…"



MAX_COMMAND_CHARS = 160  # a command longer than this, or of several lines, is shown as a block
MAX_BLOCK_LINES = 15  # a block longer than this goes to a file under scripts/
MAX_BLOCK_CHARS = 1200
_SHEBANGS = {"python": "python3", "node": "node", "perl": "perl", "ruby": "ruby", "bash": "bash", "sh": "sh"}
_EXTENSIONS = {"python": ".py", "node": ".js", "perl": ".pl", "ruby": ".rb", "bash": ".sh", "sh": ".sh"}


@dataclass(frozen=True)
class Shown:
    """How one command appears: an inline line, or a lead line with a fenced block or a script file."""

    inline: str
    block: str | None = None
    language: str = "bash"
    script: str | None = None  # path under the skill folder, when the body is long


def _script_name(head: str, language: str, used: set[str], hint: str) -> str:
    target = re.search(r"(?:>|\btee(?:\s+-a)?)\s*['\"]?([\w./-]+)", head)
    base = target.group(1).rsplit("/", 1)[-1] if target else ""
    if not re.fullmatch(r"[\w.-]{1,60}", base or "") or base.startswith("."):
        base = hint + _EXTENSIONS.get(language, ".sh")
    stem, dot, suffix = base.partition(".")
    name, number = base, 2
    while name in used:
        name, number = f"{stem}-{number}{dot}{suffix}", number + 1
    used.add(name)
    return f"scripts/{name}"


def show(command: str, used: set[str], hint: str = "command") -> Shown:
    """A command whole: a heredoc's or `python -c`'s body as a block (a file under scripts/ when long),
    never its first line alone."""
    if "\n" not in command and len(command) <= MAX_COMMAND_CHARS:
        return Shown(command)
    heredoc = _HEREDOC.match(command) or _WRAPPED_HEREDOC.match(command)
    inline_code = None if heredoc else _INLINE_CODE.match(command)
    created = None if heredoc or inline_code else _CREATE_FILE.match(command)
    if created:
        head, body = f"{created.group('head')} > {created.group('path')}", created.group("body")
        language, lead = _language_of(head), created.group("head")
    elif heredoc:
        head, body, after = heredoc.group("head"), heredoc.group("body"), (heredoc.group("after") or "").strip()
        interpreter = re.match(r"\s*(python[\d.]*|node|perl|ruby|bash|sh)\b", head)
        language = re.sub(r"[\d.]+$", "", interpreter.group(1)) if interpreter else _language_of(head)
        lead = head + (f" … {after.splitlines()[0]}" if after else "")
        tool = re.match(r"(\w+)(?: (create|str_replace)(?= \S))?(?: (\S+))? <<'EOF'$", head)  # an editor's sub-command
        if tool and (tool.group(1) in WRITE_TOOLS or tool.group(1) in EDIT_TOOLS or tool.group(2)):  # a file tool
            name, path = " ".join(filter(None, tool.group(1, 2))), tool.group(3)
            lead = f"{name} {path or ''}".strip()
            head = f"{name} > {path}" if path else name
            language = "diff" if tool.group(1) in EDIT_TOOLS or tool.group(2) == "str_replace" else _language_of(head)
        elif re.match(r"\s*(?:apply_patch|git apply|patch)\b", head):
            language = "diff"
    elif inline_code:
        head, body = inline_code.group("head"), inline_code.group("code").strip("\n")
        if inline_code.group("quote") == '"':  # the shell's escapes inside double quotes, undone: the code as it ran
            body = re.sub(r'\\([\\"$`])', r"\1", body)
        language = re.sub(r"[\d.]+$", "", head.split()[-2]) if len(head.split()) >= 2 else "bash"
        lead = f"{head.strip()} <code>{inline_code.group('tail')}".strip()
    else:
        head, body, language, lead = command, command, "bash", ""
    lines = body.splitlines()
    if len(lines) <= MAX_BLOCK_LINES and len(body) <= MAX_BLOCK_CHARS:
        return Shown(lead, body, language)
    script = _script_name(head if heredoc or created else "", language, used, hint)
    return Shown(lead, body, language, script)


def _language_of(head: str) -> str:
    target = re.search(r">\s*['\"]?[\w./-]+\.(py|js|sh|rb|pl|c|h|cpp|go|rs|json|ya?ml|toml|md|html|css|sql|txt)\b", head)
    names = {"py": "python", "js": "javascript", "sh": "bash", "rb": "ruby", "pl": "perl", "yml": "yaml", "md": "markdown",
             "txt": "text"}
    return names.get(target.group(1), target.group(1)) if target else "text"


def code(text: str) -> str:
    """Inline code for one line: bounded, safe for backticks inside."""
    flat = " ".join(text.split())
    if len(flat) > 300:
        flat = flat[:299].rstrip() + "…"
    if "`" in flat:
        return f"`` {flat} ``"
    return f"`{flat}`"


def _fence(body: str, language: str, indent: str) -> list[str]:
    fence = "````" if "```" in body else "```"
    return [f"{indent}{fence}{language}"] + [f"{indent}{line}" if line else "" for line in body.splitlines()] + [
        f"{indent}{fence}"]


def command_lines(command: str, marker: str, used: set[str], files: dict[str, str], suffix: str = "",
                   hint: str = "command") -> list[str]:
    """The list item for one command (`marker` is "- " or "3. "), its block or script pointer below it;
    `hint` names a script file that has no name of its own (`step-3`)."""
    shown = show(command, used, hint)
    indent = " " * len(marker)
    if shown.block is None:
        return [f"{marker}{code(shown.inline)}{suffix}"]
    if shown.script:
        body = shown.block.rstrip("\n") + "\n"
        interpreter = _SHEBANGS.get(shown.language)
        if interpreter and not body.startswith("#!"):  # scripts/ files are executable: say what runs them
            body = f"#!/usr/bin/env {interpreter}\n{body}"
        files[shown.script] = body
        lead = f"{code(shown.inline)} with" if shown.inline else "Run"
        opening = next((line.strip() for line in shown.block.splitlines()
                        if line.strip() and not re.match(r"\s*(?:#|import |from \S+ import )", line)), "")
        starts = f", from {code(clip_words(opening, 60))}" if opening else ""  # which body: curation tells them apart
        return [f"{marker}{lead} the {shown.language} in [{shown.script}]({shown.script}) "
                f"({len(shown.block.splitlines())} lines{starts}){suffix}"]
    lead = f"{code(shown.inline)}:" if shown.inline else "Run:"
    return [f"{marker}{lead}{suffix}", ""] + _fence(shown.block, shown.language, indent) + [""]


def beside(body: str, files: dict[str, str], folder: Path) -> tuple[str, dict[str, str]]:
    """`body` and `files` renamed so no file replaces a different one already in `folder` (a skill being
    extended keeps the scripts its own text points at)."""
    renamed: dict[str, str] = {}
    for relative, content in files.items():
        name, number = relative, 2
        while (folder / name).exists() and (folder / name).read_text(encoding="utf-8", errors="replace") != content:
            stem, dot, suffix = relative.rpartition("/")[2].partition(".")
            name, number = f"scripts/{stem}-v{number}{dot}{suffix}", number + 1
        if name != relative:
            body = body.replace(f"]({relative})", f"]({name})").replace(f"[{relative}]", f"[{name}]")
        renamed[name] = content
    return body, renamed
