"""`depthsep report`: a smoke report end to end — the files, claims.json's schema, a page that is one
self-contained file with working anchors, reuse of finished stores, and a failing section shown as
failed while the rest is written."""

import json
import re
import sqlite3
from html.parser import HTMLParser
from pathlib import Path

import pytest

from depthsep.errors import DepthsepError
from depthsep.experiments import report as report_module
from depthsep.experiments._page import PAPERS
from depthsep.experiments.report import SECTIONS, STORES, Outcome, Section, report
from depthsep.train.config import RunOptions

RUN = RunOptions(workers=1, progress=False)
TRAINING = [s.key for s in SECTIONS if s.stores]
#: Every numbered result the report must carry a row for (Rolnick & Tegmark, then Safran, Eldan & Shamir and the results it revisits).
REQUIRED = {"prop-3.3", "thm-3.4", "thm-4.1-i", "thm-4.1-ii", "thm-4.2", "thm-4.3-i", "thm-4.3-ii", "thm-4.4",
            "prop-4.5", "prop-4.6-i", "prop-4.6-ii", "thm-5.1", "eq-5", "conjecture-5.2", "figure-2",
            "rule-of-thumb", "ses-thm-1", "ses-thm-2", "ses-thm-3", "ses-thm-4", "es-depth-3", "ss-indicator"}
STATUSES = {"holds", "consistent", "differs", "not run"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    result = report("smoke", store_dir=root / "stores", out=root / "out", run=RUN)
    return root, result


class Page(HTMLParser):
    """Every id, every href and src, and the tags seen."""

    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.srcs, self.tags = set(), [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if "href" in attrs:
            self.hrefs.append(attrs["href"])
        if "src" in attrs:
            self.srcs.append(attrs["src"])


def parse(path) -> Page:
    page = Page()
    page.feed(Path(path).read_text(encoding="utf-8"))
    return page


def test_smoke_report_writes_every_file(smoke):
    root, result = smoke
    out = root / "out"
    assert {Path(result[k]).name for k in ("html", "markdown", "claims_json")} == {"report.html", "report.md",
                                                                                  "claims.json"}
    assert all(s["status"] == "ok" for s in result["sections"]), result["sections"]
    assert result["trained"] > 0                                 # the stores started empty
    assert {p.name for p in (root / "stores").iterdir() if p.suffix == ".db"} == set(STORES.values())
    # report.md refers to its figures by relative paths, and each is there.
    markdown = (out / "report.md").read_text(encoding="utf-8")
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    assert len(figures) >= 8 and all((out / f).is_file() for f in figures)
    assert "## Notes on the papers" in markdown and "## Provenance" in markdown


def test_claims_json_schema(smoke):
    root, result = smoke
    data = json.loads((root / "out" / "claims.json").read_text(encoding="utf-8"))
    assert data["format"] == "depthsep.claims/1" and data["mode"] == "smoke"
    ids = [c["id"] for c in data["claims"]]
    assert len(ids) == len(set(ids)) and set(ids) >= REQUIRED
    for claim in data["claims"]:
        assert {"claim", "source", "computed", "status", "command"} <= set(claim)
        assert claim["status"] in STATUSES
        assert all(isinstance(claim[k], str) and claim[k].strip() for k in ("claim", "source", "computed", "command"))
        assert claim["paper"] in {url for _, url in PAPERS.values()}
        if claim["status"] == "differs":                         # a difference carries its numbers
            assert re.search(r"\d", claim["computed"])
    assert sum(data["counts"].values()) == len(ids) and data["counts"] == result["counts"]
    assert result["claims"] == data["claims"]


def test_page_is_self_contained_with_working_anchors(smoke):
    root, _ = smoke
    html_path = root / "out" / "report.html"
    page = parse(html_path)
    text = html_path.read_text(encoding="utf-8")
    internal = [h[1:] for h in page.hrefs if h.startswith("#")]
    assert internal and not [a for a in internal if a not in page.ids]          # no broken anchor
    external = [h for h in page.hrefs if not h.startswith("#")]
    assert external and set(external) <= {url for _, url in PAPERS.values()}    # only the papers
    assert page.srcs and all(s.startswith("data:image/png;base64,") for s in page.srcs)
    assert not {"script", "link", "iframe", "object", "embed"} & set(page.tags)
    assert "@import" not in text and "url(" not in text
    for key in [s.key for s in SECTIONS] + ["claims", "provenance"]:
        assert (f"sec-{key}" if key not in ("claims", "provenance") else key) in page.ids


def test_second_run_over_finished_stores_trains_nothing(smoke, tmp_path):
    root, _ = smoke
    stores = root / "stores"

    def rows():
        out = {}
        for path in sorted(stores.glob("*.db")):
            with sqlite3.connect(path) as db:
                out[path.name] = db.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
        return out

    before = rows()
    again = report("smoke", store_dir=stores, out=tmp_path / "again", run=RUN, sections=TRAINING)
    assert again["trained"] == 0 and all(s["trained"] == 0 for s in again["sections"])
    assert all(s["status"] == "ok" for s in again["sections"])
    assert rows() == before


def test_a_failing_section_is_shown_and_the_rest_is_written(tmp_path):
    def broken(ctx):
        raise ValueError("the store is on fire\nsecond line never shown")

    claims = (report_module.ClaimSpec("broken-claim", "a claim whose check fails", "Thm 0", "rt2018", "depthsep x"),)
    failing = Section("broken", "A broken section", claims, broken, {"smoke": 1})
    fine = Section("fine", "A fine section", (), lambda ctx: Outcome(paragraphs=["all is well"]), {"smoke": 1})
    result = report("smoke", store_dir=tmp_path / "s", out=tmp_path / "o", run=RUN, sections=[failing, fine])
    assert [(s["key"], s["status"]) for s in result["sections"]] == [("broken", "failed"), ("fine", "ok")]
    assert result["sections"][0]["error"] == "ValueError: the store is on fire"
    (claim,) = result["claims"]
    assert claim["status"] == "not run" and "the store is on fire" in claim["computed"]
    html = (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "This section failed: ValueError: the store is on fire" in html and "all is well" in html
    assert "second line never shown" not in html
    assert "This section failed" in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")


def test_bad_arguments_are_one_line_errors(tmp_path):
    with pytest.raises(DepthsepError, match="report mode"):
        report("huge", store_dir=tmp_path, out=tmp_path)
    with pytest.raises(DepthsepError, match="unknown report section 'nope'"):
        report("smoke", store_dir=tmp_path, out=tmp_path, sections=["nope"])


def test_sections_plug_in_by_registration(monkeypatch):
    monkeypatch.setattr(report_module, "SECTIONS", list(SECTIONS))
    before = len(report_module.SECTIONS)

    @report_module.section("extra", "An extra section", estimate_s={"smoke": 1})
    def extra(ctx):
        return Outcome()

    assert len(report_module.SECTIONS) == before + 1 and report_module.SECTIONS[-1].key == "extra"
    assert report_module.SECTIONS[-1].run is extra
