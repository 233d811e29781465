"""The entry point: reachable as `git skill`, fast paths import nothing heavy, errors never show tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from git_skill import __version__

from .conftest import env_with_git_skill, run_cli, write_skill


def test_git_runs_the_plugin_from_a_subfolder(repo: Path) -> None:
    write_skill(repo / ".claude/skills", "my-skill")
    sub = repo / "a" / "b"
    sub.mkdir(parents=True)
    result = subprocess.run(["git", "skill", "validate"], cwd=sub, capture_output=True, text=True, env=env_with_git_skill())
    assert result.returncode == 0, result.stderr
    assert "../../.claude/skills/my-skill/SKILL.md" not in result.stdout  # clean: no findings printed
    assert "1 skill checked" in result.stdout


def test_version_and_bare_help() -> None:
    assert run_cli("--version", cwd=Path.cwd()).out.strip() == f"git-skill {__version__}"
    bare = run_cli(cwd=Path.cwd())
    assert bare.code == 0 and "Commands:" in bare.out and "validate" in bare.out


def test_every_command_has_help() -> None:
    from git_skill.cli import COMMANDS

    for name in COMMANDS:
        result = run_cli(name, "-h", cwd=Path.cwd())
        assert result.code == 0 and "Usage: git skill " + name in result.out


def test_unknown_command_is_a_usage_error() -> None:
    result = run_cli("frobnicate", cwd=Path.cwd())
    assert result.code == 2 and "No such command" in result.err


def imported_modules(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_version_imports_neither_git_nor_schema_nor_model_stack() -> None:
    modules = imported_modules(
        "from git_skill.cli import cli\ntry:\n    cli.main(['--version'], standalone_mode=False)\nexcept SystemExit: pass"
    )
    assert not {"pygit2", "jsonschema", "litellm", "git_skill.commands.validate"} & modules


@pytest.mark.parametrize("command", ["validate", "lint"])
def test_hook_commands_never_import_the_learning_stack(tmp_path: Path, command: str) -> None:
    write_skill(tmp_path, "my-skill")
    write_skill(tmp_path, "my-other-skill")  # two skills, so lint's near-duplicate check runs
    modules = imported_modules(
        f"import os\nos.chdir({str(tmp_path)!r})\nfrom git_skill.cli import cli\n"
        f"try:\n    cli.main([{command!r}, '.'], standalone_mode=False)\nexcept SystemExit: pass"
    )
    assert f"git_skill.commands.{command}" in modules
    assert not {m for m in modules if m.split(".")[0] in {"litellm", "openai", "httpx", "requests", "tiktoken"}}
    assert not {m for m in modules if m.startswith(("git_skill.learning", "git_skill.transcripts"))}


def test_interrupt_and_internal_errors_are_one_line(tmp_path: Path) -> None:
    code = (
        "import git_skill.commands.validate as v\n"
        "def boom(*a, **k):\n    raise RuntimeError('kaboom')\n"
        "v.open_workspace = boom\n"
        "from git_skill.cli import main\nmain(['validate'])"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 70
    assert "internal error: RuntimeError: kaboom" in result.stderr and "Traceback" not in result.stderr
