"""Lint configuration: `.git-skill.toml` ([lint]) or `pyproject.toml` ([tool.git-skill.lint]), and inline suppressions.

    [tool.git-skill.lint]
    disable = ["privilege"]
    severity = { "ephemeral-detail" = "error" }
    max-body-lines = 500
    max-body-tokens = 5000
    max-file-bytes = 1048576
    never-loaded-sessions = 20   # warn on skills no agent loaded in the 20 newest recorded sessions

Inline, per skill, in SKILL.md (the reason after `--` is required):

    <!-- git-skill-lint disable=privilege,tls-disabled -- the installer needs root -->

Suppressions inside imported skills are never honoured (docs/security.md): a skill counts as
imported when its folder holds a `.git-skill-source` file or the repository's
`skills.lock` names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.findings import Severity
from git_skill.lint.catalog import LINT_RULES
from git_skill.listing.budget import Settings

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

_SUPPRESSION = re.compile(r"<!--\s*git-skill-lint\s+disable=([\w,\s-]+?)(?:\s+--\s+(.*?))?\s*-->", re.I | re.S)


@dataclass
class LintConfig:
    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    max_body_lines: int = 500
    max_body_tokens: int = 5000
    max_file_bytes: int = 1024 * 1024
    source: str | None = None
    listing: Settings = field(default_factory=Settings)  # the agents' listing budgets (listing-budget)
    never_loaded_sessions: int = 0  # skill-never-loaded over this many recorded sessions; 0: off
    usage_root: Path | None = None  # the repository whose recorded sessions lint may read (not in hooks)

    def severity(self, rule: str) -> Severity:
        return self.severities.get(rule, LINT_RULES[rule].severity)


def _table(root: Path) -> tuple[dict[str, Any], str | None]:
    for name, keys in ((".git-skill.toml", ("lint",)), ("pyproject.toml", ("tool", "git-skill", "lint"))):
        path = root / name
        if not path.is_file():
            continue
        try:
            data: Any = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as error:
            raise GitSkillError(f"{path}: cannot read the configuration: {error}", exit_codes.BAD_INPUT) from None
        for depth, key in enumerate(keys):
            data = data.get(key, {})
            if not isinstance(data, dict):
                where = ".".join(keys[:depth + 1])
                raise GitSkillError(f"{path}: [{where}] must be a table of settings, not {data!r}", exit_codes.USAGE)
        if data:
            return data, str(path)
    return {}, None


def load(root: Path) -> LintConfig:
    table, source = _table(root)
    config = LintConfig(source=source)

    def known(rule: Any) -> str:
        if not isinstance(rule, str) or rule not in LINT_RULES:
            raise GitSkillError(f"{source}: unknown lint rule {rule!r}", exit_codes.USAGE)
        return rule

    disabled = table.get("disable", [])
    if not isinstance(disabled, list):
        raise GitSkillError(f"{source}: disable must be a list of rule ids, not {disabled!r}", exit_codes.USAGE)
    config.disabled = {known(rule) for rule in disabled}
    severities = table.get("severity") or {}
    if not isinstance(severities, dict):
        raise GitSkillError(f"{source}: severity must be a table of rule = \"error|warning|info\", not {severities!r}",
                            exit_codes.USAGE)
    for rule, level in severities.items():
        if not isinstance(level, str) or level not in {s.value for s in Severity}:
            raise GitSkillError(f"{source}: severity of {rule} must be error, warning or info, not {level!r}",
                                exit_codes.USAGE)
        config.severities[known(rule)] = Severity(level)
    for key, attribute in (("max-body-lines", "max_body_lines"), ("max-body-tokens", "max_body_tokens"),
                           ("max-file-bytes", "max_file_bytes"), ("never-loaded-sessions", "never_loaded_sessions")):
        if key in table:
            if not isinstance(table[key], int) or isinstance(table[key], bool) or table[key] <= 0:
                raise GitSkillError(f"{source}: {key} must be a positive integer", exit_codes.USAGE)
            setattr(config, attribute, table[key])
    return config


@dataclass
class Suppressions:
    rules: set[str]
    problems: list[tuple[int, str, str]]  # (line, rule, message)


def inline_suppressions(text: str, imported: bool) -> Suppressions:
    rules: set[str] = set()
    problems: list[tuple[int, str, str]] = []
    for match in _SUPPRESSION.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        named = {r.strip() for r in match.group(1).split(",") if r.strip()}
        if imported:
            problems.append((line, "suppression-ignored", "suppressions inside an imported skill are not honoured"))
        elif not (match.group(2) or "").strip():
            problems.append((line, "suppression-without-reason", "add the reason after '--'; not honoured without one"))
        else:
            rules |= named & set(LINT_RULES)
    return Suppressions(rules, problems)


def is_imported(folder: Path, root: Path) -> bool:
    """Added with `git skill add` (named in skills.lock) or marked by hand with `.git-skill-source`."""
    if (folder / ".git-skill-source").exists():
        return True
    try:
        relative = folder.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return False
    return relative in _shared_paths(root)


def _shared_paths(root: Path) -> frozenset[str]:
    from git_skill.errors import GitSkillError
    from git_skill.sharing.lockfile import lock_path, read_lock

    path = lock_path(root)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return frozenset()
    key = (str(path), stamp)
    if key not in _LOCK_CACHE:
        try:
            _LOCK_CACHE[key] = frozenset(read_lock(root))
        except GitSkillError:  # a broken lock is update's and status's to report; lint treats nothing as shared
            _LOCK_CACHE[key] = frozenset()
    return _LOCK_CACHE[key]


_LOCK_CACHE: dict[tuple[str, int], frozenset[str]] = {}
