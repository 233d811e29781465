"""`git skill update [NAME…]`: three-way merge upstream changes into shared skills, keeping local edits."""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.workspace import Workspace, display_path, open_workspace


@dataclass
class Plan:
    """What updating one shared skill would do."""

    entry: Any  # LockEntry
    destination: Path
    state: str  # up to date, updated, conflicts, missing, removed upstream, refused, unreadable upstream
    new_entry: Any = None
    files: Any = None  # the merged Files to write, when anything changes
    changes: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, str] = field(default_factory=dict)
    ours: Any = None
    refusals: list[Any] = field(default_factory=list)  # validation or lint errors the update would bring in


def plan_update(entry: Any, root: Path, ref: str | None, fetched: dict[Any, Any]) -> Plan:
    from git_skill.sharing.apply import changed_paths, merge_folders
    from git_skill.sharing.fetch import read_folder
    from git_skill.sharing.library import base_files, content_digest, load_source, recorded_ref, upstream_failure

    destination = root / entry.path
    if not destination.is_dir():
        return Plan(entry, destination, "missing")
    ours = read_folder(destination)
    try:
        theirs = load_source(entry.origin, root, ref, fetched)
    except GitSkillError as error:
        if error.exit_code == exit_codes.UNAVAILABLE:
            raise
        state = {"gone": "removed upstream", "refused": "refused"}.get(upstream_failure(error), "unreadable upstream")
        return Plan(entry, destination, state, conflicts={"": error.message})
    digest = content_digest(theirs.files)
    new_entry = entry.moved_to(theirs.commit, digest, None if ref is None else recorded_ref(ref, theirs.commit))
    if digest == entry.digest:  # nothing new upstream (perhaps a new commit elsewhere in the repository)
        return Plan(entry, destination, "up to date", new_entry, ours=ours)
    base = base_files(entry, theirs)
    if base is None:  # a plain folder whose added version this machine has no copy of
        if content_digest(ours) == entry.digest:
            merged_files, conflicts = theirs.files, {}
        else:
            merged_files, conflicts = ours, {"": "changed here and upstream, and this machine keeps no copy of the "
                                                 "plain folder's version you started from to merge against; merge "
                                                 "by hand, then run update again"}
    else:
        merged = merge_folders(base, ours, theirs.files)
        merged_files, conflicts = merged.files, merged.conflicts
    state = "conflicts" if conflicts else "updated"
    return Plan(entry, destination, state, new_entry, merged_files, changed_paths(ours, merged_files), conflicts, ours)


def new_errors(plan: Plan, workspace: Workspace) -> list[Any]:
    """Validation and lint errors the merged folder would have that the local copy does not.
    Conflict markers aside: when SKILL.md holds them (--accept-conflicts asked for them), so
    are the validation errors they cause, and the merge-conflict lint rule reports them anyway."""
    from git_skill.skills.discovery import SKILL_FILE_NAMES
    from git_skill.sharing.library import incoming_errors

    shown = display_path(plan.destination)
    validate = not any(path in SKILL_FILE_NAMES for path in plan.conflicts)
    before = {(f.rule, f.message) for f in incoming_errors(plan.ours, shown, workspace, validate)}
    return [f for f in incoming_errors(plan.files, shown, workspace, validate)
            if f.rule != "merge-conflict" and (f.rule, f.message) not in before]


def _report(plan: Plan, dry_run: bool, accept: bool, force: bool) -> None:
    from git_skill.commands.diff import render
    from git_skill.options import use_color
    from git_skill.skills.diff import compare_skill

    name = display_path(plan.destination)
    old, new = plan.entry.commit[:12], (plan.new_entry.commit[:12] if plan.new_entry else "")
    moved = f" ({old} → {new})" if new and new != old else ""
    if plan.state in ("missing", "removed upstream", "refused", "unreadable upstream"):
        reason = "" if plan.state == "missing" else f": {plan.conflicts.get('')}"
        click.echo(f"{name}: {plan.state}{reason}; skipped", err=plan.state != "up to date")
        return
    if plan.state == "up to date":
        click.echo(f"{name}: up to date{moved}")
        return
    held = bool(plan.refusals) and not force
    written = not dry_run and (plan.state == "updated" or accept) and not held
    if held:
        verb = "would bring in new validation or lint errors" if dry_run else "new validation or lint errors, left as it was"
    elif plan.state == "updated":
        verb = "would update" if dry_run else "updated"
    else:
        verb = "conflicts, written with markers" if written else "would conflict" if dry_run else \
            "conflicts, left as it was"
    click.echo(f"{name}: {verb}{moved}")
    if plan.changes:
        before = {p: e.data for p, e in plan.ours.items()}
        after = {p: e.data for p, e in plan.files.items()}
        change = compare_skill(plan.entry.path, before, after)
        if change is not None:
            click.echo("\n".join("  " + line for line in render([change], use_color()).splitlines()[1:]))
    for path, why in plan.conflicts.items():
        click.echo(f"  conflict {path or '(folder)'}: {why}")
    if plan.refusals:
        from git_skill.reporting import format_finding

        state = "written anyway (--force)" if force else "not written: review upstream's change, or pass --force"
        click.echo(f"  {len(plan.refusals)} new validation or lint error(s), {state}:")
        for finding in plan.refusals:
            click.echo(f"    {format_finding(finding)}")


@click.command("update")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--ref", default=None, help="Move to this ref (branch, tag, commit) instead of the recorded one.")
@click.option("--accept-conflicts", is_flag=True,
              help="Write conflicting merges with conflict markers and move the lock on (resolve them, then commit).")
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="Write an update even when it brings in new validation or lint errors.")
def command(names: tuple[str, ...], ref: str | None, accept_conflicts: bool, dry_run: bool, force: bool) -> None:
    """Fetch the upstream of each shared skill (NAME: folder name or lock path; default: all) and
    three-way merge its changes into the local copy, the locked commit's content being the base:
    local edits are kept, SKILL.md merges field by field and section by section, other text files
    line by line. A skill with conflicts is left as it was unless --accept-conflicts, and its lock
    entry only moves when it is written. Each skill is staged in a temporary folder and swapped
    in with the lock file, so nothing is ever half applied. An update that would bring in new
    validation or lint errors (upstream's suppressions ignored) is not written unless --force.
    Exit 1 when conflicts or such errors remain.
    """
    from git_skill.agents.links import keep_agents_in_step
    from git_skill.skills.discovery import configured_roots
    from git_skill.sharing.apply import FolderSwap
    from git_skill.sharing.library import require_in_roots, select_entries
    from git_skill.sharing.lockfile import lock_path, read_lock, write_lock
    from git_skill.workspace import RepositoryLock

    workspace = open_workspace()
    root = workspace.root
    with RepositoryLock(workspace) if not dry_run else nullcontext() as lock:  # read, merge and write as one step
        entries = read_lock(root)
        if not entries:
            raise GitSkillError("no shared skills: skills.lock is missing or empty (add some with 'git skill add')",
                                exit_codes.USAGE)
        chosen = select_entries(entries, names)
        if ref is not None and (len(names) != 1 or len(chosen) != 1):
            raise GitSkillError("--ref moves one skill: name it", exit_codes.USAGE)
        roots = configured_roots(workspace, ())
        for entry in chosen:
            require_in_roots(root / entry.path, roots)
        fetched: dict[Any, Any] = {}
        plans = [plan_update(entry, root, ref, fetched) for entry in chosen]
        updated = dict(entries)
        swap = FolderSwap(root, lock.journal if lock else None, (lock_path(root),))
        try:
            for plan in plans:
                if plan.new_entry is None or (plan.conflicts and not accept_conflicts):
                    continue
                if plan.changes:
                    plan.refusals = new_errors(plan, workspace)
                    if plan.refusals and not force:
                        continue
                updated[plan.entry.path] = plan.new_entry
                if plan.changes and not dry_run:
                    swap.stage(plan.destination, plan.files)
        except BaseException:
            swap.discard()
            raise
        if not dry_run and updated != entries:
            swap.commit(then=lambda: write_lock(root, updated))
            keep_agents_in_step(workspace)
    for plan in plans:
        _report(plan, dry_run, accept_conflicts, force)
    if not dry_run and updated != entries:
        from git_skill.workspace import say_next_step

        moved = [plan.destination for plan in plans if updated.get(plan.entry.path) is plan.new_entry]
        say_next_step(workspace, [*moved, lock_path(root), root / "AGENTS.md"],
                      f"Update shared skills: {', '.join(p.name for p in moved)}" if moved else "Update skills.lock")
    troubled = [p for p in plans if p.conflicts or p.state == "missing" or (p.refusals and not force)]
    raise SystemExit(exit_codes.FINDINGS if troubled else exit_codes.OK)
