"""`git skill add SOURCE`: copy shared skills into the skills root and record them in skills.lock."""

from __future__ import annotations

import os
from contextlib import nullcontext
from pathlib import Path, PurePosixPath

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.options import skills_dir_option
from git_skill.workspace import display_path, open_workspace, require_work_tree


def _local_name(source_location: str, subpath: str) -> str:
    """The folder name a skill gets here: its upstream folder's name (the repository's for a root skill)."""
    name = PurePosixPath(subpath).name if subpath else PurePosixPath(source_location.rstrip("/")).name
    name = name.removesuffix(".git").rsplit(":", 1)[-1]
    if not name or name.startswith(".") or name in ("..",):
        raise GitSkillError(f"cannot name a folder after {source_location!r}//{subpath}; give a //SUBPATH",
                            exit_codes.USAGE)
    return name


@click.command("add")
@click.argument("source")
@skills_dir_option
@click.option("--dry-run", is_flag=True, help="Show what would be added; write nothing.")
@click.option("--force", is_flag=True, help="Add even when validation or lint finds errors in the incoming skills.")
def command(source: str, skills_dirs: tuple[str, ...], dry_run: bool, force: bool) -> None:
    """Copy the skill(s) at SOURCE into this repository's skills root and record where they came
    from in skills.lock (source, subpath, requested ref, resolved commit, content digest).

    SOURCE is LOCATION[//SUBPATH][@REF]: a local folder or repository, a git URL (https://, ssh://,
    file://, git@host:path) or owner/repo (GitHub). SUBPATH picks a skill, or a folder of skills
    (all of them are added); REF a branch, tag or full commit id (default: the source's HEAD),
    or for a local repository a revision such as HEAD~1.
    Git sources are fetched into a cache (GIT_SKILL_CACHE_DIR, else ~/.cache/git-skill), never
    into this repository. An existing folder is never overwritten (exit 4), but a skill this
    source already shares here (in any skills root) is skipped for update to handle: adding a
    collection again picks up only its new skills. A name another skills root already has is
    refused (exit 4): agents would load one of the two. Incoming skills are validated (this repository's profile)
    and linted (their own suppressions ignored) first; any error refuses the whole add
    (exit 1) unless --force.
    """
    from git_skill.agents.links import keep_agents_in_step
    from git_skill.skills.discovery import configured_roots, target_root
    from git_skill.reporting import format_finding
    from git_skill.sharing.apply import FolderSwap
    from git_skill.sharing.fetch import (
        check_upstream_name,
        resolve_local,
        skill_folders,
        within,
    )
    from git_skill.sharing.library import content_digest, incoming_errors, load_source, recorded_ref
    from git_skill.sharing.lockfile import LockEntry, lock_path, read_lock, write_lock
    from git_skill.sharing.source import parse_source
    from git_skill.workspace import RepositoryLock

    workspace = open_workspace()
    require_work_tree(workspace, "git skill add")
    root = workspace.root
    origin = resolve_local(parse_source(source, Path(os.getcwd()), root), root)
    skills_root = target_root(workspace, skills_dirs)
    other_roots = [r for r in dict.fromkeys(configured_roots(workspace, skills_dirs) + configured_roots(workspace))
                   if os.path.realpath(r) != os.path.realpath(skills_root)]
    snapshot = load_source(origin, root)  # fetched before the lock: a slow remote never holds other runs up
    folders = skill_folders(snapshot.files)
    if not folders:
        raise GitSkillError(f"no skill (a folder with SKILL.md) in {origin.describe()}")
    with RepositoryLock(workspace) if not dry_run else nullcontext() as lock:  # read, check and write as one step
        locked = read_lock(root)
        planned: list[tuple[LockEntry, Path, dict]] = []
        already: list[str] = []  # skills this source shares here already: left to update
        for folder in folders:
            subpath = "/".join(p for p in (origin.subpath, folder) if p)
            name = check_upstream_name(_local_name(origin.location, subpath))
            destination = skills_root / name
            path = destination.resolve().relative_to(root.resolve()).as_posix() if destination.resolve().is_relative_to(
                root.resolve()) else None
            if path is None:
                raise GitSkillError(f"the skills root {skills_root} is outside the repository; refused",
                                    exit_codes.USAGE)
            shared = next((e for e in locked.values() if (e.source, e.subpath) == (origin.location, subpath)), None)
            if shared is not None:  # in whichever root it was added to: one copy, one lock entry
                moved = origin.ref and recorded_ref(origin.ref, snapshot.commit) != shared.ref
                already.append(f"{display_path(root / shared.path)} is already shared from there; "
                               + (f"'git skill update {name} --ref {origin.ref}' moves it" if moved
                                  else "'git skill update' brings it up to date"))
                continue
            if path in locked:
                raise GitSkillError(f"{display_path(destination)} was already added from "
                                    f"{locked[path].origin.describe()}; not replaced", exit_codes.REFUSED)
            if os.path.lexists(destination) or any(p[0].path == path for p in planned):
                raise GitSkillError(f"{display_path(destination)} already exists; not overwritten (remove or rename "
                                    "it first)", exit_codes.REFUSED)
            namesake = next((r / name for r in other_roots if os.path.lexists(r / name)), None)
            if namesake is not None:
                raise GitSkillError(f"a skill named {name} already lives in {display_path(namesake)}; not added "
                                    f"beside it in {display_path(skills_root)} (agents would load one of the two)",
                                    exit_codes.REFUSED)
            files = within(snapshot.files, folder)
            entry = LockEntry(path, origin.location, subpath, recorded_ref(origin.ref, snapshot.commit),
                              snapshot.commit, content_digest(files))
            planned.append((entry, destination, files))
        errors = [f for entry, destination, files in planned
                  for f in incoming_errors(files, display_path(destination), workspace)]
        if errors:
            for finding in errors:
                click.echo(format_finding(finding))
            if not force:
                raise GitSkillError(f"{len(errors)} validation or lint error(s) in the incoming skill(s): nothing "
                                    "added; review them, then add with --force if you trust them", exit_codes.FINDINGS)
        verb = "would add" if dry_run else "added"
        if not dry_run and planned:
            swap = FolderSwap(skills_root, lock.journal, (lock_path(root),))
            try:
                for entry, destination, files in planned:
                    swap.stage(destination, files)
            except BaseException:
                swap.discard()
                raise
            swap.commit(then=lambda: write_lock(root, {**locked, **{e.path: e for e, _, _ in planned}}))
            keep_agents_in_step(workspace)
    at = f" at {snapshot.commit[:12]}" if snapshot.commit else ""
    for line in already:
        click.echo(line)
    for entry, destination, files in planned:
        count = f"{len(files)} file{'' if len(files) == 1 else 's'}"
        click.echo(f"{verb} {display_path(destination)} from {entry.origin.describe()}{at} ({count})")
    if not dry_run and planned:
        from git_skill.workspace import say_next_step

        click.echo(f"recorded in {display_path(root / 'skills.lock')}")
        names = ", ".join(destination.name for _, destination, _ in planned)
        say_next_step(workspace, [d for _, d, _ in planned] + [root / "skills.lock", root / "AGENTS.md"],
                      f"Add {names} from {origin.describe()}")
