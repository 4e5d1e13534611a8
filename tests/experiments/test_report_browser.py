"""The report as a person sees it: a smoke report rendered by headless Chromium (Debian's ``chromium``),
a full-page screenshot that is not blank, every figure drawn with a non-zero size, nothing wider
than the window. Skipped, saying why, where Chromium is not installed."""

import io

import pytest

from depthsep.experiments.report import report
from depthsep.train.config import RunOptions

from .chromium import Browser, executable

pytestmark = pytest.mark.skipif(executable() is None,
                                reason="chromium is not installed (apt-get install -y chromium)")

WIDTH = 1280
MEASURE = """JSON.stringify({
  images: Array.from(document.images).map(i => {
    const r = i.getBoundingClientRect();
    return {id: i.closest('figure') ? i.closest('figure').id : '', complete: i.complete,
            natural: [i.naturalWidth, i.naturalHeight], shown: [r.width, r.height]};
  }),
  scrollWidth: document.documentElement.scrollWidth,
  height: document.documentElement.scrollHeight,
  sections: Array.from(document.querySelectorAll('section')).map(s => s.getBoundingClientRect().height),
  title: document.title
})"""


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    import json

    root = tmp_path_factory.mktemp("browser")
    result = report("smoke", store_dir=root / "stores", out=root / "out", run=RunOptions(workers=1, progress=False))
    with Browser() as browser:
        tab = browser.open((root / "out" / "report.html").resolve().as_uri(), width=WIDTH)
        facts = json.loads(tab.evaluate(MEASURE))
        png = tab.screenshot()
    (root / "screenshot.png").write_bytes(png)
    return result, facts, png


def test_every_figure_is_drawn_with_a_size(rendered):
    _, facts, _ = rendered
    assert len(facts["images"]) >= 8
    for image in facts["images"]:
        assert image["complete"] and min(image["natural"]) > 0, image        # the PNG decoded
        assert min(image["shown"]) > 50, image                               # and laid out visibly
        assert image["shown"][0] <= WIDTH, image


def test_page_fits_the_window_and_every_section_has_content(rendered):
    _, facts, _ = rendered
    assert facts["scrollWidth"] <= WIDTH                 # no table or code pushes the page sideways
    assert facts["title"].startswith("depthsep")
    assert facts["sections"] and min(facts["sections"]) > 40


def test_full_page_screenshot_is_not_blank(rendered):
    from PIL import Image

    _, facts, png = rendered
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == WIDTH and image.height >= min(facts["height"], 10_000) > 3000
    small = image.resize((image.width // 8, image.height // 8))
    histogram = small.histogram()                          # pixels per grey level 0…255
    ink = sum(histogram[:200]) / sum(histogram)
    assert 0.02 < ink < 0.6, ink                          # text and figures, neither empty nor a dark slab
    assert sum(count > 0 for count in histogram) > 50     # more than a flat colour
