"""Render findings for people (text), programs (json) and CI (GitHub workflow annotations).

The JSON shape is stable and documented in docs/json-output.md; bump `version` on any
incompatible change.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import click

from git_skill.findings import Finding, Severity

FORMATS = ("text", "json", "github")
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
JSON_VERSION = 1


@dataclass
class SkillVerdict:
    path: str
    name: str | None
    valid: bool


def summarize(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {"errors": counts["error"], "warnings": counts["warning"], "infos": counts["info"]}


def plural(count: int, word: str) -> str:
    """"1 skill", "2 skills": a count with its noun."""
    return f"{count} {word}{'' if count == 1 else 's'}"


SEVERITY_COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def paint(text: str, colour: str | None, on: bool, bold: bool = False) -> str:
    """`text` in a colour when `on` (`options.use_color()`: a terminal, no NO_COLOR), else as it is."""
    return click.style(text, fg=colour, bold=bold or None) if on and (colour or bold) else text


def format_finding(f: Finding, color: bool = False) -> str:
    """`path:line:column: severity [rule] message`, the one-line form every text report uses, as compilers
    print it: column 1 for a finding about a whole line, line 1 column 1 for one about a whole file."""
    where = f"{f.path}:{f.line or 1}:{f.column or 1 if f.line else 1}"
    return f"{where}: {paint(f.severity.value, SEVERITY_COLOURS[f.severity], color)} [{f.rule}] {f.message}"


def render_text(findings: list[Finding], verdicts: list[SkillVerdict], checked_by: str, color: bool = False) -> str:
    """Findings, then a summary line: '<n> skills checked <checked_by>: …'."""
    lines = []
    for f in sorted(findings, key=Finding.sort_key):
        lines.append(format_finding(f, color))
    counts = summarize(findings)
    invalid = sum(1 for v in verdicts if not v.valid)
    checked = plural(len(verdicts), "skill")
    if not findings:
        lines.append(f"{checked} checked {checked_by}: all valid")
    else:
        parts = [plural(counts["errors"], "error"), plural(counts["warnings"], "warning")]
        lines.append(f"{checked} checked {checked_by}: {invalid} invalid; {', '.join(parts)}")
    return "\n".join(lines)


def render_json(findings: list[Finding], verdicts: list[SkillVerdict], profile: str) -> str:
    document = {
        "version": JSON_VERSION,
        "profile": profile,
        "summary": {"skills": len(verdicts), "invalid": sum(1 for v in verdicts if not v.valid), **summarize(findings)},
        "skills": [{"path": v.path, "name": v.name, "valid": v.valid} for v in verdicts],
        "findings": [f.to_dict() for f in sorted(findings, key=Finding.sort_key)],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: list[Finding]) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    lines = []
    for f in sorted(findings, key=Finding.sort_key):
        props = [f"file={_escape_property(f.path)}"]
        if f.line:
            props.append(f"line={f.line}")
        if f.column:
            props.append(f"col={f.column}")
        props.append(f"title={_escape_property(f.rule)}")
        lines.append(f"::{level[f.severity]} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(lines)


def render_sarif(findings: list[Finding], rules: dict[str, tuple[str, str]], version: str) -> str:
    """SARIF 2.1.0 for code-scanning dashboards; `rules` maps id -> (default level, description)."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    used = sorted({f.rule for f in findings})
    document = {
        "version": "2.1.0",
        "$schema": SARIF_SCHEMA,
        "runs": [{
            "tool": {"driver": {
                "name": "git-skill",
                "version": version,
                "rules": [{"id": rule, "shortDescription": {"text": rules.get(rule, ("warning", rule))[1]},
                           "defaultConfiguration": {"level": rules.get(rule, ("warning", ""))[0]}} for rule in used],
            }},
            "results": [{
                "ruleId": f.rule,
                "ruleIndex": used.index(f.rule),
                "level": level[f.severity],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": f.path},
                                                    "region": {"startLine": f.line or 1}}}],
            } for f in sorted(findings, key=Finding.sort_key)],
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
