"""Skills written to order and linted, for the lint tests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli


GOOD = "Format Python files with the project's configured tools. Use when a style check fails."


CLEAN_BODY = "# Formatting\n\n## Steps\n\n1. Run `ruff format` on changed files.\n2. Run `ruff check`.\n\n## Verify\n\n- CI passes.\n"


def make(root: Path, name: str, body: str = CLEAN_BODY, description: str = GOOD,
         files: dict[str, str | bytes] | None = None) -> Path:
    folder = root / "skills" / name
    folder.mkdir(parents=True)
    (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: {description}\n---\n\n{body}", encoding="utf-8")
    for relative, content in (files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def lint(root: Path, *args: str) -> tuple[int, list[dict]]:
    result = run_cli("lint", "--format", "json", *args, cwd=root)
    return result.code, json.loads(result.out)["findings"]


def rules_of(findings: list[dict]) -> set[str]:
    return {f["rule"] for f in findings}
