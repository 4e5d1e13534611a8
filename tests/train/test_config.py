"""The training configuration, stated once: TrainingConfig's defaults are the specs', no sweep signature
re-spells them, bad values are one line, and the config module loads without torch."""

import dataclasses
import inspect
import subprocess
import sys

import pytest

from depthsep.errors import DepthsepError
from depthsep.train.config import RunOptions, TrainingConfig
from depthsep.train.spec import ModelSpec
from depthsep.train.sweep import grid_specs, run_specs, sweep


def test_the_defaults_are_stated_once_in_training_config():
    config = TrainingConfig()
    spec = ModelSpec("product:4", 1, 4)
    for field in dataclasses.fields(TrainingConfig):
        if field.name == "lr":
            continue                                    # None in a config; the number used in a spec
        assert getattr(spec, field.name) == getattr(config, field.name), field.name
    assert spec.lr == 1.0 and spec.config == config.with_(lr=1.0)
    # No signature re-spells a training default.
    for fn in (grid_specs, sweep, run_specs):
        assert not set(inspect.signature(fn).parameters) & {"steps", "batch_size", "loss", "lr"}, fn
    assert config.spec("product:4", 1, 4, "tanh", 0) == spec


@pytest.mark.parametrize("bad", [dict(steps=0), dict(batch_size=-1), dict(loss="huber"), dict(lr=0),
                                 dict(optimizer="rmsprop"), dict(domain="2:0"), dict(test_size=1.5)])
def test_a_bad_training_config_is_one_line(bad):
    with pytest.raises(DepthsepError) as info:
        TrainingConfig(**bad)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", [dict(backend="slurm"), dict(workers=0), dict(workers="many")])
def test_bad_run_options_are_one_line(bad):
    with pytest.raises(DepthsepError) as info:
        RunOptions(**bad)
    assert "\n" not in str(info.value)


def test_the_config_module_loads_without_torch():
    code = "import sys; import depthsep.train.config; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
