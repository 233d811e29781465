"""The prompts and JSON schemas the model path sends, read from the package's data.

Their own module so the reply parser (`replies`), the content gate and the client (`model`)
all read them without importing one another.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from git_skill.resources import data_file

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"


def prompt(name: str, **values: str) -> str:
    """A prompt from git_skill/prompts/, with {placeholders} filled in."""
    template = (PROMPTS / f"{name}.md").read_text(encoding="utf-8")
    for key, value in values.items():
        template = template.replace("{" + key + "}", value)
    return template


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    return json.loads(data_file("schemas", f"{name}.schema.json").read_text(encoding="utf-8"))
