"""`git skill validate [PATH...]`: check skills against the schema and the profile's rules."""

from __future__ import annotations

import click

from git_skill import exit_codes
from git_skill.skills.discovery import DEFAULT_ROOTS, discover
from git_skill.findings import Finding, Severity
from git_skill.options import profile_option, resolve_profile, skills_dir_option, use_color
from git_skill.reporting import FORMATS, SkillVerdict, render_github, render_json, render_text
from git_skill.skills.skill import SkillFile, read_skill_file
from git_skill.skills.staged import staged_skills
from git_skill.skills.validation import validate_skill
from git_skill.workspace import open_workspace


@click.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@profile_option
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="text", show_default=True,
              help="text for people, json for programs, github for workflow annotations.")
@skills_dir_option
@click.option("--staged", is_flag=True, help="Check the staged content of the skills the next commit touches.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def command(paths: tuple[str, ...], profile: str | None, output_format: str, skills_dirs: tuple[str, ...],
            staged: bool, strict: bool) -> None:
    """Validate skills: with no PATH, every skill in the repository's skills roots.

    A PATH may be a skill folder, a SKILL.md, a folder holding skills, or any file
    inside a skill (as pre-commit passes them). Exit 0 when valid, 1 on errors,
    2 on usage errors, 3 when input cannot be read.
    """
    workspace = open_workspace()
    chosen = resolve_profile(workspace, profile)
    skills: list[SkillFile] = []
    findings: list[Finding] = []
    if staged:
        if paths:
            raise click.UsageError("--staged checks the index; give no PATH with it")
        staged_files, findings = staged_skills(workspace, skills_dirs)
        skills = [SkillFile.from_bytes(s.data, s.path, s.folder_name) for s in staged_files]
    else:
        found = discover(workspace, paths, skills_dirs)
        findings = found.findings
        skills = [read_skill_file(location.skill_file, location.display) for location in found.skills]
        if not skills and not findings and output_format == "text":
            where = ", ".join(paths) if paths else ", ".join(skills_dirs or DEFAULT_ROOTS)
            click.echo(f"no skills found (looked in: {where})", err=True)
    verdicts = []
    for skill in skills:
        skill_findings = validate_skill(skill, chosen)
        findings.extend(skill_findings)
        name = skill.fields.get("name") if skill.fields else None
        verdicts.append(SkillVerdict(skill.path, name if isinstance(name, str) else None,
                                     not any(f.severity is Severity.ERROR for f in skill_findings)))
    if output_format == "json":
        click.echo(render_json(findings, verdicts, chosen.name))
    elif output_format == "github":
        text = render_github(findings)
        if text:
            click.echo(text)
    elif skills or findings:
        click.echo(render_text(findings, verdicts, f"under the {chosen.name} profile", color=use_color()))
    failing = {Severity.ERROR, Severity.WARNING} if strict else {Severity.ERROR}
    raise SystemExit(exit_codes.FINDINGS if any(f.severity in failing for f in findings) else exit_codes.OK)
