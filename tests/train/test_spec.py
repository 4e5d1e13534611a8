"""Model specs: defaults normalised, and every bad field a one-line error."""

import math

import pytest

from depthsep.errors import DepthsepError
from depthsep.train import ModelSpec

FAST = dict(target="product:4", steps=40, batch_size=64, test_size=2000)


def spec(**kw):
    return ModelSpec(**{**FAST, "layers": 2, "width": 8, **kw})


def test_spec_normalises_defaults():
    s = ModelSpec("product:20", layers=2, width=16, domain="0:2")
    assert s.domain == (0.0, 2.0) and s.lr == 1.0 and s.n == 20 and s.neurons == 32
    assert ModelSpec("product:3", 1, 4, optimizer="adam").lr == 1e-3
    row = s.row()
    assert row["target"] == "product:20" and row["domain"] == "0:2" and row["layers"] == 2


@pytest.mark.parametrize("kwargs", [
    dict(target="nosuch:3"), dict(target="product:x"), dict(target="product:0"),
    dict(target="poly:x^"), dict(target="poly:7"), dict(target="x1*x2"),
    dict(activation="swish"), dict(optimizer="rmsprop"), dict(loss="huber"),
    dict(layers=0), dict(width=0), dict(steps=0), dict(batch_size=0), dict(test_size=0),
    dict(layers=1.5), dict(width=True),
    dict(domain="2:0"), dict(domain="a:b"), dict(domain=(0, math.inf)), dict(domain="1"),
    dict(lr=-1.0), dict(lr=0), dict(lr=math.nan), dict(seed=-1), dict(seed=1.5), dict(seed=True),
])
def test_bad_specs_raise_one_line_errors(kwargs):
    with pytest.raises(DepthsepError) as info:
        spec(**kwargs)
    assert "\n" not in str(info.value)
