"""Figure 1: the files, and the curves it draws satisfy eq. (4) and approach n^(1/k)."""

import math

import pytest

from depthsep.errors import DepthsepError
from depthsep.experiments.figure1 import _group_sizes, figure1


def test_writes_png_and_svg(tmp_path):
    paths = figure1(tmp_path / "fig1.svg", n_max=200)
    assert paths == [str(tmp_path / "fig1.svg"), str(tmp_path / "fig1.png")]
    assert (tmp_path / "fig1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "fig1.svg").read_bytes()[:2000]


@pytest.mark.parametrize("k", [2, 3])
def test_curves_multiply_to_n_and_approach_the_even_split(k):
    ns, sizes = _group_sizes(10**4, k)
    assert len(ns) > 100 and sizes.shape == (len(ns), k) and (sizes >= 1).all()
    for n, b in zip(ns, sizes):
        assert math.prod(b) == pytest.approx(n, rel=1e-9)                          # eq. (4)
        assert all(b[i + 1] == pytest.approx(b[i] + math.log2(b[i] - 1 / math.log(2)), rel=1e-9)
                   for i in range(k - 1))                                            # eq. (5)
    # the spread max b_i / min b_i shrinks (in log terms relative to n^(1/k)) as n grows
    spread = [math.log(b.max() / b.min()) / math.log(n ** (1 / k)) for n, b in zip(ns, sizes)]
    assert spread[-1] < spread[len(spread) // 2] < 1


@pytest.mark.parametrize("n_max", [3, 10**10, 2.5, True, "many"])
def test_bad_n_max(tmp_path, n_max):
    with pytest.raises(DepthsepError):
        figure1(tmp_path / "fig.png", n_max=n_max)
    assert not (tmp_path / "fig.png").exists()


def test_figure1_writes_png_and_svg(tmp_path):
    paths = figure1(str(tmp_path / "fig1.png"), n_max=1000)
    assert paths == [str(tmp_path / "fig1.png"), str(tmp_path / "fig1.svg")]
    png, svg = (tmp_path / "fig1.png"), (tmp_path / "fig1.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    assert b"<svg" in svg.read_bytes()[:2000]


def test_figure1_svg_first(tmp_path):
    paths = figure1(str(tmp_path / "b.svg"), n_max=100)
    assert paths == [str(tmp_path / "b.svg"), str(tmp_path / "b.png")]
    assert all((tmp_path / name).stat().st_size > 0 for name in ("b.svg", "b.png"))


def test_figure1_bad_paths(tmp_path):
    with pytest.raises(DepthsepError):
        figure1(str(tmp_path / "missing" / "fig.png"))
    with pytest.raises(DepthsepError):
        figure1(str(tmp_path / "fig.pdf"))
    with pytest.raises(DepthsepError):
        figure1(str(tmp_path / "fig.png"), n_max=3)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    import os

    if os.access(locked, os.W_OK):  # running as root: permissions are not enforced
        pytest.skip("directory permissions are not enforced for this user")
    with pytest.raises(DepthsepError):
        figure1(str(locked / "fig.png"))
