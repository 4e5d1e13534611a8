"""A result's record: how to make it again and what it was made with, written beside its figure.

A figure shipped on its own (a PNG in ``docs/results``, say) says nothing of the command, the
machine or the versions that drew it, nor of how long its training took. ``<stem>.run.json`` beside
it does::

    {"command": "depthsep figure2 --full --store figure2-full.db --out figure2-full.png",
     "generated": "2026-12-07 04:30 UTC", "wall_s": 512.3,
     "models": {"total": 3200, "skipped": 0, "trained": 3200, "diverged": 0},
     "store": {"path": "figure2-full.db", "models": 3200, "training_s": 498.1,
               "devices": ["cuda:0 NVIDIA H100 80GB HBM3"], "depthsep_versions": ["0.1.0"]},
     "environment": {"versions": {...}, "processor": ..., "device": "cuda", "gpus": [...], ...},
     "files": [...]}

``wall_s`` is this call's; a resumed run trained only what was missing, so ``store.training_s`` —
the sum of its models' shares of their groups' wall time, whenever they were trained — is the
training time of the whole result, and ``store.devices`` and ``store.depthsep_versions`` say where
and with what its models were trained (a store resumed elsewhere lists several).
"""

from __future__ import annotations

import os
import shlex
from datetime import datetime

from ._atomic import write_json


def store_facts(rows: list[dict]) -> dict:
    """Of a result's store rows: how many models, their recorded training time (s), the devices
    and the depthsep versions they were trained with."""
    return {"models": len(rows), "training_s": round(sum(r["wall_s"] or 0.0 for r in rows), 3),
            "devices": sorted({str(r["device"]) for r in rows}),
            "depthsep_versions": sorted({str(r["version"]) for r in rows})}


def command_line(*words) -> str:
    """The shell command, quoted where a word needs it; None words and their options are left out:
    ``command_line("depthsep", "figure2", ("--device", None))`` → ``depthsep figure2``."""
    out = []
    for word in words:
        if isinstance(word, tuple):
            option, value = word
            if value is not None:
                out += [option, str(value)]
        else:
            out.append(str(word))
    return shlex.join(out)


def record_path(figure) -> str:
    """Where the record of the figure at ``figure`` goes: ``<stem>.run.json``."""
    return os.path.splitext(os.fspath(figure))[0] + ".run.json"


def write_record(figure, command: str, started: datetime, wall_s: float, summary: dict, rows: list[dict],
                 files: list[str]) -> str:
    """Write the record of the figure at ``figure`` (see the module's docstring); returns its path.

    ``summary`` is :func:`~depthsep.train.sweep.run_specs`'s; ``rows`` the store's rows of the
    result's models; ``started`` when the call began (UTC).
    """
    from ..environment import environment

    path = record_path(figure)
    write_json(path, {
        "command": command,
        "generated": started.strftime("%Y-%m-%d %H:%M UTC"),
        "wall_s": round(wall_s, 3),
        "models": {k: summary[k] for k in ("total", "skipped", "trained", "diverged")},
        "store": {"path": summary["store"], **store_facts(rows)},
        "environment": environment(),
        "files": list(files),
    }, indent=1)
    return path
