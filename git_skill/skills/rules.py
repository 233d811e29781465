"""The catalog of validation rules: id, default severity, and why the rule exists.

Every finding `validate` emits names one of these ids; `docs/rules.md` documents them
and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from git_skill.findings import Severity

E, W = Severity.ERROR, Severity.WARNING


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str


_RULES = [
    # The file
    Rule("file-name", W, "The file is `skill.md`; the specification names it `SKILL.md` (skills-ref accepts both)."),
    Rule("file-empty", E, "SKILL.md is empty."),
    Rule("file-too-large", E, "SKILL.md is over 5 MB; it is not read (agents load it whole)."),
    Rule("file-unreadable", E, "SKILL.md could not be read (permissions, I/O)."),
    Rule("file-encoding", E, "SKILL.md is not valid UTF-8."),
    Rule("file-bom", E, "A UTF-8 byte-order mark precedes the frontmatter; most loaders then see no frontmatter."),
    Rule("file-line-endings", W, "CR-only line endings; several loaders then see no frontmatter."),
    Rule("file-not-regular", E, "SKILL.md is a FIFO, socket, device or folder, not a file; it is never opened (reading could hang)."),
    Rule("symlink-loop", E, "A symbolic link loops back on itself (directly or through others); it cannot be followed."),
    Rule("symlink-escape", E, "A symbolic link inside a skills root points outside the repository; it is not followed."),
    Rule("agent-copy-drift", W, "A copy `git skill link --copy` made for an agent differs from its source skill "
         "(edited, or the source moved on)."),
    # The frontmatter block
    Rule("frontmatter-missing", E, "The file does not start with a `---` line."),
    Rule("frontmatter-unterminated", E, "The opening `---` has no closing `---` line (`...` does not close it)."),
    Rule("frontmatter-yaml-syntax", E, "The frontmatter is not valid YAML, or holds more than one document."),
    Rule("frontmatter-tab", E, "A tab indents a frontmatter line; YAML allows only spaces."),
    Rule("frontmatter-not-mapping", E, "The frontmatter is a list or a scalar, not a mapping of fields."),
    Rule("frontmatter-duplicate-key", E, "A key appears twice; loaders disagree on which value wins."),
    Rule("frontmatter-yaml-alias", E, "YAML anchors and aliases are refused (alias bombs, surprising sharing)."),
    Rule("frontmatter-yaml-tag", E, "Explicit YAML tags other than the core ones (`!!str`, `!!int`, ...) are refused."),
    # Fields
    Rule("field-required", E, "`name` or `description` is missing."),
    Rule("field-unknown", E, "A field the selected profile does not define."),
    Rule("field-type", E, "A field has the wrong type (for example `name: true` or a list where a string is required)."),
    Rule("name-empty", E, "`name` is an empty string."),
    Rule("name-too-long", E, "`name` is over 64 characters."),
    Rule("name-hyphens", E, "`name` starts or ends with `-`, or contains `--`."),
    Rule("name-lowercase", E, "`name` has uppercase letters."),
    Rule("name-characters", E, "`name` has characters other than letters, digits and `-` (ASCII only under `skill-creator`)."),
    Rule("name-not-normalized", W, "`name` changes under Unicode NFKC normalization; agents may compare the raw text."),
    Rule("name-folder-mismatch", E, "`name` differs from the skill's folder name (compared after NFKC)."),
    Rule("name-reserved-word", E, "`name` contains `anthropic` or `claude` (Claude Code forbids them)."),
    Rule("name-xml-tag", E, "`name` contains an XML tag (Claude Code forbids it)."),
    Rule("description-empty", E, "`description` is empty or only whitespace."),
    Rule("description-too-long", E, "`description` is over 1024 characters."),
    Rule("description-xml-tag", E, "`description` contains an XML tag (Claude Code forbids it)."),
    Rule("description-angle-brackets", E, "`description` contains `<` or `>` (skill-creator's quick_validate forbids them)."),
    Rule("description-listing-truncated", W, "`description` + `when_to_use` exceed Claude Code's 1,536-character listing entry; the rest is cut."),
    Rule("compatibility-too-long", E, "`compatibility` is over 500 characters."),
    Rule("metadata-value-type", W, "A `metadata` value is not a string; the specification defines string values (skills-ref converts them)."),
    # The body
    Rule("body-empty", W, "The Markdown body is empty: the skill has nothing to teach once loaded."),
    Rule("body-too-long", W, "The body is over 500 lines (Claude Code's advice); move material to references/."),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in _RULES}
