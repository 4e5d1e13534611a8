"""docs/results: each shipped record names the command its page shows, the page's table is the
shipped CSV, and each command on the page writes the files the page names (on a tiny grid)."""

import csv
import json
import re
import shlex
from pathlib import Path

import pytest

from depthsep.cli import main
from depthsep.experiments import figure2 as fig2

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results"
ROOT = DOCS.parents[1]
PAGE = (DOCS / "README.md").read_text()
COMMANDS = [line.strip() for block in re.findall(r"```bash\n(.*?)```", PAGE, flags=re.S)
            for line in block.splitlines() if line.strip()]
TINY = dict(layers=[1, 2], widths=[4], seeds=[0], steps=20, batch_size=16, test_size=200)


def test_the_page_shows_the_quick_and_the_full_command():
    assert [shlex.split(c)[1:3] for c in COMMANDS] == [["figure2", "--quick"], ["figure2", "--full"]]


def test_each_shipped_record_holds_a_command_the_page_shows_and_its_files_are_shipped():
    records = sorted(DOCS.glob("*.run.json"))
    assert records, "no record shipped"
    for path in records:
        record = json.loads(path.read_text())
        assert f".venv/bin/{record['command']}" in COMMANDS
        for name in record["files"]:
            assert (ROOT / name).stat().st_size > 0, name
        assert record["models"]["trained"] + record["models"]["skipped"] == record["models"]["total"]
        assert record["store"]["models"] == record["models"]["total"]


def test_the_pages_table_is_the_shipped_csv():
    with open(DOCS / "figure2-quick.csv") as fh:
        cells = {(int(r["layers"]), int(r["width"])): float(r["mae_mean"]) for r in csv.DictReader(fh)}
    header = re.search(r"^\| layers \\ width \|(.*)$", PAGE, flags=re.M).group(1)
    widths = [int(w) for w in re.findall(r"\| (\d+) (?=\|)", "|" + header)]
    rows = re.findall(r"^\| (\d+) \|(.*)$", PAGE, flags=re.M)
    assert widths == sorted({w for _, w in cells}) and len(rows) == len({k for k, _ in cells})
    for layers, rest in rows:
        shown = [float(v.strip("* ")) for v in rest.split("|")[:len(widths)]]
        assert shown == [round(cells[(int(layers), w)], 3) for w in widths], f"row {layers}"


def named_on_page() -> set[str]:
    """The file names the page writes in backticks, ``a.{png,svg}`` spelled out."""
    names = set()
    for token in re.findall(r"`([\w-]+\.(?:\{[\w,]+\}|[\w.]+))`", PAGE):
        stem, _, choices = token.partition(".{")
        names |= {f"{stem}.{ext}" for ext in choices.rstrip("}").split(",")} if choices else {token}
    return names


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_on_the_page_writes_the_files_the_page_names(command, tmp_path, monkeypatch):
    mode = shlex.split(command)[2].lstrip("-")
    tiny = {**fig2.figure2_grid(mode), **TINY}          # the preset's setup and activations, a tiny grid
    monkeypatch.setattr(fig2, "figure2_grid", lambda mode: dict(tiny))
    monkeypatch.chdir(tmp_path)
    results = tmp_path / "docs" / "results"
    results.mkdir(parents=True)
    assert main([*shlex.split(command)[1:], "--no-progress"]) == 0
    written = {p.name for p in results.iterdir()}
    assert written == {name for name in named_on_page() if name.startswith(f"figure2-{mode}")}
    assert all((results / name).stat().st_size > 0 for name in written)
    assert json.loads((results / f"figure2-{mode}.run.json").read_text())["command"] == \
        command.removeprefix(".venv/bin/")
