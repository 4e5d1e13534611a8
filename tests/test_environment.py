"""`depthsep doctor`: a bug report's facts, as a table and as JSON."""

import json
from importlib import metadata

import depthsep
from depthsep.cli import main
from depthsep.environment import NOT_INSTALLED, doctor


def test_doctor_reports_what_a_bug_report_needs(capsys):
    r = doctor()
    assert set(r["versions"]) >= {"depthsep", "python", "torch", "numpy", "sympy", "flint", "onnx",
                                  "onnxruntime", "ray"}
    assert r["versions"]["depthsep"] == depthsep.__version__
    assert isinstance(r["cuda"], bool) and r["torch_threads"] >= 1 and r["cpu_count"] >= 1
    assert main(["doctor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["versions"]["python"] == r["versions"]["python"]
    assert main(["doctor"]) == 0
    table = capsys.readouterr().out
    assert "torch threads" in table and "ray backend" in table and "cpu training step" in table


def test_doctor_says_which_cpu_step_trains_and_why(monkeypatch):
    from depthsep.train import fused

    fused._load.cache_clear()
    try:
        monkeypatch.setenv("DEPTHSEP_FUSED", "0")
        assert doctor()["cpu_step"] == "torch kernels (fused C step unavailable: DEPTHSEP_FUSED=0)"
    finally:
        monkeypatch.delenv("DEPTHSEP_FUSED")
        fused._load.cache_clear()       # the next caller builds or loads it again
    if fused.unavailable_reason() is None:
        assert doctor()["cpu_step"].startswith("fused C step for tanh/relu, l1/l2, adadelta/adam/sgd")


def test_doctor_without_ray(monkeypatch):
    real = metadata.version
    monkeypatch.setattr("depthsep.environment.metadata.version",
                        lambda name: (_ for _ in ()).throw(metadata.PackageNotFoundError(name))
                        if name == "ray" else real(name))
    r = doctor()
    assert r["versions"]["ray"] == NOT_INSTALLED and r["ray"]["available"] is False
    assert "pip install" in r["ray"]["note"]
