"""Benchmark: validate N generated skills with git-skill and with skills-ref, side by side.

    python bench/bench_validate.py [--skills 1000] [--repeat 3]

Prints a Markdown table (the README's figures come from it). Measured in one run:
- `git skill validate DIR`: one process for all skills (what a hook or CI runs);
- skills-ref's CLI once per skill (`agentskills validate DIR`, as a per-file hook would);
- skills-ref's Python API in one process, and ours in one process;
- `git skill lint DIR` over the same skills, one process;
- `git skill --version` wall time (the start-up floor of every command).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def generate(root: Path, count: int, seed: int = 7) -> list[Path]:
    """Realistic skills: varied descriptions and bodies, about one in ten invalid."""
    rng = random.Random(seed)
    words = ("parse", "deploy", "migrate", "lint", "test", "profile", "package", "review", "debug", "index")
    folders = []
    for i in range(count):
        name = f"{rng.choice(words)}-{rng.choice(words)}-{i}"
        folder = root / name
        folder.mkdir(parents=True)
        description = f"{name.replace('-', ' ').capitalize()} for Python projects. Use when the task needs it." * rng.randint(1, 4)
        extra = "license: MIT\nmetadata:\n  author: bench\n  version: '1.0'\n" if i % 3 == 0 else ""
        if i % 10 == 9:
            extra += "owner: somebody\n"  # unknown field: invalid
        body = "\n".join(f"## Step {n}\n\nRun `make {rng.choice(words)}` and check the output.\n" for n in range(rng.randint(3, 40)))
        (folder / "SKILL.md").write_text(f"---\nname: {name}\ndescription: {description}\n{extra}---\n\n{body}\n")
        folders.append(folder)
    return folders


def timed(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skills", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    git_skill = shutil.which("git-skill", path=str(BIN)) or "git-skill"
    agentskills = shutil.which("agentskills", path=str(BIN))
    root = Path(tempfile.mkdtemp(prefix="git-skill-bench-"))
    try:
        folders = generate(root / "skills", args.skills)
        rows: list[tuple[str, float]] = []

        def ours_cli() -> None:
            result = subprocess.run([git_skill, "validate", str(root / "skills")], capture_output=True, text=True)
            assert result.returncode == 1 and f"{args.skills} skills checked" in result.stdout, result.stdout[-500:]

        rows.append(("git skill validate DIR (one process)", timed(ours_cli, args.repeat)))

        def ours_lint() -> None:
            result = subprocess.run([git_skill, "lint", str(root / "skills")], capture_output=True, text=True)
            assert result.returncode in (0, 1) and f"{args.skills} skills checked" in result.stdout, result.stdout[-500:]

        lint_seconds = timed(ours_lint, args.repeat)

        from git_skill.skills.profiles import get_profile
        from git_skill.skills.skill import read_skill_file
        from git_skill.skills.validation import validate_skill

        profile = get_profile("agentskills")

        def ours_api() -> None:
            for folder in folders:
                validate_skill(read_skill_file(folder / "SKILL.md"), profile)

        rows.append(("git-skill Python API, in-process", timed(ours_api, args.repeat)))
        try:
            from skills_ref.validator import validate as reference_validate
        except ImportError:
            reference_validate = None
        if reference_validate is not None:
            rows.append(("skills-ref Python API, in-process",
                         timed(lambda: [reference_validate(folder) for folder in folders], args.repeat)))
        if agentskills:
            loop = timed(lambda: [subprocess.run([agentskills, "validate", str(f)], capture_output=True) for f in folders], 1)
            rows.append(("skills-ref CLI, once per skill", loop))
        version = [timed(lambda: subprocess.run([git_skill, "--version"], capture_output=True), 1) for _ in range(15)]
        print(f"{args.skills} generated skills ({args.skills // 10} invalid); best of {args.repeat} runs "
              f"(CLI loop: 1 run); Python {sys.version.split()[0]}\n")
        print("| what | total | per skill |\n|---|---:|---:|")
        for label, seconds in rows:
            print(f"| {label} | {seconds:.3f} s | {seconds / args.skills * 1000:.3f} ms |")
        print(f"| git skill lint DIR (one process) | {lint_seconds:.3f} s | {lint_seconds / args.skills * 1000:.3f} ms |")
        print(f"| git skill --version (median of 15) | {statistics.median(version) * 1000:.0f} ms | |")
        ours = rows[0][1]
        for label, seconds in rows[2:]:
            print(f"\n{label}: git skill validate is {seconds / ours:.1f}x faster")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
