"""The Ray backend: same numbers as the local engine, and a sweep that survives killed workers and a
killed driver. Loopback only: one private Ray instance with 2 CPUs for the module."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from depthsep.cli import main
from depthsep.train.config import RunOptions, TrainingConfig
from depthsep.train.store import ResultStore
from killing import kill_after_rows
from depthsep.train.sweep import sweep

ray = pytest.importorskip("ray")

TASK_TITLE = b"ray::_ray_train_group"     # Ray's process title while a worker runs our task
RAY = RunOptions(backend="ray", progress=False)


@pytest.fixture(scope="module")
def ray_cluster():
    from depthsep.train.backends import start_ray, stop_ray
    assert start_ray(num_cpus=2) is True
    try:
        yield ray
    finally:
        stop_ray()


def rows_of(path):
    with ResultStore(path, readonly=True) as store:
        return store.rows()


def key(row):
    return (row["activation"], row["layers"], row["width"], row["seed"])


def test_ray_sweep_equals_local_sweep(tmp_path, ray_cluster):
    grid = dict(target="product:4", layers=[1, 3], widths=[4, 20], activations=["tanh", "relu"],
                seeds=[0, 1, 2], config=TrainingConfig(steps=300, batch_size=32, test_size=500))
    local = sweep(**grid, store_path=tmp_path / "local.db", run=RunOptions(workers=1, progress=False))
    remote = sweep(**grid, store_path=tmp_path / "ray.db", run=RAY)
    assert local["trained"] == remote["trained"] == 2 * 2 * 2 * 3
    a = {key(r): r for r in rows_of(tmp_path / "local.db")}
    b = {key(r): r for r in rows_of(tmp_path / "ray.db")}
    assert a.keys() == b.keys()
    for k in a:
        assert a[k]["status"] == b[k]["status"]
        if a[k]["test_mae"] is not None:     # bit-identical: same step (fused or torch), same kernels
            assert b[k]["test_mae"] == a[k]["test_mae"], (k, a[k]["test_mae"], b[k]["test_mae"])
    # A second Ray sweep finds everything stored and trains nothing.
    again = sweep(**grid, store_path=tmp_path / "ray.db", run=RAY)
    assert again["trained"] == 0 and again["skipped"] == 24
    for end in ("best", "worst"):                              # the same cells, read from the store
        assert {**again[end], "test_mae": 0} == {**local[end], "test_mae": 0}
        assert again[end]["test_mae"] == pytest.approx(local[end]["test_mae"], rel=1e-4)


def test_a_gpu_shaped_mixed_width_group_trains_the_same_in_a_ray_task(ray_cluster):
    # The GPU's grouping (every width up to 128 in one group of many slots), run on the CPU: a Ray
    # task trains it bit for bit as this process does, and as each model alone in that shape.
    import torch

    from depthsep.train.backends import _ray_train_group
    from depthsep.train.engine import train_group
    from depthsep.train.grouping import Group, plan_groups

    config = TrainingConfig(steps=40, batch_size=32, test_size=500)
    specs = [config.spec("product:4", 2, w, "tanh", s) for w in (5, 30, 100) for s in (0, 1)]
    (group,) = plan_groups(specs, torch.device("cuda"))          # planning needs no GPU
    assert group.width == 128 and group.slots >= len(specs)
    task = ray.remote(num_cpus=1)(_ray_train_group)
    remote = ray.get(task.remote(group, "cpu"))
    local = train_group(group, "cpu")
    assert [(i, r.test_mae, r.test_rmse) for i, r in remote] == [(i, r.test_mae, r.test_rmse) for i, r in local]
    index, spec = group.members[2]
    (_, alone), = train_group(Group([(index, spec)], group.width, group.slots), "cpu")
    assert alone.test_mae == dict(local)[index].test_mae


def _task_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if fh.read().startswith(TASK_TITLE):
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds workers through /proc")
def test_a_killed_worker_is_retried_and_its_cells_land_once(tmp_path, ray_cluster):
    # 4 groups of ~1-2 s each; one worker is SIGKILLed while it trains.
    grid = dict(target="product:4", layers=[2, 4], widths=[8, 16], activations=["tanh"],
                seeds=[0, 1, 2, 3], config=TrainingConfig(steps=15_000, batch_size=32, test_size=500))
    killed: list[int] = []

    def killer():
        deadline = time.time() + 60
        while time.time() < deadline and not killed:
            for pid in _task_pids():
                time.sleep(0.3)                       # well inside the task, not at its start
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                except ProcessLookupError:
                    continue
                break
            time.sleep(0.05)

    thread = threading.Thread(target=killer, daemon=True)
    thread.start()
    summary = sweep(**grid, store_path=tmp_path / "runs.db", run=RAY)
    thread.join(timeout=5)
    assert killed, "no training worker was found to kill"
    assert summary["trained"] == summary["total"] == 16
    rows = rows_of(tmp_path / "runs.db")
    assert len(rows) == 16 and len({key(r) for r in rows}) == 16
    assert all(r["status"] == "done" for r in rows)


def test_a_killed_driver_resumes_without_loss_or_doubles(tmp_path, ray_cluster):
    store = tmp_path / "runs.db"
    argv = ["sweep", "--target", "product:4", "--layers", "1,2,3", "--widths", "8,16",
            "--seeds", "0,1,2,3", "--steps", "12000", "--batch-size", "32", "--test-size", "500",
            "--store", str(store), "--no-progress", "--backend", "ray"]
    total = 3 * 2 * 4
    code = f"import sys; from depthsep.cli import main; sys.exit(main({argv!r}))"
    status = kill_after_rows(code, store, rows=1, timeout=90)
    assert status == -signal.SIGKILL, "the sweep finished before it could be killed"
    before = rows_of(store)
    assert 1 <= len(before) < total
    summary = main(argv[:-2] + ["--backend", "ray", "--json"])   # resume, in this process's Ray
    assert summary == 0
    after = rows_of(store)
    assert len(after) == total and len({key(r) for r in after}) == total
    assert after[:len(before)] == before                      # finished rows unchanged


def test_backend_ray_without_ray_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)              # `import ray` now raises ImportError
    code = main(["sweep", "--target", "product:4", "--layers", "1", "--widths", "4", "--steps", "10",
                 "--store", str(tmp_path / "runs.db"), "--backend", "ray"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install 'depthsep[ray]'" in err
    assert not (tmp_path / "runs.db").exists()                 # refused before the store is touched
    assert main(["figure2", "--store", str(tmp_path / "f.db"), "--out", str(tmp_path / "f.png"),
                 "--backend", "ray"]) == 2
    assert main(["sweep", "--target", "product:4", "--layers", "1", "--widths", "4",
                 "--store", str(tmp_path / "runs.db"), "--address", "h:6379"]) == 2


def test_an_address_joins_that_cluster(tmp_path, ray_cluster, capsys):
    address = ray_cluster.get_runtime_context().gcs_address        # 127.0.0.1:PORT of the fixture's
    argv = ["sweep", "--target", "product:4", "--layers", "1", "--widths", "4", "--seeds", "0,1",
            "--steps", "50", "--batch-size", "16", "--test-size", "100", "--no-progress", "--json",
            "--store", str(tmp_path / "runs.db"), "--backend", "ray", "--address", address]
    code = f"import sys; from depthsep.cli import main; sys.exit(main({argv!r}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(rows_of(tmp_path / "runs.db")) == 2


def test_an_unreachable_address_exits_2_at_once(tmp_path, capsys):
    start = time.time()
    code = main(["sweep", "--target", "product:4", "--layers", "1", "--widths", "4", "--steps", "10",
                 "--store", str(tmp_path / "runs.db"), "--backend", "ray", "--address", "127.0.0.1:1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot reach" in err
    assert time.time() - start < 10 and not (tmp_path / "runs.db").exists()
