"""Processes that end with the process that started them, however it ends (``kill -9`` included).

A training run starts helpers: the local engine forks one worker per core, the Ray backend starts a
private Ray instance (GCS server, raylet, dashboard and runtime-env agents, task workers). Left alive
after their parent is killed, they hold memory (hundreds of MB each), cores, and the caller's
stdout/stderr — a shell or a test waiting for that output to close would wait forever.

* :func:`die_with_parent` — for a forked worker: the kernel SIGKILLs it when its parent dies
  (Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere a thread that watches the parent pid).
* :class:`Watchdog` — for processes this one does not fork itself (Ray's): a small separate process
  that learns their pids, follows their descendants while the run lasts, and SIGKILLs every one of
  them still alive when this process dies or closes the watch. It notices the death because its
  end of a pipe from this process reads end-of-file, which the kernel guarantees however this
  process ends. Linux only (it reads ``/proc``); elsewhere it is not started.

This file also runs as a script (the watchdog's body): it imports nothing from depthsep, so the
watchdog starts in milliseconds and holds a few MB, not torch.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import threading
import time

PR_SET_PDEATHSIG = 1          # <linux/prctl.h>
POLL_S = 0.25                 # how often the watchdog looks for new descendants
KILL_WINDOW_S = 5.0           # how long it keeps killing after the end (a dying raylet may still spawn)


def die_with_parent(parent_pid: int) -> None:
    """End this process when ``parent_pid``, the process that forked it, ends; call it first thing
    in the child. If the parent already died before this ran (the race the kernel hook cannot see),
    exit at once."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                      ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    else:
        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="die-with-parent", daemon=True).start()
    if os.getppid() != parent_pid:
        os._exit(1)


# -- /proc -----------------------------------------------------------------------------------------

def _processes() -> dict[int, tuple[int, int, str]]:
    """pid → (parent pid, start time in clock ticks since boot, state letter), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read().decode(errors="replace")
        except OSError:
            continue                                   # ended while we looked
        # "pid (comm) state ppid … starttime …": comm may hold spaces and parentheses.
        fields = stat[stat.rfind(")") + 2:].split()
        table[int(entry)] = (int(fields[1]), int(fields[19]), fields[0])
    return table


def children(pid: int) -> set[int]:
    """The live child processes of ``pid`` (Linux; an empty set elsewhere)."""
    if not os.path.isdir("/proc/self"):
        return set()
    return {child for child, (parent, _, state) in _processes().items() if parent == pid and state != "Z"}


def _follow(tracked: dict[int, int], table: dict[int, tuple[int, int, str]]) -> None:
    """Add to ``tracked`` (pid → start time) every live descendant of a live tracked process."""
    kids: dict[int, list[int]] = {}
    for pid, (parent, _, _) in table.items():
        kids.setdefault(parent, []).append(pid)
    stack = [pid for pid, start in tracked.items() if _alive(pid, start, table)]
    while stack:
        for child in kids.get(stack.pop(), ()):
            if child not in tracked and table[child][2] != "Z":
                tracked[child] = table[child][1]
                stack.append(child)


def _alive(pid: int, start: int, table) -> bool:
    # Same pid *and* same start time: a pid the kernel reused for someone else's process is not ours.
    return pid in table and table[pid][1] == start and table[pid][2] != "Z"


# -- the watchdog ----------------------------------------------------------------------------------

class Watchdog:
    """A separate process that SIGKILLs the processes :meth:`watch` names, and all their descendants,
    when this process ends — or when :meth:`close` is called.

        >>> dog = Watchdog()                                             # doctest: +SKIP
        >>> before = children(os.getpid())                               # doctest: +SKIP
        >>> helper = subprocess.Popen(["sleep", "600"])                  # doctest: +SKIP
        >>> dog.watch(children(os.getpid()) - before - {dog.pid})        # doctest: +SKIP
        >>> dog.close()      # or kill -9 this process: the helper goes either way  # doctest: +SKIP

    The watchdog is this process's child in a process group of its own, so a signal sent to this
    process's group (Ctrl-C, ``kill -- -PGID``) does not take it down before it has done its job;
    it ignores SIGINT and SIGHUP and ends by itself within :data:`KILL_WINDOW_S` of the pipe closing.
    Its stdout and stderr are /dev/null: it never holds the caller's terminal or pipes.
    """

    def __init__(self):
        self._proc = None
        if not os.path.isdir("/proc/self"):
            return
        self._proc = subprocess.Popen(
            [sys.executable, "-S", os.path.abspath(__file__)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, close_fds=True, process_group=0)

    @property
    def pid(self) -> int | None:
        """The watchdog's own pid (None where it is not started)."""
        return None if self._proc is None else self._proc.pid

    def watch(self, pids) -> None:
        """Follow these processes and their descendants from now on."""
        if self._proc is None or self._proc.stdin is None:
            return
        lines = "".join(f"{pid}\n" for pid in pids)
        if lines:
            self._proc.stdin.write(lines.encode())
            self._proc.stdin.flush()

    def close(self, timeout: float = KILL_WINDOW_S + 5) -> None:
        """End the watch: everything watched that is still alive is killed; wait for the watchdog."""
        if self._proc is None:
            return
        proc, self._proc = self._proc, None
        try:
            proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self) -> "Watchdog":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _watchdog_main() -> None:
    """The watchdog's body: pids arrive one per line on stdin; end-of-file means 'kill them all'."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    tracked: dict[int, int] = {}
    fd, pending = sys.stdin.fileno(), b""
    while True:
        readable, _, _ = select.select([fd], [], [], POLL_S)
        table = _processes()
        if readable:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            for line in lines:
                pid = int(line) if line.strip().isdigit() else None
                if pid in table:
                    tracked[pid] = table[pid][1]
        _follow(tracked, table)
    deadline = time.monotonic() + KILL_WINDOW_S
    while time.monotonic() < deadline:
        table = _processes()
        _follow(tracked, table)                 # children spawned since the last look
        alive = [pid for pid, start in tracked.items() if _alive(pid, start, table)]
        if not alive:
            break
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.05)


if __name__ == "__main__":
    _watchdog_main()
