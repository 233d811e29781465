"""The lint rules: id, default severity, category, and the reason each exists.

`git skill lint` checks content, where `validate` checks format. A skill is an
instruction an agent obeys: a vague one wastes every session that loads it, a leaky
or malicious one travels through `git skill add`. docs/lint.md is generated from this
table's contents and a test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from git_skill.findings import Severity

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class LintRule:
    id: str
    severity: Severity
    category: str
    rationale: str


_RULES = [
    # discoverability
    LintRule("description-no-trigger", W, "discoverability", "Agents pick skills by description; without a 'Use when …' clause they cannot tell when this one applies."),
    LintRule("description-generic", W, "discoverability", "A short or filler description ('helps with various tasks') matches everything and nothing."),
    LintRule("name-generic", W, "discoverability", "Names like 'utils' or 'helper' say nothing about what the skill does ('pdf' is exact, not generic)."),
    # size and structure
    LintRule("body-line-budget", W, "structure", "Over the line budget (default 500): every load pays for it; move detail to references/."),
    LintRule("body-token-budget", W, "structure", "Over the token budget (default 5000): the skill crowds the context it is loaded into."),
    LintRule("body-no-headings", W, "structure", "A long body without headings is hard for an agent to navigate."),
    LintRule("section-empty", W, "structure", "A heading with nothing under it promises guidance that is not there."),
    # integrity
    LintRule("skill-unreadable", E, "integrity", "SKILL.md cannot be read as a skill (empty, binary, not UTF-8, unreadable, not a file, no frontmatter): nothing in it was checked; `git skill validate` says why."),
    LintRule("link-broken", E, "integrity", "A relative link points to a file the skill does not have."),
    LintRule("script-missing", E, "integrity", "A code block (or a path under the skill's own folder, such as <SKILL_DIR>/scripts/…) uses a scripts/, references/ or assets/ file that does not exist."),
    LintRule("reference-missing", W, "integrity", "The text mentions a scripts/, references/ or assets/ file that does not exist (prose may describe hypothetical files, hence a warning)."),
    LintRule("path-escape", E, "integrity", "A link or reference leaves the skill folder and its collection (../../, an absolute path, or ../ to something that is not a skill): it will not travel with the skill."),
    LintRule("cross-skill-link", W, "integrity", "A link to a sibling skill in the same collection (../other-skill/file.md) works where the collection is installed whole but breaks when this skill is shared alone."),
    LintRule("merge-conflict", E, "integrity", "Unresolved conflict markers (from a merge or `git skill update --accept-conflicts`): the skill says two things at once."),
    LintRule("script-no-shebang", W, "integrity", "A script the skill runs as a command (or one already executable it never hands to an interpreter) without #! runs under whatever shell the agent uses."),
    LintRule("script-not-executable", W, "integrity", "A script the skill runs as a command fails without the executable bit; one handed to python/node/bash needs none."),
    # leaks
    LintRule("secret", E, "leaks", "A credential in a skill is published to every repository the skill reaches (high confidence: a provider's key format, a private key, credentials in a URL or auth header, or a high-entropy value under a secret name)."),
    LintRule("example-credential", W, "leaks", "A credential that looks like a documentation example or a weak value (abc123, your-key-here, …EXAMPLE, hunter2): probably not real, but check; it is still redacted before a model."),
    LintRule("home-path", W, "leaks", "An absolute home path names a user and does not exist on other machines."),
    LintRule("internal-url", W, "leaks", "A URL to an internal host or private address leaks infrastructure and fails elsewhere."),
    LintRule("ephemeral-detail", W, "leaks", "Temporary paths, container ids, commit hashes, timestamps or ports belong to one session, not to a lesson (a quoted timestamp is a documentation example)."),
    # safety
    LintRule("hidden-unicode", E, "safety", "Bidi controls and Unicode tag characters hide text from reviewers but not from agents."),
    LintRule("zero-width-character", W, "safety", "Zero-width characters can hide or split words invisibly."),
    LintRule("confusable-name", W, "safety", "A name with look-alike non-ASCII letters can impersonate another skill."),
    LintRule("load-time-execution", E, "safety", "Claude Code runs !`command` when the skill loads, before anyone reads it."),
    LintRule("instruction-override", E, "safety", "Text that tells the agent to ignore its instructions or hide things from the user is prompt injection."),
    LintRule("html-comment-instruction", W, "safety", "HTML comments are invisible when Markdown is rendered; imperatives or URLs in them (outside code blocks) are hidden instructions."),
    LintRule("download-execute", E, "safety", "Piping a download into a shell runs code nobody reviewed."),
    LintRule("obfuscated-execution", E, "safety", "Decoding and executing encoded text hides what runs."),
    LintRule("exfiltration", E, "safety", "Sending credentials, keys or the environment to a URL."),
    LintRule("destructive-command", E, "safety", "rm -rf aimed at the home folder or the root in any spelling (~, $HOME, ${HOME}, \"$HOME\"/, /, /*; options in any order), recursive chmod 777, disk formatting: irreversible damage."),
    LintRule("config-poisoning", E, "safety", "Telling the agent to rewrite its own instruction or configuration files (CLAUDE.md, AGENTS.md, GEMINI.md, .cursorrules, .claude/settings*.json, hooks) or to approve tool calls without asking poisons every later session."),
    LintRule("privilege", W, "safety", "sudo raises the agent's privileges; say why or avoid it."),
    LintRule("tls-disabled", E, "safety", "Turning off certificate checks invites man-in-the-middle attacks."),
    LintRule("persistence", E, "safety", "Writing to shell rc files, authorized_keys, git hooks, agent settings or other skills outlives the task."),
    LintRule("remote-instructions", E, "safety", "'Fetch this URL and follow it' hands control to whoever serves the URL."),
    LintRule("resource-abuse", E, "safety", "Crypto miners and mining pools have no place in a skill."),
    LintRule("binary-file", E, "safety", "Binaries cannot be reviewed; neither can an archive holding binaries, nested archives or files the skill does not ship unpacked (lint reads zip and tar archives)."),
    LintRule("bundled-archive", W, "safety", "A zip or tar archive of copies of the skill's own text files: lint read every member, but it is dead weight that can drift from the files a reviewer sees."),
    LintRule("oversized-file", W, "safety", "A very large file (default over 1 MB) is costly to load and hard to review."),
    # library hygiene
    LintRule("near-duplicate", W, "library", "Two skills that say nearly the same thing make agents pick the wrong one."),
    LintRule("listing-budget", W, "library", "Every request lists each skill's name and description within a budget (Claude Code: 1% of the context window; Codex: 5,440 characters); past it the agent cuts descriptions, and a skill whose description is cut is rarely chosen."),
    LintRule("skill-never-loaded", W, "library", "A skill no agent loaded in the newest recorded sessions (only with never-loaded-sessions configured) costs listing space in every request and helps nobody: improve its description or retire it. Nothing is deleted."),
    LintRule("shadowed-name", W, "library", "The same name in two skills roots: which one an agent loads depends on the agent."),
    # suppressions
    LintRule("suppression-without-reason", W, "config", "An inline suppression must say why; one without a reason is not honoured."),
    LintRule("suppression-ignored", W, "config", "Suppressions inside imported skills are never honoured: only the repository decides."),
]

LINT_RULES: dict[str, LintRule] = {rule.id: rule for rule in _RULES}
