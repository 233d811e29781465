"""The shared skills of a repository: loading a source's files at a commit, and picking lock
entries by name. What `add`, `update`, `status` and `diff` have in common.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from git_skill import exit_codes
from git_skill.digests import files_digest
from git_skill.skills.discovery import is_inside
from git_skill.errors import GitSkillError
from git_skill.findings import Finding, Severity
from git_skill.sharing.fetch import (
    LINK,
    Files,
    Upstream,
    UpstreamGone,
    UpstreamRefused,
    check_links,
    fetch_url,
    fetchable_ref,
    is_git_source,
    is_revision_expression,
    open_upstream,
    read_folder,
    skill_folders,
    within,
)
from git_skill.sharing.lockfile import LockEntry
from git_skill.sharing.snapshots import recall, remember
from git_skill.sharing.source import Source, check_relative_path
from git_skill.workspace import Workspace


@dataclass
class Snapshot:
    """A source's files at one commit ("" for a plain folder, which has no commits)."""

    files: Files
    commit: str
    upstream: Upstream | None = None


def content_digest(files: Files) -> str:
    """Harbor's folder digest of the regular files (links are not content, as in `folder_digest`)."""
    return files_digest({path: entry.data for path, entry in files.items() if entry.mode != LINK})


def load_source(source: Source, root: Path, ref: str | None = None,
                fetched: dict[tuple[str, str], tuple[Upstream, str] | GitSkillError] | None = None) -> Snapshot:
    """Fetch a git source at `ref` (default: the source's own ref) or read a plain folder.
    `fetched` remembers, for one command, what each URL and ref resolved to: many skills from
    one collection cost one fetch."""
    wanted = source.ref if ref is None else ref
    if is_git_source(source, root):
        url = fetch_url(source, root)
        known = fetched.get((url, wanted)) if fetched is not None else None
        if isinstance(known, GitSkillError):
            raise known  # one failure per source is enough (a timeout would otherwise repeat per skill)
        if known is not None:
            upstream, commit = known
        else:
            upstream = open_upstream(url)
            try:
                commit = upstream.fetch(fetchable_ref(wanted, source, root))
            except GitSkillError as error:
                if fetched is not None:
                    fetched[(url, wanted)] = error
                raise
            if fetched is not None:
                fetched[(url, wanted)] = (upstream, commit)
        return Snapshot(cached_files(upstream, commit, source.subpath, fetchable_ref(wanted, source, root)),
                        commit, upstream)
    folder = source.local_path(root)
    assert folder is not None
    if not folder.is_dir():
        raise GitSkillError(f"{source.location}: the source folder no longer exists (moved or deleted?)",
                            exit_codes.UNAVAILABLE)
    if wanted:
        raise GitSkillError(f"{source.location} is a plain folder, not a git repository: it has no ref {wanted!r}",
                            exit_codes.USAGE)
    target = folder / source.subpath if source.subpath else folder
    if not target.is_dir():
        raise UpstreamGone(f"{source.describe()}: no such folder")
    files = check_links(read_folder(target))
    for skill_folder in skill_folders(files):  # kept as bases for a later update's merge
        skill = within(files, skill_folder)
        remember(skill, content_digest(skill))
    return Snapshot(files, "")


def cached_files(upstream: Upstream, commit: str, subpath: str, ref: str) -> Files:
    """The files at `commit`; an object the cache cannot read (a damaged cache, not upstream's fault)
    rebuilds the cache and fetches once more."""
    import pygit2

    try:
        return upstream.files(commit, subpath)
    except (pygit2.GitError, KeyError, ValueError) as error:
        if isinstance(error, GitSkillError):
            raise
        upstream.rebuild(f"cannot read {commit[:12]}: {error}")
        upstream.fetch(ref or commit)
        return upstream.files(commit, subpath)


def upstream_failure(error: GitSkillError) -> str:
    """What a failed read of upstream says about it: unreachable (exit 6), refused (unsafe content),
    gone (the folder left upstream), or unreadable (anything else; the error says what)."""
    if error.exit_code == exit_codes.UNAVAILABLE:
        return "unreachable"
    return "refused" if isinstance(error, UpstreamRefused) else "gone" if isinstance(error, UpstreamGone) else "unreadable"


def recorded_ref(requested: str, commit: str) -> str:
    """The ref a lock entry records: as requested, except that a relative revision (`HEAD~1`)
    is pinned to the commit it named, since what it names moves with upstream."""
    return commit if requested and is_revision_expression(requested) else requested


def base_files(entry: LockEntry, snapshot: Snapshot) -> Files | None:
    """The upstream content the local copy started from: the locked commit's, or for a plain
    folder the copy kept on this machine (None when there is none)."""
    if snapshot.upstream is None or not entry.commit:
        kept = recall(entry.digest)
        return kept if kept is not None and content_digest(kept) == entry.digest else None
    snapshot.upstream.ensure(entry.commit)
    return snapshot.upstream.files(entry.commit, entry.subpath)


def select_entries(entries: dict[str, LockEntry], names: tuple[str, ...]) -> list[LockEntry]:
    """Entries named by folder name or lock path; all of them when no name is given."""
    if not names:
        return [entries[path] for path in sorted(entries)]
    chosen: list[LockEntry] = []
    for name in names:
        normal = check_relative_path(name.rstrip("/"), "name")
        matches = [e for e in entries.values() if normal in (e.path, e.name)]
        if not matches:
            known = ", ".join(sorted(e.name for e in entries.values())) or "none"
            raise GitSkillError(f"{name}: not a shared skill in skills.lock (shared: {known})", exit_codes.USAGE)
        chosen += [m for m in matches if m not in chosen]
    return chosen


def require_in_roots(folder: Path, roots: list[Path]) -> None:
    """Refuse a lock entry that names a folder outside every skills root (a lock file is shared text)."""
    if not any(is_inside(folder, root.resolve()) and folder.resolve() != root.resolve() for root in roots):
        raise GitSkillError(f"skills.lock names {folder}, which is not inside a skills root "
                            f"({', '.join(str(r) for r in roots)}); refused", exit_codes.REFUSED)


def incoming_errors(files: Files, display: str, workspace: Workspace, validate: bool = True) -> list[Finding]:
    """Errors in a skill's files arriving from elsewhere, checked in a scratch folder outside
    the repository before anything is written: validation under the repository's profile
    (`git config skill.profile`), unless `validate` is off, and lint. A shared skill is a
    stranger's instructions, so its inline suppressions count for nothing (docs/security.md); the
    repository's own lint configuration applies."""
    import tempfile

    from git_skill.skills.discovery import SKILL_FILE_NAMES
    from git_skill.lint import lint_skill
    from git_skill.lint.config import load
    from git_skill.options import resolve_profile
    from git_skill.sharing.apply import write_files
    from git_skill.skills.skill import read_skill_file
    from git_skill.skills.validation import validate_skill

    name = next((n for n in SKILL_FILE_NAMES if n in files), None)
    if name is None:
        return []
    root = workspace.root
    with tempfile.TemporaryDirectory(prefix="git-skill-incoming-") as scratch:
        folder = Path(scratch) / display.rsplit("/", 1)[-1]
        folder.mkdir()
        write_files(folder, files)
        skill = read_skill_file(folder / name, f"{display}/{name}")
        findings = validate_skill(skill, resolve_profile(workspace, None)) if validate else []
        findings += lint_skill(skill, folder, load(root), root, display, imported=True)
    from git_skill.sharing.fetch import LINK
    from git_skill.skills.discovery import loop_finding, looping_links

    links = {path: entry.data.decode("utf-8", "replace") for path, entry in files.items() if entry.mode == LINK}
    findings += [loop_finding(f"{display}/{path}") for path in looping_links(links)]  # validate would refuse it
    return [f for f in findings if f.severity == Severity.ERROR]
