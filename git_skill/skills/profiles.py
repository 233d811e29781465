"""Validation profiles: which implementation's rules a skill must satisfy.

- `agentskills` (default): the Agent Skills specification, as skills-ref enforces it.
- `claude-code`: Claude Code's extra frontmatter fields and its naming rules.
- `skill-creator`: Anthropic's skill-creator `quick_validate.py` (ASCII names,
  no angle brackets in descriptions).

Each profile is the shipped JSON Schema, extended with the profile's extra fields,
plus flags for the checks done in code.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.resources import data_file

DEFAULT_PROFILE = "agentskills"

_STRING = {"type": "string", "x-rules": {"type": "field-type"}}
_BOOLEAN = {"type": "boolean", "x-rules": {"type": "field-type"}}
_STRINGS = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
    "x-rules": {"anyOf": "field-type"},
}

# Claude Code's documented frontmatter fields beyond the specification.
CLAUDE_CODE_FIELDS: dict[str, dict[str, Any]] = {
    "when_to_use": _STRING,
    "argument-hint": _STRING,
    "disable-model-invocation": _BOOLEAN,
    "user-invocable": _BOOLEAN,
    "model": _STRING,
    "effort": _STRING,
    "context": _STRING,
    "agent": _STRING,
    "shell": _STRING,
    "paths": _STRINGS,
    "hooks": {"type": "object", "x-rules": {"type": "field-type"}},
    "allowed-tools": _STRINGS,
}


@dataclass(frozen=True)
class Profile:
    name: str
    summary: str
    extra_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    ascii_names: bool = False
    claude_code_rules: bool = False
    no_angle_brackets: bool = False


PROFILES: dict[str, Profile] = {
    "agentskills": Profile("agentskills", "the Agent Skills specification, as skills-ref enforces it"),
    "claude-code": Profile(
        "claude-code",
        "Claude Code: its extra fields; no 'anthropic'/'claude' or XML tags in names; listing and size limits",
        extra_fields=CLAUDE_CODE_FIELDS,
        claude_code_rules=True,
    ),
    "skill-creator": Profile(
        "skill-creator",
        "Anthropic's skill-creator quick_validate: ASCII names, no '<' or '>' in descriptions",
        ascii_names=True,
        no_angle_brackets=True,
    ),
}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise GitSkillError(f"unknown profile {name!r}; choose one of: {known}", exit_codes.USAGE) from None


@lru_cache(maxsize=1)
def base_schema() -> dict[str, Any]:
    return json.loads(data_file("schemas", "skill-frontmatter.schema.json").read_text(encoding="utf-8"))


def profile_schema(profile: Profile) -> dict[str, Any]:
    schema = copy.deepcopy(base_schema())
    schema["properties"].update(copy.deepcopy(profile.extra_fields))
    return schema


@lru_cache(maxsize=None)
def compiled_validator(profile_name: str) -> Any:
    """The profile's schema compiled once per process (jsonschema is imported only here)."""
    import jsonschema

    schema = profile_schema(get_profile(profile_name))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)
