"""`git skill digest [SOURCE]`: show exactly what a model would receive about a session."""

from __future__ import annotations

from pathlib import Path

import click

from git_skill.workspace import open_workspace


@click.command("digest")
@click.argument("source", required=False, type=click.Path(path_type=str))
@click.option("--budget", type=click.IntRange(min=500), default=None, metavar="TOKENS",
              help="Token budget of the digest (default 24000).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--feedback", "feedback_files", multiple=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Extra feedback (a CI log, a reviewer's note); repeatable.")
@click.option("--no-feedback", is_flag=True, help="The trajectory alone: leave out verifier output, rewards and --feedback.")
def command(source: str | None, budget: int | None, output_format: str, feedback_files: tuple[Path, ...],
            no_feedback: bool) -> None:
    """Print the redacted, budgeted digest of SOURCE: a transcript file, a trial folder (or a
    run folder holding just one), or nothing for the newest Claude Code, Codex, Gemini CLI or
    OpenCode session recorded for this repository.

    Formats are detected from content: Claude Code and Codex JSONL (and their stream-json /
    exec --json output), Gemini CLI sessions and checkpoints, OpenCode sessions, Harbor trials
    (ATIF or the agent's own logs) and Terminal-Bench trials, ATIF, asciinema casts and raw
    terminal logs (an installed agent's output inside is read as its steps), aider chat
    history, mini-SWE-agent trajectories and OpenAI-style message arrays.
    """
    from git_skill.transcripts.digest import DEFAULT_BUDGET, collect, fit, to_json
    from git_skill.transcripts import open_transcript
    from git_skill.transcripts.sources import resolve_source, single_trial

    path = single_trial(resolve_source(source, open_workspace().root))
    digest = collect(open_transcript(path, feedback_files, use_feedback=not no_feedback))
    chosen = budget or DEFAULT_BUDGET
    if output_format == "json":
        click.echo(to_json(digest, chosen))
    else:
        text, _, _ = fit(digest, chosen)
        click.echo(text, nl=False)
