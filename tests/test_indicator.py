"""The unit-ball indicator (Safran & Shamir 2017, Sec. 5): its target, experiment, CLI and API."""

import json
import math

import pytest
import torch

from depthsep.cli import main
from depthsep.errors import DepthsepError
from depthsep.indicator import indicator_experiment, parameter_count
from depthsep.train import make_target

TINY = dict(dims=(3,), widths=(4, 8), steps=30, test_size=1024, workers=1)


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_labels_are_exactly_the_indicator():
    target = make_target("ball:7")
    x = target.draw(torch.Generator().manual_seed(0), 20_000)
    assert x.dtype == torch.float32 and x.shape == (20_000, 7)
    inside = (x.double().norm(dim=1) <= 1.0).double()
    for y in (target(x.double()), target(x).double()):
        assert set(y.unique().tolist()) == {0.0, 1.0}
        assert torch.equal(y, inside)
    # on the sphere exactly (all coordinates and squares representable) counts as inside
    edge = torch.tensor([[1.0, 0, 0, 0, 0, 0, 0], [0, 0.5, 0.5, 0.5, 0.5, 0, 0], [0, 0, 0, 0, 0, 0, 1 + 2**-23]])
    assert target(edge).tolist() == target(edge.double()).tolist() == [1.0, 1.0, 0.0]


@pytest.mark.parametrize("text,radius", [("ball:50", 2.0), ("ball:4:3", 3.0)])
def test_draw_follows_the_papers_distribution(text, radius):
    """Direction uniform, |x| ~ U[0, R]: P(|x| ≤ 1) = 1/R in every dimension, E|x| = R/2."""
    target = make_target(text)
    x = target.draw(torch.Generator().manual_seed(1), 40_000).double()
    r = x.norm(dim=1)
    assert float(r.max()) <= radius * (1 + 1e-6)
    assert abs(float((r <= 1).double().mean()) - 1 / radius) < 0.01   # 4 standard errors
    assert abs(float((r <= radius / 4).double().mean()) - 0.25) < 0.01
    assert abs(float(r.mean()) - radius / 2) < 0.02 * radius
    u = x / r[:, None]
    assert float(u.mean(dim=0).abs().max()) < 0.03                      # no preferred direction


def test_same_seed_same_points():
    target = make_target("ball:5")
    a = target.draw(torch.Generator().manual_seed(3), 100)
    b = target.draw(torch.Generator().manual_seed(3), 100)
    c = target.draw(torch.Generator().manual_seed(4), 100)
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("text,name", [("ball:10", "ball:10"), ("ball: 10 ", "ball:10"), ("ball:10:2", "ball:10"),
                                       ("ball:10:2.5", "ball:10:2.5"), ("ball:10:2.123456789", "ball:10:2.123456789")])
def test_canonical_name_round_trips(text, name):
    target = make_target(text)
    assert target.name == name
    again = make_target(target.name)
    assert again.name == name and again.radius == target.radius and again.n == target.n == 10


@pytest.mark.parametrize("bad", ["ball:", "ball:0", "ball:x", "ball:-3", "ball:2.5", "ball:3:1", "ball:3:0.5",
                                 "ball:3:nan", "ball:3:inf", "ball:3:y", "ball:3:2:1"])
def test_bad_ball_targets_are_refused(bad):
    with pytest.raises(DepthsepError) as info:
        make_target(bad)
    assert "\n" not in str(info.value)


def test_parameter_count():
    # the paper's comparison: 2-layer width 800 ≈ 81 K parameters at d = 100
    assert parameter_count(100, 1, 800) == 800 * 101 + 801
    assert parameter_count(100, 2, 100) == 100 * 101 + 100 * 101 + 101


def test_experiment_keys_and_figures(tmp_path):
    result = indicator_experiment(**TINY, seeds=(0, 1), out=tmp_path / "ball.png")
    for key in ("dims", "widths", "layers", "seeds", "steps", "batch_size", "lr", "optimizer", "loss", "radius",
                "distribution", "baseline_rmse", "error_measure", "rows", "summary", "train_s", "figures", "source"):
        assert key in result
    assert result["baseline_rmse"] == 0.5 and result["batch_size"] == 100
    assert len(result["rows"]) == 1 * 2 * 2  # d × depth × width
    for row in result["rows"]:
        assert {"dim", "layers", "depth", "width", "parameters", "rmse", "rmse_min", "rmse_max", "mae"} <= set(row)
        assert row["rmse_min"] <= row["rmse"] <= row["rmse_max"] and math.isfinite(row["rmse"])
        assert row["parameters"] == parameter_count(row["dim"], row["layers"], row["width"])
    assert [s["layers"] for s in result["summary"]] == [1, 2]
    assert result["figures"] == [str(tmp_path / "ball.png"), str(tmp_path / "ball.svg")]
    assert (tmp_path / "ball.png").stat().st_size > 0 and (tmp_path / "ball.svg").stat().st_size > 0


def test_experiment_mean_is_the_mean_of_single_seeds():
    both = indicator_experiment(**TINY, seeds=(0, 1))
    one, two = (indicator_experiment(**TINY, seeds=(s,)) for s in (0, 1))
    for rb, r0, r1 in zip(both["rows"], one["rows"], two["rows"]):
        assert rb["rmse"] == pytest.approx((r0["rmse"] + r1["rmse"]) / 2, rel=1e-12)
        assert (rb["rmse_min"], rb["rmse_max"]) == (min(r0["rmse"], r1["rmse"]), max(r0["rmse"], r1["rmse"]))


@pytest.mark.parametrize("kwargs", [dict(dims=(0,)), dict(widths=()), dict(layers=(0,)), dict(seeds=()),
                                    dict(radius=1.0), dict(preset="huge"), dict(widths=("8",))])
def test_experiment_bad_arguments(kwargs):
    with pytest.raises(DepthsepError):
        indicator_experiment(**(TINY | kwargs))


def test_cli_json_equals_the_api(capsys):
    import depthsep

    argv = ["radial", "indicator", "--dims", "3", "--widths", "4,8", "--steps", "30", "--test-size", "1024",
            "--workers", "1", "--json"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    data = json.loads(out)
    api = depthsep.radial_indicator(dims=(3,), widths=(4, 8), steps=30, test_size=1024, workers=1)
    assert data.pop("train_s") is not None and api.pop("train_s") is not None
    assert data == json.loads(json.dumps(api))
    code, out, err = run(capsys, *argv[:-1])
    assert code == 0 and "w=4" in out and "depth" in out


@pytest.mark.parametrize("argv", [["--dims", "0"], ["--widths", "x"], ["--dims", "3", "--steps", "0"],
                                  ["--seeds", "a"], ["--layers", "0"], ["--dims", "3", "--radius", "1"],
                                  ["--dims", "3", "--out", "/no/such/dir/x.png"], ["--steps", "many"]])
def test_cli_bad_input_is_one_line(capsys, argv):
    code, out, err = run(capsys, "radial", "indicator", "--workers", "1", *argv)
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_sweep_help_names_the_ball_target(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert "ball:D" in capsys.readouterr().out


def test_radial_api_mirrors_the_cli(capsys, tmp_path):
    import depthsep

    code, out, err = run(capsys, "radial", "sizes", "--phi", "cos(t)", "--dims", "2,4", "--epsilons", "0.1", "--json")
    assert code == 0, err
    assert json.loads(out) == json.loads(json.dumps(depthsep.radial_sizes("cos(t)", dims=(2, 4), epsilons=(0.1,))))
    built = depthsep.radial_build("cos(t)", 2, epsilon=0.1, out=str(tmp_path / "net.json"))
    assert built["sup_error"] <= 0.1 and (tmp_path / "net.json").exists()
    result = depthsep.radial_experiment(phis=("cos(pi*t)",), dims=(2,), widths=(4,), steps=10, seeds=(0, 1), workers=1)
    assert result["seeds"] == [0, 1] and len(result["rows"]) == 2
