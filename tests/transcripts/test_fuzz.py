"""Property-based fuzz of every transcript reader (issue 11): random and mutated records, and random
files, give a digest or a GitSkillError with a documented exit code, never anything else.

Seeded (derandomize) and moderate in size, so CI is deterministic and the suite stays fast.
"""

from __future__ import annotations

import copy
import json
import math
import tempfile
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from git_skill import exit_codes
from git_skill.errors import GitSkillError
from git_skill.transcripts import open_transcript
from git_skill.transcripts.digest import collect, fit, to_json

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=60,
                suppress_health_check=[HealthCheck.too_slow])
DOCUMENTED = {exit_codes.USAGE, exit_codes.BAD_INPUT}

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)

CLAUDE = [
    {"type": "user", "sessionId": "s", "uuid": "u1", "cwd": "/w", "timestamp": "2026-01-01T00:00:00Z",
     "message": {"role": "user", "content": "Fix the build"}},
    {"type": "assistant", "sessionId": "s", "uuid": "a1", "message": {
        "id": "m1", "model": "claude", "usage": {"input_tokens": 3, "output_tokens": 4},
        "content": [{"type": "thinking", "thinking": "plan"}, {"type": "text", "text": "Running"},
                    {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "make"}}]}},
    {"type": "user", "sessionId": "s", "uuid": "u2", "isMeta": False, "message": {"role": "user", "content": [
        {"type": "tool_result", "tool_use_id": "t1", "is_error": True, "content": [{"type": "text", "text": "Exit code 2"}]},
        {"type": "image", "source": {"data": "AAAA"}}]}},
    {"type": "summary", "summary": "Earlier turns", "leafUuid": "u2"},
    {"type": "system", "sessionId": "s", "uuid": "y", "content": "note", "isSidechain": True, "agentId": "x"},
]
CODEX = [
    {"timestamp": "2026-02-01T09:00:00Z", "type": "session_meta", "payload": {"id": "c1", "cwd": "/w", "cli_version": "1"}},
    {"type": "turn_context", "payload": {"model": "gpt", "cwd": "/w"}},
    {"type": "response_item", "payload": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Add"}]}},
    {"type": "response_item", "payload": {"type": "function_call", "name": "shell", "call_id": "c",
                                          "arguments": "{\"command\": [\"bash\", \"-lc\", \"ls\"]}"}},
    {"type": "response_item", "payload": {"type": "function_call_output", "call_id": "c",
                                          "output": "{\"output\": \"a\", \"metadata\": {\"exit_code\": 1}}"}},
    {"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": {"input_tokens": 5}}}},
    {"type": "response_item", "payload": {"type": "reasoning", "summary": [{"text": "think"}]}},
    {"type": "compacted", "payload": {"message": "summary"}},
]
ATIF = {"schema_version": "ATIF-v1.2", "session_id": "s", "agent": {"name": "a", "version": "1", "model_name": "m"},
        "final_metrics": {"total_prompt_tokens": 1, "total_cost_usd": 0.5},
        "steps": [{"source": "user", "message": "Task", "timestamp": "t"},
                  {"source": "agent", "message": [{"text": "ok"}], "reasoning_content": "r",
                   "tool_calls": [{"function_name": "bash", "arguments": "{\"command\": \"ls\"}", "tool_call_id": "1"}],
                   "observation": {"results": [{"source_call_id": "1", "content": "out"}]}}]}
OPENAI = [{"role": "system", "content": "sys"}, {"role": "user", "content": "Task"},
          {"role": "assistant", "content": None, "tool_calls": [{"id": "1", "function": {"name": "bash", "arguments": "{}"}}]},
          {"role": "tool", "tool_call_id": "1", "name": "bash", "content": "done"}]
MINI = {"info": {"mini_version": "1", "exit_status": "Submitted", "model_stats": {"instance_cost": 0.1},
                 "config": {"model": {"model_name": "m"}}},
        "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "Task"},
                     {"role": "assistant", "content": "```bash\nls\n```"},
                     {"role": "user", "content": "<returncode>0</returncode><output>a</output>"}]}
TB_RESULTS = {"task_id": "t", "instruction": "Do it", "is_resolved": False, "failure_mode": "unset",
              "parser_results": {"test_a": "failed"}, "total_input_tokens": 3, "agent_started_at": "s"}
HARBOR_RESULT = {"task_name": "t", "exception_info": None}


def paths_of(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value a mutation can replace."""
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += paths_of(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += paths_of(inner, prefix + (index,))
    return found


def mutate(value: Any, choices: list[tuple[int, Any]]) -> Any:
    """`value` with each (place index, replacement) applied in turn."""
    value = copy.deepcopy(value)
    for index, replacement in choices:
        places = paths_of(value)
        path = places[index % len(places)]
        if not path:
            value = copy.deepcopy(replacement)
            continue
        holder = value
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = copy.deepcopy(replacement)  # never the same object twice: no cycles
    return value


MUTATIONS = st.lists(st.tuples(st.integers(0, 10_000), JSON_VALUES), min_size=1, max_size=4)


def dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=True)


def check(make: Callable[[Path], Path]) -> None:
    """Read what `make` writes, all the way to the digest in both formats."""
    with tempfile.TemporaryDirectory(prefix="git-skill-fuzz-") as folder:
        path = make(Path(folder))
        try:
            digest = collect(open_transcript(path))
            text, _, _ = fit(digest, 4000)
            to_json(digest, 4000)
        except GitSkillError as error:
            assert error.exit_code in DOCUMENTED, error.message
            assert error.message and "\n" not in error.message.split(" Supported formats:")[0]
            return
        assert "last command: None" not in text and "] None(" not in text


@FUZZ
@given(st.integers(0, len(CLAUDE) - 1), MUTATIONS)
def test_claude_code_records(which: int, mutations: list[tuple[int, Any]]) -> None:
    records = CLAUDE[:which] + [mutate(CLAUDE[which], mutations)] + CLAUDE[which + 1:]
    check(lambda folder: _write(folder / "s.jsonl", "\n".join(dumps(r) for r in records) + "\n"))


@FUZZ
@given(st.integers(0, len(CODEX) - 1), MUTATIONS)
def test_codex_records(which: int, mutations: list[tuple[int, Any]]) -> None:
    records = CODEX[:which] + [mutate(CODEX[which], mutations)] + CODEX[which + 1:]
    check(lambda folder: _write(folder / "rollout.jsonl", "\n".join(dumps(r) for r in records) + "\n"))


@FUZZ
@given(st.sampled_from(["atif", "openai", "mini"]), MUTATIONS)
def test_whole_json_documents(kind: str, mutations: list[tuple[int, Any]]) -> None:
    seed = {"atif": ATIF, "openai": OPENAI, "mini": MINI}[kind]
    check(lambda folder: _write(folder / f"{kind}.json", dumps(mutate(seed, mutations))))


@FUZZ
@given(MUTATIONS, MUTATIONS, st.binary(max_size=300))
def test_trial_folders(results: list[tuple[int, Any]], trajectory: list[tuple[int, Any]], log: bytes) -> None:
    def terminal_bench(folder: Path) -> Path:
        trial = folder / "trial"
        (trial / "sessions").mkdir(parents=True)
        mutated = mutate(TB_RESULTS, results)
        if isinstance(mutated, dict):
            mutated.setdefault("instruction", "Do it")
        _write(trial / "results.json", dumps(mutated))
        (trial / "sessions" / "agent.log").write_bytes(b"root@box:/app# ls\n" + log)
        (trial / "sessions" / "tests.log").write_bytes(log)
        return trial

    def harbor(folder: Path) -> Path:
        trial = folder / "trial"
        (trial / "agent").mkdir(parents=True)
        (trial / "verifier").mkdir()
        _write(trial / "result.json", dumps(mutate(HARBOR_RESULT, results)))
        _write(trial / "agent" / "trajectory.json", dumps(mutate(ATIF, trajectory)))
        (trial / "verifier" / "reward.txt").write_bytes(log[:20])
        (trial / "verifier" / "test-stdout.txt").write_bytes(log)
        return trial

    check(terminal_bench)
    check(harbor)


@FUZZ
@given(st.lists(st.one_of(JSON_VALUES.map(dumps), st.binary(max_size=80).map(lambda b: b.decode("latin-1"))),
                max_size=6))
def test_cast_events(lines: list[str]) -> None:
    header = dumps({"version": 2, "width": 80, "height": 24})
    events = [dumps([0.1, "o", "root@box:/app# make\r\n"]), *lines, dumps([0.2, "o", "done\r\n"])]
    check(lambda folder: _write(folder / "agent.cast", "\n".join([header, *events]) + "\n"))


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([b"", b"{", b"[", b"# aider chat started at x\n", b"$ ",
                                                  b'{"version": 2, "width": 1}\n', b'{"type": "user", "uuid": "u"}\n']))
def test_random_bytes(data: bytes, start: bytes) -> None:
    check(lambda folder: _write_bytes(folder / "session", start + data))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_mutate_reaches_every_place() -> None:
    """The fuzz's own helper: each index names a place, the root included."""
    value = {"a": [1, {"b": 2}]}
    assert len(paths_of(value)) == 5 and mutate(value, [(0, 5)]) == 5
    assert mutate(value, [(4, None)]) == {"a": [1, {"b": None}]} and not math.isnan(1.0)
