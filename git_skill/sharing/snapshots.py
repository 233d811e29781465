"""Copies of plain-folder skills, kept so `update` has a base to merge against.

A git source keeps its history: the locked commit is the base of a 3-way merge. A plain
folder keeps none, so every time one is read, each skill in it is kept in the cache
(`<cache>/folders.git`, a bare repository) as a git tree named by the content digest that
skills.lock records. `update` merges against the tree the lock names. This is per machine:
in another clone, or after the cache is cleared, there is no base, and `update` takes a
plain folder's changes only while the local copy is unmodified.
"""

from __future__ import annotations

import re
from typing import Any

from git_skill.errors import GitSkillError
from git_skill.sharing.fetch import Files, cache_root, tree_files

STORE = "folders.git"
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")


def _reference(digest: str) -> str | None:
    return f"refs/folders/sha256-{digest[7:]}" if _DIGEST.fullmatch(digest) else None


def _open_store(create: bool) -> Any:
    import pygit2

    path = cache_root() / STORE
    if (path / "HEAD").exists():
        return pygit2.Repository(str(path))
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    return pygit2.init_repository(str(path), bare=True)


def _write_tree(repo: Any, files: Files) -> Any:
    import pygit2

    builder = repo.TreeBuilder()
    folders: dict[str, Files] = {}
    for path, entry in files.items():
        head, nested, rest = path.partition("/")
        if nested:
            folders.setdefault(head, {})[rest] = entry
        else:
            builder.insert(head, repo.create_blob(entry.data), entry.mode)
    for name, inside in folders.items():
        builder.insert(name, _write_tree(repo, inside), pygit2.GIT_FILEMODE_TREE)
    return builder.write()


def remember(files: Files, digest: str) -> None:
    """Keep one skill folder's files under its digest. Best effort: a cache that cannot be
    written costs only the base of a later merge, never the command at hand."""
    import pygit2

    reference = _reference(digest)
    if reference is None or not files:
        return
    try:
        repo = _open_store(create=True)
        if reference not in repo.references:
            repo.references.create(reference, _write_tree(repo, files), force=True)
    except (OSError, pygit2.GitError, GitSkillError, RecursionError):  # RecursionError: folders nested past Python's limit
        return


def recall(digest: str) -> Files | None:
    """The files kept under `digest`, or None when this machine has no copy (or an unreadable one)."""
    import pygit2

    reference = _reference(digest)
    if reference is None:
        return None
    try:
        repo = _open_store(create=False)
        if repo is None or reference not in repo.references:
            return None
        return tree_files(repo, repo[repo.references[reference].target])
    except (OSError, KeyError, pygit2.GitError, GitSkillError):
        return None
