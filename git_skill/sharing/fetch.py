"""Fetch shared skills into a cache and read them safely.

Git sources are fetched with the `git` binary (so the user's credential helpers, SSH keys
and `insteadOf` rules apply, and it never prompts) into a bare repository per source
under the cache folder, never into the user's repository. Their files are then read from
the commit's tree with pygit2. A local folder outside any repository is read directly.

Every file name read from upstream is checked: no `..`, no `.git`, no control characters,
no symbolic link that points outside the skill folder. Anything else is refused before a
single file is written.
"""

from __future__ import annotations

import hashlib
import math
import os
import posixpath
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from git_skill import exit_codes
from git_skill.skills.discovery import SKILL_FILE_NAMES
from git_skill.folders import remove_tree, walk
from git_skill.errors import GitSkillError
from git_skill.sharing.source import Source, display_url

FILE, EXECUTABLE, LINK = 0o100644, 0o100755, 0o120000
MAX_FILE_BYTES = 5 * 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\\]")
_FAILURE_HINTS = (
    (re.compile(r"Authentication failed|could not read Username|Permission denied|terminal prompts disabled", re.IGNORECASE),
     "authentication failed: set up a git credential helper or an SSH key for this host"),
    (re.compile(r"Could not resolve host|unable to access|Connection refused|timed out|Network is unreachable", re.IGNORECASE),
     "the host cannot be reached (network)"),
    (re.compile(r"couldn't find remote ref|not our ref|unadvertised object", re.IGNORECASE), "the ref does not exist upstream"),
    (re.compile(r"not found|does not appear to be a git repository|not a git repository", re.IGNORECASE),
     "no git repository there"),
)


class UpstreamRefused(GitSkillError):
    """Upstream content git-skill will not write (an unsafe file name, a link leaving the skill)."""


class UpstreamGone(GitSkillError):
    """The source is reachable but no longer holds the shared folder."""


@dataclass(frozen=True)
class Entry:
    data: bytes  # a file's bytes, or a symbolic link's target
    mode: int = FILE


Files = dict[str, Entry]  # POSIX path relative to the skill folder -> entry


def cache_root() -> Path:
    """`$GIT_SKILL_CACHE_DIR`, else `$XDG_CACHE_HOME/git-skill`, else `~/.cache/git-skill`, made absolute:
    git runs in other folders, where a relative path would name (and create) another cache. The CLI
    pins a relative GIT_SKILL_CACHE_DIR to the folder the run started in (`cli.main`)."""
    explicit = os.environ.get("GIT_SKILL_CACHE_DIR")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    root = Path(explicit or str(Path(base) / "git-skill")).expanduser().absolute()
    if root.exists() and not root.is_dir():
        variable = "GIT_SKILL_CACHE_DIR" if explicit else "XDG_CACHE_HOME"
        raise GitSkillError(f"the cache {root} is not a folder; point {variable} at a folder", exit_codes.USAGE)
    return root


def _fetch_timeout() -> float:
    raw = os.environ.get("GIT_SKILL_FETCH_TIMEOUT", "300")
    try:
        timeout = float(raw)
    except ValueError:
        timeout = -1.0
    if not (timeout > 0 and math.isfinite(timeout)):
        raise GitSkillError(f"GIT_SKILL_FETCH_TIMEOUT={raw!r} is not a positive number of seconds", exit_codes.USAGE)
    return timeout


def _git_env() -> dict[str, str]:
    env = dict(os.environ, GIT_TERMINAL_PROMPT="0", GIT_ASKPASS=os.environ.get("GIT_ASKPASS", "true"))
    env.setdefault("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")
    return env


def _run_git(args: list[str], cwd: Path, what: str) -> str:
    timeout = _fetch_timeout()
    try:
        done = subprocess.run(["git", *args], check=False, cwd=cwd, env=_git_env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        if not cwd.is_dir():  # subprocess says the same for a missing working folder as for a missing git
            raise GitSkillError(f"{what}: the folder {cwd} does not exist", exit_codes.BAD_INPUT) from None
        raise GitSkillError("the git executable is not on PATH; sharing needs it", exit_codes.UNAVAILABLE) from None
    except subprocess.TimeoutExpired:
        raise GitSkillError(f"{what}: git gave no answer in {timeout:.0f} s (GIT_SKILL_FETCH_TIMEOUT); nothing changed",
                            exit_codes.UNAVAILABLE) from None
    if done.returncode != 0:
        said = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        # git's first fatal/error line says what went wrong; its last is often advice ("and the repository exists.")
        detail = next((line for line in said if line.startswith(("fatal:", "error:"))), said[-1] if said else "git failed")
        detail = re.sub(r"[a-z][a-z0-9+.-]*://[^\s'\"]+", lambda m: display_url(m.group(0)), detail)
        hint = next((text for pattern, text in _FAILURE_HINTS if pattern.search(done.stderr)), None)
        raise GitSkillError(f"{what}: {hint + ' (' + detail.strip() + ')' if hint else detail.strip()}; nothing changed",
                            exit_codes.UNAVAILABLE)
    return done.stdout.strip()


@dataclass
class Upstream:
    """A git source fetched into its cache repository."""

    url: str
    cache: Path
    _repo: Any = None

    @property
    def repo(self) -> Any:
        import pygit2

        if self._repo is None:
            self._repo = pygit2.Repository(str(self.cache))
        return self._repo

    def fetch(self, ref: str) -> str:
        """Fetch `ref` (empty: upstream HEAD); return the full commit id. Raises on network or auth failure.
        A failure the cache itself caused (a damaged repository) is not upstream's: the cache is rebuilt
        and the fetch tried once more."""
        try:
            return self._fetch(ref)
        except GitSkillError:
            if not cache_damaged(self.cache):
                raise
        self.rebuild("the fetch failed on it")
        return self._fetch(ref)

    def rebuild(self, why: str) -> None:
        rebuild_cache(self.cache, why)
        self._repo = None

    def _fetch(self, ref: str) -> str:
        want = ref or "HEAD"
        scratch = f"refs/git-skill/fetching/{os.getpid()}"
        shown = f"cannot fetch {want} from {display_url(self.url)}"
        _run_git(["fetch", "--quiet", "--no-tags", "--depth=1", "--", self.url, f"+{want}:{scratch}"], self.cache, shown)
        commit = _run_git(["rev-parse", "--verify", "--quiet", f"{scratch}^{{commit}}"], self.cache, shown)
        _run_git(["update-ref", f"refs/git-skill/keep/{commit}", commit], self.cache, shown)
        _run_git(["update-ref", "-d", scratch], self.cache, shown)
        self._repo = None  # see the new objects
        return commit

    def ensure(self, commit: str) -> None:
        """Make sure a recorded commit is in the cache (fetched again if the cache was cleared)."""
        try:
            self.repo[commit]
            return
        except (KeyError, ValueError):
            pass
        try:
            self.fetch(commit)
        except GitSkillError as error:
            raise GitSkillError(f"the locked commit {commit[:12]} is not available: {error.message}",
                                error.exit_code) from None

    def files(self, commit: str, subpath: str) -> Files:
        """The files under `subpath` at `commit`, checked for unsafe names and links."""
        import pygit2

        tree = self.repo[commit].peel(pygit2.Tree)
        if subpath:
            try:
                node = tree[subpath]
            except KeyError:
                raise UpstreamGone(f"{display_url(self.url)} has no folder {subpath!r} at {commit[:12]}") from None
            if node.type_str != "tree":
                raise UpstreamGone(f"{display_url(self.url)}: {subpath!r} is a file, not a folder")
            tree = self.repo[node.id]
        return tree_files(self.repo, tree)


def tree_files(repo: Any, tree: Any) -> Files:
    """The files of a git tree, checked for unsafe names and links."""
    import pygit2

    files: Files = {}
    stack: list[tuple[Any, str]] = [(tree, "")]
    while stack:
        node, prefix = stack.pop()
        for item in node:
            path = check_upstream_name(prefix + item.name)
            if item.type_str == "tree":
                stack.append((repo[item.id], path + "/"))
            elif item.type_str == "blob":
                mode = LINK if item.filemode == pygit2.GIT_FILEMODE_LINK else (
                    EXECUTABLE if item.filemode == pygit2.GIT_FILEMODE_BLOB_EXECUTABLE else FILE)
                files[path] = Entry(repo[item.id].data, mode)
            # submodules (commit entries) hold no files of their own: skipped
    return check_links(files)


def cache_damaged(cache: Path) -> bool:
    """Can the cache repository not be opened, or one of its references not be read? (A failed fetch
    into a sound cache is upstream's failure; into a damaged one, the cache's.)"""
    import pygit2

    try:
        repo = pygit2.Repository(str(cache))
        for name in repo.references:
            repo.references[name].peel(pygit2.Commit).tree
    except (pygit2.GitError, KeyError, ValueError, OSError):
        return True
    return not _git_can_read(cache)


def _git_can_read(cache: Path) -> bool:
    try:
        done = subprocess.run(["git", "--git-dir", str(cache), "rev-parse", "--git-dir"], capture_output=True,
                              stdin=subprocess.DEVNULL, env=_git_env(), timeout=_fetch_timeout(), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return True  # git itself is missing or stuck: not the cache's fault
    return done.returncode == 0


def rebuild_cache(cache: Path, why: str) -> None:
    """Replace a damaged cache repository by an empty one (it holds only copies of upstream content)."""
    import sys

    print(f"git-skill: the cache {cache} was damaged ({why}); rebuilding it", file=sys.stderr)
    remove_tree(cache, ignore_errors=True)
    _run_git(["init", "--quiet", "--bare", str(cache)], cache.parent, f"cannot create the cache {cache}")


def open_upstream(url: str) -> Upstream:
    """The cache repository for `url` (created on first use, rebuilt when it cannot be opened)."""
    cache = cache_root() / "repos" / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".git")
    if (cache / "HEAD").exists() and not _opens(cache):
        rebuild_cache(cache, "it cannot be opened")
    if not (cache / "HEAD").exists():
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise GitSkillError(f"cannot create the cache {cache.parent}: {error.strerror or error}",
                                exit_codes.BAD_INPUT) from None
        _run_git(["init", "--quiet", "--bare", str(cache)], cache.parent, f"cannot create the cache {cache}")
    return Upstream(url, cache)


def _opens(cache: Path) -> bool:
    import pygit2

    try:
        pygit2.Repository(str(cache))
    except (pygit2.GitError, OSError):
        return False
    return True


def check_upstream_name(path: str) -> str:
    """Refuse a path from upstream that could write outside its folder or into git's."""
    parts = path.split("/")
    for part in parts:
        if part in ("", ".", "..") or part.lower() == ".git" or _UNSAFE.search(part):
            raise UpstreamRefused(f"upstream file name {path!r} is unsafe (empty, '.', '..', '.git', backslash or "
                                "control character); refused, nothing written")
    return path


def check_links(files: Files) -> Files:
    """Refuse symbolic links whose target leaves the folder they were read from."""
    for path, entry in files.items():
        if entry.mode != LINK:
            continue
        target = entry.data.decode("utf-8", "replace")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        if target.startswith("/") or resolved == ".." or resolved.startswith("../"):
            raise UpstreamRefused(f"upstream symbolic link {path!r} points outside the skill ({target}); refused, "
                                "nothing written")
    return files


def read_folder(folder: Path) -> Files:
    """The files of a local folder (links kept as links, never followed; `.git` skipped)."""
    files: Files = {}
    for base, dirs, names in walk(folder):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in list(dirs):
            if os.path.islink(os.path.join(base, name)):  # a linked folder is one link entry
                dirs.remove(name)
                names.append(name)
        for name in names:
            path = Path(base) / name
            relative = path.relative_to(folder).as_posix()
            if path.is_symlink():
                files[relative] = Entry(os.readlink(path).encode("utf-8"), LINK)
            elif path.is_file():
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise GitSkillError(f"{path} is larger than 5 MB; skills hold small files")
                mode = EXECUTABLE if os.access(path, os.X_OK) else FILE
                files[relative] = Entry(path.read_bytes(), mode)
    return files


def skill_folders(files: Files) -> list[str]:
    """The outermost skill folders among `files` ("" when the folder itself is a skill)."""
    if any(name in files for name in SKILL_FILE_NAMES):
        return [""]
    folders = sorted({p.rsplit("/", 1)[0] for p in files if "/" in p and p.rsplit("/", 1)[1] in SKILL_FILE_NAMES},
                     key=lambda f: (f.count("/"), f))
    outermost: list[str] = []
    for folder in folders:
        if not any(folder.startswith(o + "/") for o in outermost):
            outermost.append(folder)
    return sorted(outermost)


def within(files: Files, folder: str) -> Files:
    """The part of `files` under `folder`, re-rooted there."""
    if not folder:
        return dict(files)
    prefix = folder + "/"
    return {p[len(prefix):]: e for p, e in files.items() if p.startswith(prefix)}


def local_repository(path: Path) -> tuple[Path, str] | None:
    """(work tree, path inside it) when `path` lies in a git repository's work tree."""
    import pygit2

    found = pygit2.discover_repository(str(path))
    if found is None:
        return None
    repo = pygit2.Repository(found)
    if repo.workdir is None:
        return None
    top = Path(repo.workdir).resolve()
    inside = path.resolve().relative_to(top).as_posix()
    return top, "" if inside == "." else inside


def resolve_local(source: Source, root: Path) -> Source:
    """A local folder inside a git repository becomes that repository plus a subpath."""
    folder = source.local_path(root)
    if folder is None:
        return source
    found = local_repository(folder)
    if found is None:
        return source
    top, inside = found
    location = str(top) if Path(source.location).is_absolute() else Path(os.path.relpath(top, root.resolve())).as_posix()
    subpath = "/".join(p for p in (inside, source.subpath) if p)
    return Source(location, subpath, source.ref)


_REVISION_SYNTAX = re.compile(r"[~^]")  # HEAD~1, v2^: a revision expression, not a ref name


def is_revision_expression(ref: str) -> bool:
    return bool(_REVISION_SYNTAX.search(ref))


def fetchable_ref(wanted: str, source: Source, root: Path) -> str:
    """What to ask upstream for. A ref name or commit id goes as given; a revision expression
    (`HEAD~1`, `v2^`) is resolved in a local repository to its commit id, and refused for a
    remote one, which only answers for names and full commit ids."""
    if not is_revision_expression(wanted):
        return wanted
    folder = source.local_path(root)
    if folder is None:
        raise GitSkillError(f"{wanted!r} is a revision expression; a remote repository can only be asked for a "
                            "branch, tag or full commit id (a local repository given by its path takes "
                            "revision expressions)", exit_codes.USAGE)
    import pygit2

    try:
        repo = pygit2.Repository(pygit2.discover_repository(str(folder)))
        return str(repo.revparse_single(wanted).peel(pygit2.Commit).id)
    except (KeyError, ValueError, TypeError, pygit2.GitError):
        raise GitSkillError(f"{wanted!r}: no such commit in {folder}", exit_codes.USAGE) from None


def is_git_source(source: Source, root: Path) -> bool:
    folder = source.local_path(root)
    if folder is None:
        return True
    return folder.is_dir() and local_repository(folder) is not None  # a deleted folder is no repository


def fetch_url(source: Source, root: Path) -> str:
    folder = source.local_path(root)
    return folder.as_uri() if folder is not None else source.location
