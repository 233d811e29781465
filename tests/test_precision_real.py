"""The reviewed list of every finding on the real corpora in ../shared/fixtures (bench/bench_precision.py).

Each entry was read in its file and judged; together they are everything the redactor and lint report
there. A new finding (a false positive until someone reviews it) or a vanished one fails this test. No
fixture text is kept here: only where a finding is, what it is, and why it stands.
"""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter

from tests.conftest import REPO_ROOT, SHARED_FIXTURES, requires_shared

LETTA, VERCEL = "skills/letta-code", "skills/vercel-labs"
MISSING_FILES = "prose names a file the folder does not ship (a true observation, hence a warning)"

# ((what, path, rule or kind, severity or confidence), lines, why it stands)
REVIEWED: list[tuple[tuple[str, str, str, str], list[int], str]] = [
    (("lint", f"{LETTA}/dispatching-coding-agents/SKILL.md", "config-poisoning", "error"), [117, 124, 131, 139, 145],
     ("tells the agent to start Claude Code with --dangerously-skip-permissions: every tool call of the sub-agent "
      "runs unapproved; a reviewer must decide (the one error left, justified in docs/lint.md)")),
    (("lint", f"{LETTA}/context-doctor/SKILL.md", "description-no-trigger", "warning"), [4],
     "the description says what the skill does, never when to use it"),
    (("lint", f"{LETTA}/initializing-memory/SKILL.md", "body-line-budget", "warning"), [5], "721 lines"),
    (("lint", f"{LETTA}/initializing-memory/SKILL.md", "body-token-budget", "warning"), [5], "about 10,700 tokens"),
    (("lint", f"{LETTA}/self-configuration/SKILL.md", "body-token-budget", "warning"), [6], "about 5,700 tokens"),
    (("lint", f"{LETTA}/creating-skills/SKILL.md", "reference-missing", "warning"),
     [77, 86, 86, 86, 86, 97, 97, 97, 97, 241, 246, 251], "hypothetical scripts/, references/ and assets/ given as examples"),
    (("lint", f"{LETTA}/customizing-statusline/SKILL.md", "reference-missing", "warning"), [34], MISSING_FILES),
    (("lint", f"{LETTA}/generating-mod-envs/SKILL.md", "reference-missing", "warning"), [10, 32, 40],
     "scripts that live in the Letta Code repository, not in the skill"),
    (("lint", f"{LETTA}/self-configuration/SKILL.md", "reference-missing", "warning"), [444, 445, 446, 447], MISSING_FILES),
    (("lint", f"{LETTA}/customizing-commands/SKILL.md", "cross-skill-link", "warning"), [8, 87, 88, 89, 90],
     "points into the sibling skill creating-mods: works in the collection, breaks when shared alone"),
    (("lint", f"{LETTA}/converting-mcps-to-skills/references/skill-templates.md", "example-credential", "warning"), [56],
     "a template exports an API key set to a 'your-…' stand-in"),
    (("redaction", f"{LETTA}/converting-mcps-to-skills/references/skill-templates.md", "secret-assignment", "low"), [56],
     "the same stand-in: redacted before a model, low confidence, never searched for elsewhere"),
    (("lint", f"{VERCEL}/vercel-cli-with-tokens/SKILL.md", "example-credential", "warning"), [61, 64],
     "a documented bad/good pair with an abc123-style token"),
    (("redaction", f"{VERCEL}/vercel-cli-with-tokens/SKILL.md", "secret-assignment", "low"), [61, 64],
     "the same example token, found once as --token VALUE and once as an assignment, judged alike"),
    (("lint", f"{LETTA}/self-configuration/SKILL.md", "listing-budget", "warning"), [2],
     "the 22 Letta Code skills together overflow Codex's 5,440-character listing (true: what the rule is for)"),
    (("lint", f"{VERCEL}/deploy-to-vercel/Archive.zip", "bundled-archive", "warning"), [1],
     "a zip of an older SKILL.md and the two scripts the skill ships unpacked; lint read every member"),
]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_precision", REPO_ROOT / "bench" / "bench_precision.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@requires_shared
def test_every_finding_on_the_real_corpora_is_reviewed() -> None:
    found = Counter(find.key for find in _bench().collect(SHARED_FIXTURES))
    reviewed = Counter((what, path, line, rule, detail) for (what, path, rule, detail), lines, _ in REVIEWED for line in lines)
    assert found - reviewed == Counter(), "new findings: review them and add them here with a reason"
    assert reviewed - found == Counter(), "findings gone: remove them from the reviewed list"


@requires_shared
def test_no_high_confidence_secret_is_left_on_the_real_corpora() -> None:
    """None of these corpora holds a real secret: everything found there is an example (low confidence)."""
    assert not [entry for entry in REVIEWED if entry[0][0] == "redaction" and entry[0][3] == "high"]
    assert not [entry for entry in REVIEWED if entry[0][2] == "secret"]
