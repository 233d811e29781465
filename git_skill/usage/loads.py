"""One tool call as a skill load, or not.

Claude Code loads a skill with its `Skill` tool (`{"skill": NAME}`), Gemini CLI with
`activate_skill` and OpenCode with `skill` (`{"name": NAME}`); Codex and agents without a skill
tool read the `SKILL.md` (a read tool, or a shell command such as `cat` or `sed -n`). A shell
command that writes a SKILL.md (`cat > …/SKILL.md`, `sed -i`) is writing a skill, not loading one,
and a glob (`*/SKILL.md`) names no skill.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

from git_skill.transcripts.events import is_editor_call

SKILL_TOOLS = frozenset({"skill", "activate_skill", "load_skill", "use_skill"})
_NAME_KEYS = ("skill", "name", "skill_name", "command")
_READ_WORDS = ("read", "view", "cat", "open")
_SHELL_TOOLS = frozenset({"bash", "shell", "execute_bash", "run_shell_command", "exec_command", "local_shell",
                          "terminal", "run_terminal_cmd", "container.exec", "sh", "command"})
_SHELL_READERS = frozenset({"cat", "head", "tail", "sed", "less", "more", "bat", "batcat", "nl", "awk", "view",
                            "get-content", "type", "gc"})
# `<folder>/SKILL.md`: the folder is the skill's name (no glob, no quote, no shell punctuation in it)
_SKILL_FILE = re.compile(r"""((?:[^\s"'`;|&<>()*?\[\]{}=]*/)?([A-Za-z0-9][\w.:-]*))/SKILL\.md\b""")
_WRITES = re.compile(r""">\s*['"]?[^\s;|&]*SKILL\.md|\btee\b[^|;&]*SKILL\.md|\bsed\s+(?:-\w+\s+)*-i""")


@dataclass(frozen=True)
class Load:
    skill: str  # the skill's name as the agent named it (a plugin's `plugin:name` kept whole)
    path: str | None  # the SKILL.md the agent read, when it read one


def skill_load(tool: str | None, arguments: Any, command: str | None = None) -> Load | None:
    """The skill one tool call loads, or None when it loads none."""
    if not tool:
        return None
    lowered = tool.lower()
    if lowered in SKILL_TOOLS:
        name = _named_skill(arguments)
        if name:
            return Load(name, None)
        return _read_of_skill_file(_text(arguments))
    if is_editor_call(arguments):  # a file editor's `view` reads the file; its other commands write it
        return _read_of_skill_file(arguments["path"]) if arguments["command"] == "view" else None
    if lowered in _SHELL_TOOLS or command:
        text = command or _text(arguments)
        if "SKILL.md" not in text or _WRITES.search(text) or not _runs_reader(text):
            return None
        return _read_of_skill_file(text)
    if any(word in lowered for word in _READ_WORDS):
        return _read_of_skill_file(_text(arguments))
    return None


def _named_skill(arguments: Any) -> str | None:
    if isinstance(arguments, str):
        value = arguments.strip()
        return value.lstrip("/").split()[0] if value and not value.startswith("{") else None
    if isinstance(arguments, dict):
        for key in _NAME_KEYS:
            value = arguments.get(key)
            if isinstance(value, str) and value.strip():
                return value.strip().lstrip("/").split()[0]
    return None


def _text(arguments: Any) -> str:
    if arguments is None:
        return ""
    if isinstance(arguments, str):
        return arguments
    try:
        return orjson.dumps(arguments).decode("utf-8")
    except TypeError:
        return str(arguments)


def _runs_reader(command: str) -> bool:
    """Whether a segment of the shell command starts with a program that shows a file."""
    for segment in re.split(r"&&|\|\||[;|\n]", command):
        words = segment.strip().split()
        while words and ("=" in words[0] or words[0] in ("sudo", "command", "exec", "env", "time")):
            words = words[1:]
        if words and words[0].rsplit("/", 1)[-1].lower() in _SHELL_READERS:
            return True
    return False


def _read_of_skill_file(text: str) -> Load | None:
    if "SKILL.md" not in text:
        return None
    match = _SKILL_FILE.search(text.replace("\\\\", "/"))
    if match is None:
        return None
    return Load(match.group(2), f"{match.group(1)}/SKILL.md")
