"""Shared by the fault tests: run a sweep in its own process group and SIGKILL it mid-way."""

import os
import signal
import subprocess
import sys
import time

from depthsep.errors import DepthsepError
from depthsep.train.store import ResultStore


def kill_after_rows(code: str, store, rows: int, timeout: float) -> int:
    """Run ``python -c code``; SIGKILL its whole group once ``rows`` rows landed in ``store``.

    Returns the process's exit status (``-SIGKILL`` when it was killed, as the tests expect).
    """
    proc = subprocess.Popen([sys.executable, "-c", code], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + timeout
    try:
        while time.time() < deadline and proc.poll() is None:
            if store.exists():
                try:
                    with ResultStore(store, readonly=True) as peek:
                        if peek.count() >= rows:
                            break
                except DepthsepError:  # the store is being created: look again
                    pass
            time.sleep(0.02)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return proc.returncode
