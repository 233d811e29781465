"""`git skill lint`: content, leak and safety checks over skill folders, configurable per repository."""

from __future__ import annotations

from pathlib import Path

from git_skill.skills.discovery import SkillLocation
from git_skill.findings import Finding, Severity
from git_skill.lint import content, files, library
from git_skill.lint.config import LintConfig, inline_suppressions, is_imported
from git_skill.lint.text_rules import Hit, scan
from git_skill.skills.skill import SkillFile, read_skill_file
from git_skill.workspace import display_path


def _finding(config: LintConfig, path: str, hit: Hit) -> Finding | None:
    if hit.rule in config.disabled:
        return None
    return Finding(path, hit.rule, config.severity(hit.rule), hit.message, hit.line, hit.column)


def lint_skill(skill: SkillFile, folder: Path | None, config: LintConfig, root: Path, display: str | None = None,
               imported: bool | None = None) -> list[Finding]:
    """Findings for one skill; `folder` None lints the SKILL.md text alone (as `learn` does before writing).
    `imported` overrides the lock-file check (for skills staged by `add` and `update`)."""
    hits: list[tuple[str, Hit]] = []
    if skill.fields is not None:
        hits += [(skill.path, hit) for hit in content.check(skill, config.max_body_lines, config.max_body_tokens)]
    text = skill.raw.decode("utf-8", "replace")
    hits += [(skill.path, hit) for hit in scan(text)]
    if folder is not None:
        shown = display or display_path(folder)
        hits += [(skill.path, hit) for hit in files.check_links(skill, folder)]
        documents = [text]
        paths = list(files.skill_files(folder))
        for path in files.text_files(folder, paths):
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if len(data) <= config.max_file_bytes and b"\0" not in data[:8192]:
                relative = path.relative_to(folder).as_posix()
                decoded = data.decode("utf-8", "replace")
                markdown = path.suffix.lower() in files.MARKDOWN
                hits += [(f"{shown}/{relative}", hit) for hit in scan(decoded, markdown=markdown)]
                if markdown or path.suffix.lower() == ".txt":
                    documents.append(decoded)
        use = files.script_use(documents, [path.relative_to(folder).as_posix() for path in paths])
        hits += list(files.check_files(folder, shown, config.max_file_bytes, use, paths))
    if imported is None:
        imported = folder is not None and is_imported(folder, root)
    suppressions = inline_suppressions(text, imported)
    findings = []
    for path, hit in hits:
        if hit.rule in suppressions.rules:
            continue
        found = _finding(config, path, hit)
        if found:
            findings.append(found)
    for line, rule, message in suppressions.problems:
        found = _finding(config, skill.path, Hit(rule, line, message))
        if found:
            findings.append(found)
    return sorted(set(findings), key=Finding.sort_key)


def lint_locations(locations: list[SkillLocation], roots: list[Path], config: LintConfig, root: Path,
                   displays: dict[Path, str] | None = None) -> tuple[list[Finding], dict[str, SkillFile]]:
    """Lint each skill, then the library as a whole; returns findings and the skills by display path."""
    findings: list[Finding] = []
    skills: dict[str, SkillFile] = {}
    entries: list[library.Entry] = []
    for location in locations:
        shown = (displays or {}).get(location.skill_file, location.display)
        skill = read_skill_file(location.skill_file, shown)
        skills[shown] = skill
        if skill.fields is None:  # lint has nothing to check; saying "all valid" would be a lie
            first = next((f for f in skill.findings if f.severity is Severity.ERROR), None)
            reason = first.message if first else "its frontmatter cannot be read"
            line = (first.line or 1) if first else 1
            found = _finding(config, shown, Hit("skill-unreadable", line, f"not linted: {reason}"))
            if found:
                findings.append(found)
            continue
        folder_display = (displays or {}).get(location.folder, display_path(location.folder))
        findings += lint_skill(skill, location.folder, config, root, folder_display)
        home = next((str(r) for r in roots if str(location.folder).startswith(str(r))), "")
        name = skill.fields.get("name")
        description = skill.fields.get("description")
        entries.append(library.Entry(shown, home, name if isinstance(name, str) else "",
                                     description if isinstance(description, str) else "", skill.body))
    usage_checks = [*_listing_overflows(entries, skills, config), *_never_loaded(entries, config)]
    for path, rule, message in [*library.check(entries), *usage_checks]:
        found = _finding(config, path, Hit(rule, skills[path].field_line("name") or 2, message))
        if found:
            findings.append(found)
    return findings, skills


def _listing_overflows(entries: list[library.Entry], skills: dict[str, SkillFile],
                       config: LintConfig) -> list[tuple[str, str, str]]:
    """One `listing-budget` finding per agent whose skill listing these skills overflow, on the
    first skill whose description it drops."""
    if "listing-budget" in config.disabled or not entries:
        return []
    from git_skill.listing.budget import entry_of, plan

    listing = [entry_of(e.name, skills[e.path].fields or {}, e.path) for e in entries]
    budgets = plan(listing, config.listing)
    if config.usage_root is not None and any(b.dropped for b in budgets):  # the least loaded go first
        from dataclasses import replace

        from git_skill.usage.collect import recorded_loads

        budgets = plan(listing, replace(config.listing, loads=recorded_loads(config.usage_root)))
    found = []
    for budget in budgets:
        if budget.dropped:
            names = ", ".join(e.name for e in budget.dropped)
            count = len(budget.dropped)
            found.append((budget.dropped[0].path, "listing-budget",
                          f"{budget.agent.name}'s skill listing overflows ({budget.used_chars:,} of "
                          f"{budget.budget_chars:,} characters): it cuts the description{'s' if count != 1 else ''} "
                          f"of {count} skill{'s' if count != 1 else ''}: {names}"))
    return found


def _never_loaded(entries: list[library.Entry], config: LintConfig) -> list[tuple[str, str, str]]:
    """`skill-never-loaded` for each skill that none of the newest `never-loaded-sessions` sessions
    recorded for the repository loaded (configured only; nothing is deleted). Fewer sessions than that
    recorded: too little to judge, no finding."""
    if not config.never_loaded_sessions or config.usage_root is None or "skill-never-loaded" in config.disabled:
        return []
    from git_skill.usage.collect import recent_usage

    read, loads = recent_usage(config.usage_root, config.never_loaded_sessions)
    if read < config.never_loaded_sessions:
        return []
    return [(e.path, "skill-never-loaded", f"no agent loaded '{e.name}' in the last {read} sessions recorded for "
             "this repository (git skill usage)") for e in entries if e.name and not loads.get(e.name)]


def errors_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


__all__ = ["lint_skill", "lint_locations", "errors_of", "LintConfig"]
