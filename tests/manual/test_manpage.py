"""The man page: rendered from the click help, built into the wheel, found by the real `man` after install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from git_skill.cli import COMMANDS
from git_skill.manual.manpage import escape, render
from tests.conftest import REPO_ROOT


def test_the_page_has_one_section_per_command_with_its_options() -> None:
    page = render()
    assert page.startswith(".TH GIT\\-SKILL 1")
    for name in COMMANDS:
        assert f'.SS "git skill {escape(name)} ' in page, name
    assert "\\fB\\-\\-accept\\-conflicts\\fR" in page and "\\fB\\-\\-from\\-hook [claude\\-code|codex]" in page
    assert ".SH EXIT STATUS" in page and "\\fB130\\fR" in page


def test_roff_escaping_keeps_text_literal() -> None:
    assert escape(".hidden\n'quote\na-b \\x") == "\\&.hidden\n\\&'quote\na\\-b \\ex"


# Under CI a missing `man` fails the test instead of skipping it: .ci/run installs man-db.
@pytest.mark.skipif(not shutil.which("man") and not os.environ.get("CI"), reason="man is not installed")
def test_man_finds_the_page_after_installing_the_wheel(tmp_path: Path) -> None:
    assert shutil.which("man"), "man is not installed; .ci/run installs man-db"
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                            "--wheel-dir", str(wheels), str(REPO_ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    [wheel] = wheels.glob("git_skill-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
    installed = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                                "--no-index", str(wheel)], capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}", "MANPAGER": "cat",
           "PAGER": "cat", "MANWIDTH": "100"}
    env.pop("MANPATH", None)  # man derives its search path from PATH, as it does for a user
    where = subprocess.run(["man", "-w", "git-skill"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()) == venv / "share" / "man" / "man1" / "git-skill.1"
    shown = subprocess.run(["git", "skill", "--help"], capture_output=True, text=True, env=env, cwd=tmp_path,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "GIT-SKILL(1)" in shown.stdout and "git skill link" in shown.stdout


def test_the_build_hooks_own_dependencies_are_enough_to_render_it(tmp_path: Path) -> None:
    """An isolated build installs only the hook's `dependencies` (click, PyYAML): a command module that
    imports anything else at load time would break every pip install of the project."""
    import click
    import yaml

    only = tmp_path / "site"
    only.mkdir()
    for package in (Path(click.__file__).parent, Path(yaml.__file__).parent):
        (only / package.name).symlink_to(package)
    script = "from git_skill.manual.manpage import render; print(render().count('.SS '))"
    rendered = subprocess.run([sys.executable, "-S", "-c", script], capture_output=True, text=True, timeout=120,
                              env={"PYTHONPATH": f"{REPO_ROOT}{os.pathsep}{only}", "PATH": os.environ["PATH"]})
    assert rendered.returncode == 0, rendered.stderr
    assert int(rendered.stdout) == len(COMMANDS)
    declared = (REPO_ROOT / "pyproject.toml").read_text()
    assert 'dependencies = ["click>=8.1", "pyyaml>=6.0"]' in declared
