"""``bench train``: what it reports is true — no speed-up is claimed without the naive loop."""

import json
import math

from depthsep.train import bench


def test_skip_naive_reports_no_speedup_and_no_nan(monkeypatch):
    # The matmul and wide-network rates are measured by the same code either way: stubbed for speed.
    monkeypatch.setattr(bench, "matmul_rates", lambda: {"mkl x1": 50.0, "mkl x2": 90.0})
    monkeypatch.setattr(bench, "wide_rate", lambda steps: (30.0, 0.5))
    result = bench.bench_train(steps=3, test_size=64, skip_naive=True)
    json.dumps(result, allow_nan=False)                   # nothing is "nan"
    assert result["speedup"] is None and result["median_relative_difference"] is None
    (engine,) = result["sides"]
    assert engine["side"] == "engine" and engine["speedup"] is None and engine["diverged"] == 0
    assert engine["walls"] == [engine["wall_s"]] and result["models"] == 96 and result["steps"] == 3
    assert result["peak_gflops"] == 100.0 and math.isclose(result["fraction_of_peak"], 0.3)
