"""Stopping signals: SIGTERM (timeout, CI cancellation, docker stop) and SIGHUP (a closed terminal) stop a
run the way Ctrl-C does, and every one of them ends in the documented exit 130.

Until a run's commit point the KeyboardInterrupt the handler raises unwinds through every rollback.
Past it (`past_commit_point`: the new folders are in and `skills.lock` records them, or the commit is
made) the run only finishes what is recorded as done, agents' copies included, so a signal then is noted
and the run ends normally: reporting "interrupted" for work that stays done would be a lie.

Through `git skill`, git runs git-skill as a child and, when the signal reached git too (a process
group's signal: Ctrl-C, `timeout`, a CI runner), waits for it and then dies by that same signal, 143 or
129 however git-skill ended. `hand_git_the_interrupt` makes git end the way Ctrl-C ends it instead
(killed by SIGINT: 130 to the shell), and only when git is already inside its handler for the signal.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

STOPPING_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
stopping = threading.Event()  # set once a stopping signal arrived: what it breaks on the way out is not a bug
_received: list[int] = []  # the stopping signals that arrived, first first
_finishing = threading.Event()  # past the commit point: a signal waits for the run's end
_units: list[int] = []  # units of work being finished (see `finishing`), innermost last


def _interrupt(signum: int, frame: Any) -> None:
    """Raise KeyboardInterrupt (once: further signals are ignored, so none cuts a rollback short), or past
    the commit point (or inside a unit of work being finished) only note the signal."""
    _received.append(signum)
    if _finishing.is_set() or _units:
        return
    _stop()


def _stop() -> None:
    stopping.set()
    for number in STOPPING_SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise KeyboardInterrupt


@contextmanager
def finishing() -> Iterator[None]:
    """A unit of work that is done whole once begun (a skill written and committed, with the cache entry
    saying so): a stopping signal meanwhile waits for its end, where `check_stop` acts on it."""
    _units.append(1)
    try:
        yield
    finally:
        _units.pop()


def check_stop() -> None:
    """Between units of work: stop now (KeyboardInterrupt) if a stopping signal arrived during the last one."""
    if _received and not _units and not _finishing.is_set() and not stopping.is_set():
        _stop()


def handle_stopping_signals() -> None:
    """Route the stopping signals to `_interrupt` (signals can only be set from the main thread); a run
    starts with nothing received (in-process callers run several)."""
    if threading.current_thread() is not threading.main_thread():
        return
    stopping.clear()
    _finishing.clear()
    _received.clear()
    _units.clear()
    for number in STOPPING_SIGNALS:
        if signal.getsignal(number) is not signal.SIG_IGN:  # ignored by the parent (nohup, &): keep it so
            signal.signal(number, _interrupt)


def past_commit_point() -> None:
    """From here on the run finishes what it recorded as done; a stopping signal no longer interrupts it."""
    _finishing.set()


def signalled_after_commit() -> bool:
    """Whether a stopping signal arrived after the commit point or during the last unit of work (the run
    finished that work regardless, and had none left to stop)."""
    return bool(_received) and not stopping.is_set()


def hand_git_the_interrupt() -> None:
    """When a git that runs us (`git skill`) is itself stopping on SIGTERM or SIGHUP, make it end by SIGINT,
    as Ctrl-C ends it: 130, the documented code, instead of 143 or 129.

    Only a parent named git, and only one already handling that signal (blocked while its handler runs,
    waiting for us): a SIGINT then reaches its handler nested inside the first, which re-raises SIGINT.
    Linux only (it reads /proc); elsewhere, and whenever in doubt, nothing is sent."""
    if not _received or _received[0] == signal.SIGINT:
        return
    parent = os.getppid()
    try:
        with open(f"/proc/{parent}/comm", encoding="utf-8") as comm:
            if comm.read().strip() != "git":
                return
    except OSError:
        return
    bits = sum(1 << (number - 1) for number in (signal.SIGTERM, signal.SIGHUP))
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:  # a signal still pending reaches git's handler as soon as git runs
        state = _signal_state(parent)
        if state is None:
            return
        blocked, pending = state
        if blocked & bits:
            try:
                os.kill(parent, signal.SIGINT)
            except OSError:
                pass
            return
        if not pending & bits:
            return  # git was not signalled: it passes our 130 on as it is
        time.sleep(0.01)


def _signal_state(pid: int) -> tuple[int, int] | None:
    """(blocked, pending) signal masks of a process, from /proc; None when unreadable."""
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as status:
            fields = dict(line.split(":", 1) for line in status if ":" in line)
        return (int(fields["SigBlk"].strip(), 16),
                int(fields["SigPnd"].strip(), 16) | int(fields["ShdPnd"].strip(), 16))
    except (OSError, KeyError, ValueError):
        return None
