"""Validate one parsed skill under a profile: the JSON Schema first, then the rules in code."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from git_skill.findings import Finding, Severity
from git_skill.skills.profiles import Profile, compiled_validator
from git_skill.skills.rules import RULES
from git_skill.skills.skill import SkillFile

CLAUDE_LISTING_LIMIT = 1536
BODY_LINE_LIMIT = 500
_XML_TAG = re.compile(r"</?[A-Za-z][\w.:-]*(?:\s[^<>]*)?/?>")
_ASCII_NAME = re.compile(r"[a-z0-9-]+\Z")
_RESERVED = ("anthropic", "claude")


def validate_skill(skill: SkillFile, profile: Profile) -> list[Finding]:
    """All findings for one skill: parse findings, schema findings, then code checks."""
    findings = list(skill.findings)
    if skill.fields is None:
        return findings
    out = _Collector(skill, findings)
    _schema_findings(out, skill.fields, profile)
    _name_findings(out, skill.fields.get("name"), profile)
    _description_findings(out, skill.fields, profile)
    _body_findings(out, profile)
    return findings


class _Collector:
    """Appends findings for one skill, with the rule's default severity and the field's line."""

    def __init__(self, skill: SkillFile, findings: list[Finding]) -> None:
        self.skill = skill
        self.findings = findings

    def add(self, rule: str, message: str, key: str | None = None, line: int | None = None) -> None:
        if line is None:
            line = self.skill.field_line(key) if key else 2
        self.findings.append(Finding(self.skill.path, rule, RULES[rule].severity, message, line))


def _schema_findings(out: _Collector, fields: dict[str, Any], profile: Profile) -> None:
    validator = compiled_validator(profile.name)
    for error in validator.iter_errors(fields):
        keyword = error.validator
        rule = error.schema.get("x-rules", {}).get(keyword, "field-type")
        path = list(error.absolute_path)
        key = str(path[0]) if path else None
        if keyword == "required":
            missing = [k for k in error.schema["required"] if k not in fields]
            for name in missing:
                out.add(rule, f"missing required field '{name}'", line=2)
        elif keyword == "additionalProperties" and not path:
            allowed = sorted(error.schema.get("properties", {}))
            for name in fields:
                if name not in allowed:
                    out.add(
                        rule,
                        f"unknown field '{name}' under the {profile.name} profile (allowed: {', '.join(allowed)})",
                        key=str(name),
                    )
        else:
            out.add(rule, _schema_message(rule, keyword, error.instance, ".".join(map(str, path))), key=key)


def _schema_message(rule: str, keyword: str, value: Any, where: str) -> str:
    if keyword in ("type", "anyOf"):
        wanted = "a string or a list of strings" if keyword == "anyOf" else {
            "string": "a string", "boolean": "true or false", "object": "a mapping",
        }.get(_first_type(rule, where), "another type")
        shown = "an empty value" if value is None else f"{type(value).__name__} {value!r}"
        return f"'{where}' must be {wanted}, not {shown}"[:300]
    if keyword == "maxLength":
        limit = {"name-too-long": 64, "description-too-long": 1024, "compatibility-too-long": 500}.get(rule)
        return f"'{where}' is {len(value)} characters; the limit is {limit}"
    if rule == "name-hyphens":
        return f"name {value!r} must not start or end with '-' or contain '--'"
    if rule in ("name-empty", "description-empty"):
        return f"'{where}' must not be empty"
    return f"'{where}' is invalid ({keyword})"


def _first_type(rule: str, where: str) -> str:
    if rule == "metadata-value-type":
        return "string"
    return {"metadata": "object", "hooks": "object", "disable-model-invocation": "boolean",
            "user-invocable": "boolean"}.get(where, "string")


def _name_findings(out: _Collector, name: Any, profile: Profile) -> None:
    if not isinstance(name, str) or not name:
        return
    normalized = unicodedata.normalize("NFKC", name)
    if normalized != name:
        out.add("name-not-normalized", f"name {name!r} becomes {normalized!r} under NFKC normalization", key="name")
    if normalized != normalized.lower():
        out.add("name-lowercase", f"name {name!r} must be lowercase", key="name")
    if profile.ascii_names:
        if not _ASCII_NAME.match(normalized):
            out.add("name-characters", f"name {name!r} may contain only a-z, 0-9 and '-'", key="name")
    elif not all(c.isalnum() or c == "-" for c in normalized):
        bad = sorted({c for c in normalized if not (c.isalnum() or c == "-")})
        out.add("name-characters", f"name {name!r} has characters other than letters, digits and '-': {bad!r}", key="name")
    folder = unicodedata.normalize("NFKC", out.skill.folder_name)
    if folder != normalized:
        out.add("name-folder-mismatch", f"name {name!r} must equal the folder name {out.skill.folder_name!r}", key="name")
    if profile.claude_code_rules:
        for word in _RESERVED:
            if word in normalized.lower():
                out.add("name-reserved-word", f"name {name!r} contains the reserved word '{word}'", key="name")
        if _XML_TAG.search(name):
            out.add("name-xml-tag", f"name {name!r} contains an XML tag", key="name")


def _description_findings(out: _Collector, fields: dict[str, Any], profile: Profile) -> None:
    description = fields.get("description")
    if not isinstance(description, str):
        return
    if profile.no_angle_brackets and ("<" in description or ">" in description):
        out.add("description-angle-brackets", "description must not contain '<' or '>'", key="description")
    if profile.claude_code_rules:
        if _XML_TAG.search(description):
            out.add("description-xml-tag", "description contains an XML tag", key="description")
        when = fields.get("when_to_use")
        listed = len(description) + (len(when) if isinstance(when, str) else 0)
        if listed > CLAUDE_LISTING_LIMIT:
            out.add(
                "description-listing-truncated",
                f"description and when_to_use total {listed} characters; Claude Code lists only {CLAUDE_LISTING_LIMIT}",
                key="description",
            )


def _body_findings(out: _Collector, profile: Profile) -> None:
    body = out.skill.body
    if not body.strip():
        out.add("body-empty", "the body is empty: write what an agent should do once the skill is loaded",
                line=out.skill.body_start_line)
        return
    if profile.claude_code_rules:
        count = body.count(out.skill.newline)
        if count > BODY_LINE_LIMIT:
            out.add("body-too-long", f"the body has {count} lines; keep it under {BODY_LINE_LIMIT} and move detail to references/",
                    line=out.skill.body_start_line)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
