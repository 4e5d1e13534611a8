"""Helper processes end with the sweep that started them: kill -9 the sweep alone, nothing is left.

Each sweep runs in a session of its own, so "what it left behind" is exactly the live processes of
that session (Ray's task workers change their process group, never their session).
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

from depthsep.train.lifetime import Watchdog, children

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")

RAY_TASK = b"ray::_ray_train_group"      # Ray's process title while a worker runs a training task


def session(sid: int) -> dict[int, bytes]:
    """Live processes of session ``sid`` (zombies are dead: only their exit status is left)."""
    members = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            with open(f"/proc/{entry}/cmdline", "rb") as fh:
                cmdline = fh.read()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != b"Z":
            members[int(entry)] = cmdline.split(b"\0")[0]
    return members


def wait_for(predicate, timeout: float) -> bool:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def kill_the_sweep_alone(code: str, training, timeout: float, grace: float) -> dict[int, bytes]:
    """Start ``code`` in a new session, its output into a pipe, wait until ``training(members)``,
    SIGKILL only the sweep's own process, and return what is still alive in its session after
    ``grace`` seconds. The pipe must reach end-of-file in that time too: a caller reading the
    sweep's output (a shell pipeline, a test) would otherwise wait forever."""
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    closed = threading.Event()
    threading.Thread(target=lambda: (proc.stdout.read(), closed.set()), daemon=True).start()
    try:
        assert wait_for(lambda: training(session(proc.pid)), timeout), "the sweep never started training"
        time.sleep(1.0)                                  # well inside training, not at its start
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        wait_for(lambda: not session(proc.pid), grace)
        assert closed.wait(1.0), "the sweep's output is still held open by a process it started"
        return session(proc.pid)
    finally:
        for pid in session(proc.pid):                # leave nothing behind, pass or fail
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_local_workers_die_with_a_killed_sweep(tmp_path):
    code = textwrap.dedent(f"""
        from depthsep.train.config import RunOptions, TrainingConfig
        from depthsep.train.sweep import sweep
        sweep("product:4", [1, 2], [4], ["tanh"], [0, 1], {str(tmp_path / "runs.db")!r},
              TrainingConfig(steps=10_000_000, batch_size=16, test_size=100),
              RunOptions(workers=2, progress=False))
    """)
    # The sweep and its two workers (one group each).
    left = kill_the_sweep_alone(code, lambda members: len(members) >= 3, timeout=60, grace=5)
    assert not left, f"still alive after the sweep was killed: {left}"


def test_ray_instance_dies_with_a_killed_sweep(tmp_path):
    pytest.importorskip("ray")
    code = textwrap.dedent(f"""
        from depthsep.train.config import RunOptions, TrainingConfig
        from depthsep.train.sweep import sweep
        sweep("product:4", [1, 2], [4], ["tanh"], [0, 1], {str(tmp_path / "runs.db")!r},
              TrainingConfig(steps=10_000_000, batch_size=16, test_size=100),
              RunOptions(backend="ray", progress=False))
    """)
    # Ray's GCS server, raylet and agents start first; a task worker shows the task's title.
    left = kill_the_sweep_alone(code, lambda members: any(c.startswith(RAY_TASK) for c in members.values()),
                                timeout=90, grace=10)
    assert not left, f"still alive after the sweep was killed: {left}"


def test_a_worker_whose_parent_is_already_gone_exits_at_once():
    # The race prctl cannot cover: the parent died between fork and die_with_parent.
    code = "from depthsep.train.lifetime import die_with_parent; die_with_parent(1); print('alive')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "alive" not in proc.stdout
    # With its real parent it carries on.
    code = "import os; from depthsep.train.lifetime import die_with_parent; die_with_parent(os.getppid()); print('alive')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "alive"


def test_the_watchdog_kills_what_it_watches_and_their_children_when_closed():
    before = children(os.getpid())
    # A process with a child of its own, started after the watch: the watchdog follows descendants.
    helper = subprocess.Popen([sys.executable, "-c", "import subprocess, sys, time; "
                               "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
                               "time.sleep(120)"])
    dog = Watchdog()
    try:
        dog.watch(children(os.getpid()) - before - {dog.pid})
        assert wait_for(lambda: children(helper.pid), 20)
        grandchild = children(helper.pid).pop()
        time.sleep(0.5)                                   # one look at the tree
        dog.close()
        assert helper.wait(5) == -signal.SIGKILL
        assert wait_for(lambda: not os.path.exists(f"/proc/{grandchild}") or
                        open(f"/proc/{grandchild}/stat").read().rsplit(")", 1)[1].split()[0] == "Z", 5)
    finally:
        dog.close()
        if helper.poll() is None:
            helper.kill()
