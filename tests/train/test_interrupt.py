"""Ctrl-C during a sweep, local or on Ray: finished cells are kept, the exit status is 130 within
seconds, the last line says how to resume, and nothing of the sweep is left running."""

import os
import signal
import subprocess
import sys
import time

import pytest

from depthsep.errors import DepthsepError
from depthsep.train.store import ResultStore


def _rows(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


@pytest.mark.parametrize("backend", ["local", "ray"])
def test_ctrl_c_keeps_finished_cells_and_exits_130(tmp_path, backend):
    if backend == "ray":
        pytest.importorskip("ray")
    store = tmp_path / "runs.db"
    argv = ["sweep", "--target", "product:4", "--layers", "1,2,3,4", "--widths", "8,16",
            "--seeds", "0,1,2,3", "--steps", "12000", "--batch-size", "32", "--test-size", "500",
            "--store", str(store), "--no-progress", "--backend", backend]
    # A foreground command's SIGINT disposition, whatever this test runner inherited: a job started
    # in the background by a non-interactive shell ignores SIGINT from birth, and Python keeps that.
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            f"from depthsep.cli import main; sys.exit(main({argv!r}))")
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 90
        while time.time() < deadline and proc.poll() is None:
            try:
                with ResultStore(store, readonly=True) as peek:
                    if peek.count() >= 1:
                        break
            except DepthsepError:
                pass
            time.sleep(0.05)
        assert proc.poll() is None, "the sweep finished before it could be interrupted"
        if backend == "local":
            os.killpg(proc.pid, signal.SIGINT)           # what a terminal's Ctrl-C does
        else:
            # Ray: the driver alone. The exit status 1 once seen here in about one run in ten came
            # from ray.cancel(force=True) racing a reply that was arriving, which aborted the driver
            # in Ray 2.60 ("Tried to complete task that was not pending"). An interrupted run on its
            # private Ray instance no longer cancels tasks: it shuts the instance down (train_ray in
            # depthsep/train/backends.py).
            os.kill(proc.pid, signal.SIGINT)
        sent = time.time()
        _, err = proc.communicate(timeout=30)
        took = time.time() - sent
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert took < 15, f"took {took:.1f} s to stop"
    assert "run the same command again to resume" in err.strip().splitlines()[-1]
    kept = _rows(store)
    assert 1 <= len(kept) < 32
    # Nothing of the sweep is left running in its process group.
    time.sleep(0.5)
    try:
        os.killpg(proc.pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive, "a worker of the interrupted sweep is still alive"
