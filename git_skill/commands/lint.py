"""`git skill lint [PATH...]`: content, leak and safety checks for skills, locally and on every commit."""

from __future__ import annotations

from pathlib import Path

import click

from git_skill import __version__, exit_codes
from git_skill.skills.discovery import DEFAULT_ROOTS, configured_roots, discover
from git_skill.findings import Severity
from git_skill.folders import scratch_folder
from git_skill.options import context_window_option, skills_dir_option, use_color
from git_skill.reporting import SkillVerdict, render_github, render_json, render_sarif, render_text
from git_skill.workspace import open_workspace


@click.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "output_format", type=click.Choice(["text", "json", "github", "sarif"]), default="text",
              show_default=True, help="text, json, github workflow annotations, or SARIF 2.1.0.")
@skills_dir_option
@click.option("--staged", is_flag=True, help="Lint the staged content of the skills the next commit touches.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@context_window_option
def command(paths: tuple[str, ...], output_format: str, skills_dirs: tuple[str, ...], staged: bool, strict: bool,
            context_window: int | None) -> None:
    """Lint skills: discoverability, size and structure, integrity, leaks, safety, library hygiene.

    Rules, severities and rationale: docs/lint.md. Configure in .git-skill.toml ([lint]) or
    pyproject.toml ([tool.git-skill.lint]); suppress per skill inline with a reason.
    Exit 0 when no error-severity finding, 1 otherwise (with --strict, warnings too).
    """
    from git_skill.lint import lint_locations
    from git_skill.lint.catalog import LINT_RULES
    from git_skill.lint.config import load
    from git_skill.listing.budget import settings_from

    workspace = open_workspace()
    config = load(workspace.root)
    config.listing = settings_from(context_window, workspace)
    config.usage_root = None if staged else workspace.root  # the commit hook reads no agent sessions
    roots = configured_roots(workspace, skills_dirs)
    with scratch_folder("git-skill-lint-") as scratch:  # staged skills mirror their depth in the repository
        if staged:
            if paths:
                raise click.UsageError("--staged checks the index; give no PATH with it")
            from git_skill.skills.discovery import Discovery, walk_skills
            from git_skill.skills.staged import export_staged_skills

            displays = export_staged_skills(workspace, Path(scratch), skills_dirs)
            found = Discovery()
            for exported in displays:
                if exported.name not in ("SKILL.md", "skill.md") and exported.is_dir():
                    walk_skills(exported, Path(scratch), found)
            locations = [s for s in found.skills if s.folder in displays]
            findings, skills = lint_locations(locations, [Path(scratch) / r.relative_to(workspace.root)
                                                          for r in roots if r.is_relative_to(workspace.root)],
                                              config, workspace.root, displays)
        else:
            found = discover(workspace, paths, skills_dirs)
            findings, skills = lint_locations(found.skills, roots, config, workspace.root)
            findings += found.findings  # what discovery could not follow or open
            if not skills and not findings and output_format == "text":
                where = ", ".join(paths) if paths else ", ".join(skills_dirs or DEFAULT_ROOTS)
                click.echo(f"no skills found (looked in: {where})", err=True)
    failing = {f.path for f in findings if f.severity is Severity.ERROR}
    verdicts = [SkillVerdict(path, (s.fields or {}).get("name") if s.fields else None,
                             not any(f == path or f.startswith(path.rsplit("/", 1)[0] + "/") for f in failing))
                for path, s in skills.items()]
    if output_format == "json":
        click.echo(render_json(findings, verdicts, "lint"))
    elif output_format == "github":
        text = render_github(findings)
        if text:
            click.echo(text)
    elif output_format == "sarif":
        rules = {r.id: ({"error": "error", "warning": "warning", "info": "note"}[r.severity.value], r.rationale)
                 for r in LINT_RULES.values()}
        click.echo(render_sarif(findings, rules, __version__))
    elif skills or findings:
        click.echo(render_text(findings, verdicts, "by lint", color=use_color()))
    blocking = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    raise SystemExit(exit_codes.FINDINGS if any(f.severity in blocking for f in findings) else exit_codes.OK)
