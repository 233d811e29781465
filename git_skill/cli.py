"""The `git-skill` entry point: a click group whose subcommands load only when called.

Each subcommand lives in `git_skill/commands/<name>.py` and exposes `command`. The
registry below carries each command's one-line help, so `git skill -h` and
`--version` import no command module (and never pygit2, jsonschema or litellm).
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from git_skill import __version__, exit_codes
from git_skill.errors import GitSkillError
from git_skill.stopping import hand_git_the_interrupt, handle_stopping_signals, signalled_after_commit, stopping

INTERNAL_ERROR = 70

COMMANDS: dict[str, str] = {
    "learn": "Learn a skill from an agent session and its feedback (built-in distiller, no API key).",
    "validate": "Check skills against the Agent Skills schema (exit 1 on errors).",
    "lint": "Check skill content: discoverability, structure, links, leaks, safety (exit 1 on errors).",
    "list": "List skills with their descriptions and approximate token costs.",
    "usage": "Count which skills agents loaded in recorded sessions and trials, and which they never load.",
    "digest": "Print the redacted, budgeted digest of an agent session (what a model would see).",
    "diff": "Compare skills between revisions, the work tree and folders, field by field and section by section.",
    "merge": "Three-way merge of one SKILL.md, section by section (exit 1 on conflicts).",
    "merge-driver": "The git merge driver for SKILL.md (git calls it; see install --merge-driver).",
    "add": "Copy shared skills from another repository or folder and record them in skills.lock.",
    "update": "Bring shared skills up to date: three-way merge of upstream changes, local edits kept.",
    "status": "Show each shared skill: up to date, locally modified, upstream ahead, or both.",
    "remove": "Stop sharing skills: delete their folders (or keep them as your own) and their skills.lock entries.",
    "compare": "Compare benchmark runs with and without skills: paired per-task statistics (pass rate, cost, CI).",
    "install": "Set up this repository: the pre-commit hook, and the SKILL.md merge driver.",
    "link": "Expose the skills to agents that read other folders (links or copies), kept in step.",
    "index": "Write the list of skills into a managed block of AGENTS.md (--check: exit 1 when stale).",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module = importlib.import_module(f"git_skill.commands.{cmd_name.replace('-', '_')}")
        return module.command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))


@click.group(
    cls=LazyGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Run 'git skill COMMAND -h' for a command's options; 'git skill --help' opens the man page git-skill(1). "
    "Exit codes: 0 ok, 1 findings, 2 usage, 3 bad input, 4 refused, 5 locked, 6 source unavailable, 130 interrupted.",
)
@click.version_option(__version__, "-V", "--version", prog_name="git-skill", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, envvar="GIT_SKILL_DEBUG", help="Show tracebacks for unexpected errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """git skill: learn, check, diff and merge Agent Skills (SKILL.md) in git repositories."""
    ctx.ensure_object(dict)["debug"] = debug
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def _debug_first(args: list[str]) -> list[str]:
    """`git skill learn … --debug` read as `git skill --debug learn …`: users put flags after the
    subcommand. Only before a `--`, after which every word is an argument."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args
    return ["--debug", *(word for word in args[:end] if word != "--debug"), *args[end:]]


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI; every failure becomes one message and a documented exit code."""
    handle_stopping_signals()
    argv = _debug_first(list(argv if argv is not None else sys.argv[1:]))
    debug = "--debug" in argv or bool(os.environ.get("GIT_SKILL_DEBUG"))
    _pin_cache_dir()
    try:
        code = cli.main(args=argv, prog_name="git skill", standalone_mode=False)
    except GitSkillError as error:
        _say(f"git-skill: error: {error.message}")
        code = error.exit_code
    except click.exceptions.Abort:
        _say("git-skill: interrupted")
        code = exit_codes.INTERRUPTED
    except click.ClickException as error:
        error.show()
        code = exit_codes.USAGE if error.exit_code in (1, 2) else error.exit_code
    except click.exceptions.Exit as stop:
        code = stop.exit_code
    except SystemExit as stop:  # a command's own exit code (raise SystemExit(1)): its output is flushed too
        code = stop.code if isinstance(stop.code, int) else exit_codes.OK if stop.code is None else exit_codes.USAGE
    except KeyboardInterrupt:
        _say("git-skill: interrupted")
        code = exit_codes.INTERRUPTED
    except BrokenPipeError:
        _drop_output()
        code = exit_codes.OK
    except Exception as error:  # a bug: say so plainly, traceback only on request
        code = _unexpected(error, debug)
    code = code if isinstance(code, int) else exit_codes.OK
    if signalled_after_commit():
        _say("git-skill: a stop signal arrived after the work was recorded; the run finished it first")
    code = _flush_output(code)
    if code == exit_codes.INTERRUPTED:
        hand_git_the_interrupt()
    sys.exit(code)


def _unexpected(error: Exception, debug: bool) -> int:
    """The exit code of an error no command turned into a GitSkillError: interrupted, the input's fault, or a bug."""
    if debug:
        traceback.print_exc()
    if stopping.is_set():  # the interrupt landed inside an import or a library and came out as another error
        _say("git-skill: interrupted")
        return exit_codes.INTERRUPTED
    known = _bad_input(error)
    if known:
        if isinstance(error, OSError) and error.filename is None:
            _drop_output()  # most often stdout itself (a full disk, /dev/full): what is left of it cannot be written
        _say(f"git-skill: error: {known[0]}")
        return known[1]
    _say(f"git-skill: internal error: {type(error).__name__}: {error} (rerun with --debug for details)")
    return INTERNAL_ERROR


def _say(line: str) -> None:
    """One line on stderr; a stderr that cannot be written (closed, a full disk) loses it, nothing more."""
    try:
        click.echo(line, err=True)
    except (OSError, ValueError):
        pass


def _drop_output() -> None:
    """Send what is left of stdout to /dev/null, so the interpreter's last flush cannot fail on it."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a file (in-process callers): nothing to flush later
        pass


def _flush_output(code: int) -> int:
    """Write out what stdout still buffers: a full disk or `/dev/full` is exit 3 with a message, never a
    traceback at exit; a reader that went away (`| head`) is not an error."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _drop_output()
    except OSError as error:
        _drop_output()
        _say(f"git-skill: error: cannot write the output: {error.strerror or error}")
        return exit_codes.BAD_INPUT if code in (exit_codes.OK, exit_codes.FINDINGS) else code
    return code


def _pin_cache_dir() -> None:
    """Resolve a relative GIT_SKILL_CACHE_DIR once, against the folder the run started in: git and
    worker processes run in other folders and inherit the absolute path."""
    setting = os.environ.get("GIT_SKILL_CACHE_DIR")
    if setting and not os.path.isabs(os.path.expanduser(setting)):
        os.environ["GIT_SKILL_CACHE_DIR"] = os.path.abspath(os.path.expanduser(setting))


def _bad_input(error: Exception) -> tuple[str, int] | None:
    """The message and documented exit code for an error that is the input's fault, not a bug: an I/O
    error (a full disk, a full or closed stdout) or a repository git cannot read (3), a path holding a
    NUL byte (2).

    Commands turn the errors they expect into GitSkillError; this catches the rest of the
    class (a disk that fails mid-read, an object missing from a damaged repository).
    """
    pygit2 = sys.modules.get("pygit2")
    if pygit2 is not None and isinstance(error, pygit2.GitError):
        return f"cannot read the git repository: {str(error).strip(chr(34))} (git fsck may say more)", exit_codes.BAD_INPUT
    if isinstance(error, OSError) and error.filename is not None:
        return f"cannot read or write {error.filename}: {error.strerror or error}", exit_codes.BAD_INPUT
    if isinstance(error, OSError):  # a write to stdout, a pipe or an open file: a full disk, an I/O error
        return f"cannot read or write: {error.strerror or error}", exit_codes.BAD_INPUT
    if isinstance(error, ValueError) and "embedded null" in str(error):  # os.stat and open refuse such paths
        return "a path argument holds a NUL byte", exit_codes.USAGE
    return None
