"""Render `git-skill.1` (roff) from the commands' own click help, so the man page cannot go stale.

The wheel's build hook (`hatch_build.py`) calls `render()` and ships the page under
`share/man/man1`; `man` finds it beside the virtual environment's `bin/`, and
`git skill --help` (which git turns into `man git-skill`) shows it.
"""

from __future__ import annotations

import datetime
import os
import re

import click

from git_skill import __version__

EXIT_STATUS = [
    ("0", "ok: no error-severity findings"),
    ("1", "the check said no (error findings; with --strict, warnings too), or conflicts remain"),
    ("2", "usage: unknown option, bad value, missing path, no repository where one is needed"),
    ("3", "unreadable or malformed input"),
    ("4", "refused to overwrite local changes"),
    ("5", "locked or busy"),
    ("6", "a shared source cannot be fetched; nothing changed"),
    ("70", "an internal error (a bug); --debug shows the traceback"),
    ("130", "interrupted"),
]


def escape(text: str) -> str:
    """Text as roff shows it literally: backslashes, hyphens, and a leading dot or quote."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return re.sub(r"^([.'])", r"\\&\1", text, flags=re.M)


def _paragraphs(help_text: str) -> list[str]:
    """click help as paragraphs: blank lines separate them; click's `\\b` (no rewrap) markers dropped."""
    cleaned = "\n".join(line for line in (help_text or "").splitlines() if line.strip() != "\b")
    return [" ".join(block.split()) for block in re.split(r"\n\s*\n", cleaned.strip()) if block.strip()]


def _date() -> str:
    """`SOURCE_DATE_EPOCH` when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc) if epoch and epoch.isdigit() else \
        datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%d")


def _options(command: click.Command, context: click.Context) -> list[str]:
    lines = []
    for param in command.get_params(context):
        record = None if isinstance(param, click.Argument) else param.get_help_record(context)
        if record is None:
            continue
        names, help_text = record
        lines += [".TP", f"\\fB{escape(names)}\\fR", escape(" ".join(help_text.split()))]
    return lines


def render() -> str:
    """The whole page: NAME, SYNOPSIS, DESCRIPTION, one COMMANDS subsection per command, EXIT STATUS."""
    from git_skill.cli import COMMANDS, cli

    root = click.Context(cli, info_name="git skill", help_option_names=["-h", "--help"])
    lines = [f'.TH GIT\\-SKILL 1 "{_date()}" "git\\-skill {escape(__version__)}" "Git Manual"',
             ".SH NAME",
             "git\\-skill \\- learn, check, diff, merge and share Agent Skills (SKILL.md) in git repositories",
             ".SH SYNOPSIS", ".B git skill", ".I COMMAND", "[\\fIOPTIONS\\fR] [\\fIARGUMENTS\\fR]",
             ".br", ".B git skill", "[\\fB\\-V\\fR | \\fB\\-\\-version\\fR] [\\fB\\-h\\fR] [\\fB\\-\\-debug\\fR]",
             ".SH DESCRIPTION"]
    for paragraph in _paragraphs(cli.help or ""):
        lines += [".PP", escape(paragraph)]
    lines += [".PP", escape("Each command below also prints its help with 'git skill COMMAND -h'.")]
    lines += [".SH OPTIONS", *_options(cli, root)]
    lines.append(".SH COMMANDS")
    for name, summary in COMMANDS.items():
        command = cli.get_command(root, name)
        assert command is not None
        context = click.Context(command, info_name=name, parent=root)
        usage = " ".join(command.collect_usage_pieces(context))
        lines += [f'.SS "git skill {escape(name)} {escape(usage)}"', escape(summary)]
        for paragraph in _paragraphs(command.help or ""):
            lines += [".PP", escape(paragraph)]
        lines += _options(command, context)
    lines.append(".SH EXIT STATUS")
    for code, meaning in EXIT_STATUS:
        lines += [".TP", f"\\fB{code}\\fR", escape(meaning)]
    lines += [".SH SEE ALSO", "\\fBgit\\fR(1); the project's README.md and docs/ folder"]
    return "\n".join(lines) + "\n"
