"""Strip what only held for one session, so a learned skill carries the lesson, not the instance.

Temporary paths, home folders, user and host names, container ids, commit hashes and
digests, UUIDs, ports, timestamps and dates become named placeholders; quoted values the
verifier compared against become `<value>` (a skill must not leak a task's answers).
"""

from __future__ import annotations

import re

# The rules that name a person or a machine: applied to every request a provider receives too
# (learning/privacy.py), where dates, hashes and ports stay, being evidence.
_USER_AT_HOST = (re.compile(r"\b[\w.-]+@[0-9a-f]{8,}(?=[:\s#$])"), "<user>@<host>")  # prompts in containers
_HOME = (re.compile(r"(?<![\w/])(?:/home|/Users)/[\w.-]+"), "~")
_CONTAINER = (re.compile(r"(?<=[\s@:])[0-9a-f]{12}\b"), "<container-id>")
_PRIVATE = (_USER_AT_HOST, _HOME, _CONTAINER)
_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    _USER_AT_HOST,
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"), "<timestamp>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}(?:__\d{2}-\d{2}-\d{2})?\b"), "<date>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<uuid>"),
    (re.compile(r"\bsha(?:256|512|1):[0-9a-f]{16,}\b"), "<digest>"),
    (re.compile(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{64}\b|\b[0-9a-f]{32}\b"), "<hash>"),
    (re.compile(r"(?<![\w/])/(?:logs|installed-agent|oracle)/[\w./@+-]*"), "<harness-path>"),
    (re.compile(r"\b0x[0-9a-f]{6,16}\b"), "<address>"),  # `<Foo object at 0x7f3a…>`: one process's memory
    (re.compile(r"(?<![\w/])/tmp/[\w.@%+=:,~-]+(?:/[\w.@%+=:,~-]+)*"), "<tmp-path>"),
    (re.compile(r"(?<![\w/])/var/folders/[\w/.-]+"), "<tmp-path>"),
    _HOME,
    (re.compile(r"\b(?:localhost|127\.0\.0\.1|0\.0\.0\.0):\d{2,5}\b"), "localhost:<port>"),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), "<ip>"),
    _CONTAINER,
    (re.compile(r"\b[0-9a-f]{7,12}\b(?=\s+(?:\(|HEAD|\w+:|[A-Z][a-z]))"), "<commit>"),
)
_QUOTED = re.compile(r"(['\"])(?:(?!\1).){24,}?\1")


_GIT_LINE = re.compile(r"(?m)^.*\bgit\s.*$")
_SHORT_ID = re.compile(r"(?<![\w/.-])(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,12}(?![\w/.-])")


def generalize(text: str) -> str:
    """Replace ephemeral details with placeholders (deterministic)."""
    for pattern, placeholder in _RULES:
        text = pattern.sub(placeholder, text)
    if "git" in text:  # a commit named in a git command: one repository's id, meaningless in the next
        text = _GIT_LINE.sub(lambda line: _SHORT_ID.sub("<commit>", line.group(0)), text)
    return text


def private_details(text: str) -> str:
    """Home folders' user names and container ids replaced, nothing else."""
    for pattern, placeholder in _PRIVATE:
        text = pattern.sub(placeholder, text)
    return text


def without_literals(text: str) -> str:
    """Verifier messages with long quoted values replaced: the check stays, the answer goes."""
    return _QUOTED.sub(lambda m: f"{m.group(1)}<value>{m.group(1)}", generalize(text))
