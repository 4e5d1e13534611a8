"""Every command the README shows is run here, as written, in a fresh folder — made small where it
would take minutes (later options win in argparse, so sizes are appended, never edited in) — and
must exit 0 and write what it says it writes. The set-up and test commands are what CI runs.
"""

from __future__ import annotations

import json
import re
import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from depthsep.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()

# Appended to a command that starts with the key: the same command at a size that runs in seconds.
SMALLER = {
    "bench train": ["--steps", "20", "--test-size", "2000"],
    "radial indicator": ["--steps", "100"],
    "sweep --target product:20": ["--layers", "1,2", "--widths", "10", "--seeds", "0", "--steps", "30",
                                  "--test-size", "1000"],
    "benchmarks/bench_rank.py": ["--repeat", "1"],
    "benchmarks/bench_ray.py": ["--steps", "10"],
    "benchmarks/bench_fused_layout.py": ["--widths", "8,37", "--batches", "136", "--layers", "2", "--chunks", "1"],
    "atlas": ["--n", "2,3", "--layers", "1,2", "--seeds", "0", "--steps", "200", "--max-width", "8"],
    "report": ["--smoke", "--sections", "approximation,product-trees"],
}
TINY_FIGURE2 = dict(layers=[1, 2], widths=[5, 10], activations=["tanh"], seeds=[0, 1], steps=30, batch_size=32,
                    test_size=500)


def _fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def _lines(block: str) -> list[str]:
    """Commands of a shell block: comments dropped, backslash continuations joined."""
    text = re.sub(r"\\\n\s*", " ", block)
    return [re.sub(r"\s+#.*$", "", line).strip() for line in text.splitlines()
            if line.strip() and not line.strip().startswith("#")]


def shell_commands() -> list[str]:
    commands = [c for block in _fenced("bash") for c in _lines(block)]
    inline = re.findall(r"`((?:\.venv/bin/)?(?:depthsep|python) [^`]+)`", README)
    return commands + [c for c in inline if c.split()[0].endswith(("depthsep", "python"))
                       and ("benchmarks/" in c or c.startswith(".venv/bin/depthsep"))]


def _depthsep_argv(command: str) -> list[str] | None:
    words = shlex.split(command)
    if not words or not words[0].endswith("depthsep"):
        return None
    argv = words[1:]
    joined = " ".join(argv)
    for prefix, extra in SMALLER.items():
        if joined.startswith(prefix):
            argv = argv + extra
    return argv


def _written(argv: list[str]) -> list[str]:
    """The files a command says it writes (--out, and figure paths' other format)."""
    out = [argv[i + 1] for i, word in enumerate(argv[:-1]) if word == "--out"]
    both = []
    for path in out:
        both.append(path)
        if path.endswith((".png", ".svg")) and "runs" not in argv[:1]:
            both.append(path[:-4] + (".svg" if path.endswith(".png") else ".png"))
    return both


@pytest.fixture
def tiny_figure2(monkeypatch):
    from depthsep.experiments import figure2

    monkeypatch.setattr(figure2, "figure2_grid", lambda mode="quick": {**figure2.FIGURE2_SETUP, **TINY_FIGURE2})
    from depthsep.experiments import expressible     # Figure 2's grid, its constructions measured on fewer points

    monkeypatch.setattr(expressible, "figure2_grid", figure2.figure2_grid)
    for name, value in (("C_VALUES", (1e-3,)), ("TOPS", (None,)), ("EPSILONS", (0.5,)), ("SELECT_SAMPLES", 2_000),
                        ("SAMPLES", 4_000)):
        monkeypatch.setattr(expressible, name, value)


def _run(argv: list[str], capsys) -> str:
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 0, f"depthsep {' '.join(argv)}: exit {code}: {err}"
    return out


def _one_command_block(index: int, command: str, folder: Path, files, capsys) -> str:
    """Run the README's bash block ``index``, which must be ``command`` alone, in ``folder``, and
    check it wrote ``files``; returns what it printed."""
    assert _lines(_fenced("bash")[index]) == [command], f"the README's block {index + 1} is `{command}`"
    out = _run(_depthsep_argv(command) + ["--no-progress"], capsys)
    for name in files:
        assert (folder / name).stat().st_size > 0, name
    return out


def test_the_main_job_runs_as_written(tmp_path, monkeypatch, capsys, tiny_figure2):
    monkeypatch.chdir(tmp_path)
    out = _one_command_block(2, ".venv/bin/depthsep figure2", tmp_path, ("figure2.png", "figure2.svg", "figure2.csv",
                                                                          "figure2.run.json", "figure2.db"),
                             capsys)
    assert "best cell" in out and "worst cell" in out
    again = json.loads(_run(["figure2", "--no-progress", "--json"], capsys))
    assert again["trained"] == 0 and again["skipped"] == again["total"]


def test_every_example_runs_and_writes_its_files(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    examples = [c for c in _lines(_fenced("bash")[4])]
    assert len(examples) >= 10 and all(c.startswith(".venv/bin/depthsep ") for c in examples)
    for command in examples:
        argv = _depthsep_argv(command)
        out = _run(argv, capsys)
        if "--json" in argv:
            json.loads(out)
        for path in _written(argv):
            assert (tmp_path / path).stat().st_size > 0, f"{command}: {path} not written"
    # The float32 example is verified in float32, as the README says.
    report = json.loads(_run(["verify", "tree32.onnx", "x1*x2*x3*x4", "--json"], capsys))
    assert report["precision"] == "float32" and report["sup_error"] < 1e-3
    # The Python block loads the .pt2 the examples wrote, with torch alone.
    (python_block,) = _fenced("python")
    result = subprocess.run([sys.executable, "-c", python_block], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


def test_the_report_runs_as_written(tmp_path, monkeypatch, capsys):
    """The page the README shows after the main job, on two sections of the smoke preset."""
    monkeypatch.chdir(tmp_path)
    out = _one_command_block(3, ".venv/bin/depthsep report --out report", tmp_path / "report",
                             ("report.html", "report.md", "claims.json"), capsys)
    assert "holds" in out and "wrote report/report.html" in out


def test_the_epsilon_the_readme_says_float64_cannot_reach_is_refused(capsys):
    code = main(["build", "x1^3*x2^2*x3", "--layers", "1", "--activation", "exp", "--model", "paper",
                 "--epsilon", "1e-4"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot reach epsilon" in err


def test_the_other_depthsep_commands_run(tmp_path, monkeypatch, capsys, tiny_figure2):
    """Commands shown in the prose (bench, the --help lines) and not in a block of their own."""
    monkeypatch.chdir(tmp_path)
    shown = [c for c in shell_commands() if c.startswith(".venv/bin/depthsep ")]
    blocks = {c for block in _fenced("bash") for c in _lines(block)}
    for command in [c for c in shown if c not in blocks]:
        argv = _depthsep_argv(command)
        if argv[-1] == "--help":
            with pytest.raises(SystemExit) as stop:
                main(argv)
            assert stop.value.code == 0
            capsys.readouterr()
        else:
            _run(argv, capsys)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_cluster_recipe_runs_on_a_one_node_cluster(tmp_path, monkeypatch):
    """The recipe on this machine as head and only node: HEAD is 127.0.0.1, on a free port."""
    pytest.importorskip("ray")
    block = next(b for b in _fenced("bash") if "ray start --head" in b)
    port = str(_free_port())
    ray = str(Path(sys.executable).with_name("ray"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAY_USAGE_STATS_ENABLED", "0")
    started = False
    try:
        for command in [c.replace("6379", port).replace("HEAD", "127.0.0.1") for c in _lines(block)]:
            words = shlex.split(command)
            if words[0] == "export":
                for assignment in words[1:]:
                    name, value = assignment.split("=", 1)
                    if value == "TOKEN":
                        value = subprocess.run([ray, "get-auth-token"], capture_output=True, text=True,
                                               check=True, timeout=60).stdout.strip()
                    monkeypatch.setenv(name, value)
            elif words[:2] == ["ray", "start"] and "--head" not in words:
                continue                  # another node: this machine is the only one
            elif words[:2] == ["ray", "stop"]:
                continue                  # done in `finally`, whatever happened
            elif words[0] == "ray":
                extra = ["--num-cpus", "2"] if "--head" in words else []
                subprocess.run([ray, *words[1:], *extra], check=True, capture_output=True, timeout=120)
                started = started or "--head" in words
            else:
                # In a process of its own, as from a shell with the exports above: Ray reads its
                # authentication settings once per process.
                argv = _depthsep_argv(command) + ["--no-progress"]
                code = ("import sys; from depthsep.experiments import figure2; "
                        f"figure2.figure2_grid = lambda mode='quick': {{**figure2.FIGURE2_SETUP, **{TINY_FIGURE2!r}}}; "
                        f"from depthsep.cli import main; sys.exit(main({argv!r}))")
                result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
                assert result.returncode == 0, result.stderr[-2000:]
                assert (tmp_path / argv[argv.index("--store") + 1]).exists()
    finally:
        if started:
            subprocess.run([ray, "stop", "--force"], capture_output=True, timeout=120)


@pytest.mark.parametrize("script", sorted({c.split("benchmarks/")[1].split()[0] for c in shell_commands()
                                           if "benchmarks/" in c}))
def test_the_benchmarks_the_readme_quotes_run(script, tmp_path):
    argv = [sys.executable, str(ROOT / "benchmarks" / script), *SMALLER.get(f"benchmarks/{script}", [])]
    if script == "bench_fused_layout.py":
        from depthsep.train import fused
        if fused.unavailable_reason() is not None:
            pytest.skip(f"fused step unavailable here: {fused.unavailable_reason()}")
    if script == "bench_gpu.py":
        torch = pytest.importorskip("torch")
        if not torch.cuda.is_available():
            argv.append("--plan-only")       # what it would train, planned for a GPU; no GPU here
    result = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip()
