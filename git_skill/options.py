"""Options several commands share, and how their defaults come from git config."""

from __future__ import annotations

import sys
from typing import Any, Callable

import click

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.skills.profiles import DEFAULT_PROFILE, PROFILES, Profile, get_profile
from git_skill.workspace import Workspace


def skills_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--skills-dir", "skills_dirs", multiple=True, metavar="DIR",
        help="A skills root to use instead of the defaults (repeatable; default from 'git config skill.dir').",
    )(command)


def context_window_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--context-window", "context_window", type=click.IntRange(min=1), default=None, metavar="TOKENS",
        help="The agent's context window, for listing budgets that are a share of it (default from "
        "'git config skill.listingContextWindow', else 200000).",
    )(command)


def profile_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--profile", type=click.Choice(list(PROFILES)), default=None,
        help=f"Rules to apply (default from 'git config skill.profile', else {DEFAULT_PROFILE}).",
    )(command)


def resolve_profile(workspace: Workspace, chosen: str | None) -> Profile:
    name = chosen or workspace.config("skill.profile") or DEFAULT_PROFILE
    try:
        return get_profile(name)
    except GitSkillError:
        if chosen:
            raise
        raise GitSkillError(f"git config skill.profile is {name!r}; choose one of: {', '.join(PROFILES)}",
                            exit_codes.USAGE) from None


def use_color() -> bool:
    """Colour on a terminal unless NO_COLOR is set to something (no-color.org: an empty value does not count)."""
    import os

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
