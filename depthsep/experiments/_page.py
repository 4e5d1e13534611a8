"""The report's page, written twice from one document: ``report.html`` (one self-contained file —
figures as data-URI PNGs, styles inline, no script, no font or image fetched from anywhere, so it
opens from disk with no network) and ``report.md`` (the same text, figures as the PNG files beside
it), plus ``claims.json``.

The document is plain data (:class:`Page` of :class:`Block` sections, each with its claims,
paragraphs, tables and figures), filled by :mod:`depthsep.experiments.report`; nothing here
computes a number. Text is escaped everywhere; `backticks` become code. The only links that leave
the page are to the papers (:data:`PAPERS`).

    >>> html_text("x < y and `depthsep tree 20 --layers 3`")
    'x &lt; y and <code>depthsep tree 20 --layers 3</code>'
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

#: The papers the page links to — the only external addresses it contains.
PAPERS = {
    "rt2018": ("Rolnick & Tegmark, ICLR 2018", "https://arxiv.org/abs/1705.05502"),
    "ses2019": ("Safran, Eldan & Shamir, COLT 2019", "https://arxiv.org/abs/1904.06984"),
    "es2016": ("Eldan & Shamir, COLT 2016", "https://arxiv.org/abs/1512.03965"),
    "ss2017": ("Safran & Shamir, ICML 2017", "https://arxiv.org/abs/1610.09887"),
}
#: The four statuses of a claim (and what each means, printed under the claims table).
STATUSES = {
    "holds": "checked exactly (integer counts, or a verified sup error below the stated ε)",
    "consistent": "empirical, and in agreement over the tested range",
    "differs": "the numbers disagree with the paper; the computed column gives them",
    "not run": "not tested in this report; the computed column says why",
}
CLAIMS_FORMAT = "depthsep.claims/1"


@dataclass
class Figure:
    """A PNG written by an experiment (its SVG twin may sit beside it) and what it shows."""

    path: str
    caption: str


@dataclass
class Table:
    headers: list[str]
    rows: list[list]
    caption: str = ""


@dataclass
class Claim:
    """One numbered result: the row of the claims table and of ``claims.json``."""

    id: str
    claim: str
    source: str
    paper: str
    command: str
    computed: str = ""
    status: str = "not run"
    section: str = ""


@dataclass
class Block:
    """One section of the page. ``status`` is "ok" or "failed" (then ``error`` is its one-line reason);
    ``run`` is the key–value list of its setup (preset, wall time, device, versions, stores)."""

    key: str
    title: str
    status: str = "ok"
    error: str = ""
    paragraphs: list[str] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    run: list[tuple[str, str]] = field(default_factory=list)
    departures: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "sec-" + self.key


@dataclass
class Page:
    title: str
    summary: list[str]
    claims: list[Claim]
    blocks: list[Block]
    provenance: list[tuple[str, str]]
    provenance_tables: list[Table] = field(default_factory=list)


def claim_anchor(claim: Claim) -> str:
    return "claim-" + claim.id


def status_counts(claims: list[Claim]) -> dict[str, int]:
    return {s: sum(c.status == s for c in claims) for s in STATUSES}


# -- text ------------------------------------------------------------------------------------------

_CODE = re.compile(r"`([^`]+)`")


def html_text(text: str) -> str:
    """Escaped text with `code` spans."""
    parts = _CODE.split(str(text))
    return "".join(f"<code>{html.escape(p, quote=False)}</code>" if i % 2 else html.escape(p, quote=False)
                   for i, p in enumerate(parts))


def _cell(value) -> str:
    from ..text import format_value

    return value if isinstance(value, str) else format_value(value)


# -- HTML ------------------------------------------------------------------------------------------

CSS = """
body{font:15px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#1d1d1f;margin:0;background:#fafafa}
main{max-width:1180px;margin:0 auto;padding:24px 28px 60px;background:#fff}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:21px;margin:36px 0 8px;padding-top:8px;border-top:2px solid #e3e3e3}
h3{font-size:16px;margin:18px 0 6px}
code{font:13px/1.4 Menlo,Consolas,monospace;background:#f2f2f4;padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;margin:8px 0 14px;font-size:13.5px;width:100%}
th,td{border:1px solid #dcdcdc;padding:4px 7px;vertical-align:top;text-align:left}
th{background:#f3f4f6}tr.group th{background:#e6ebf2;font-size:14px}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td code{word-break:break-word}
.status{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12.5px;font-weight:600;white-space:nowrap}
.s-holds{background:#d8f0dc;color:#155724}.s-consistent{background:#dbe9f7;color:#123f6b}
.s-differs{background:#fde3c8;color:#7a3d00}.s-not-run{background:#e8e8e8;color:#444}
.s-failed{background:#f8d4d4;color:#7d1010}.s-ok{background:#d8f0dc;color:#155724}
.run{background:#f7f8fa;border:1px solid #e4e6ea;border-radius:6px;padding:6px 10px;margin:8px 0;font-size:13px}
.run dt{font-weight:600;float:left;clear:left;width:150px}.run dd{margin:0 0 2px 160px}
.failed{background:#fff1f1;border:1px solid #f3b7b7;border-radius:6px;padding:8px 12px}
figure{margin:14px 0;text-align:center}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:13px;color:#444;text-align:left;margin-top:4px}
nav ol{columns:2;font-size:14px}.legend{font-size:13px;color:#444}.departures li{margin-bottom:3px}
"""


def _status_badge(status: str) -> str:
    return f'<span class="status s-{status.replace(" ", "-")}">{html.escape(status)}</span>'


def _source_html(claim: Claim) -> str:
    label, url = PAPERS[claim.paper]
    return f'{html_text(claim.source)}<br><a href="{url}">{html.escape(label)}</a>'


def _table_html(table: Table) -> str:
    head = "".join(f"<th>{html_text(h)}</th>" for h in table.headers)
    body = []
    for row in table.rows:
        cells = []
        for value in row:
            cls = ' class="num"' if isinstance(value, (int, float)) and not isinstance(value, bool) else ""
            cells.append(f"<td{cls}>{html_text(_cell(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    caption = f"<caption>{html_text(table.caption)}</caption>" if table.caption else ""
    return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def _figure_html(figure: Figure, index: str) -> str:
    data = Path(figure.path).read_bytes()
    width, height = png_size(data)
    uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
    alt = html.escape(figure.caption.split(". ")[0], quote=True)
    return (f'<figure id="{index}"><img src="{uri}" width="{width}" height="{height}" alt="{alt}">'
            f"<figcaption>{html_text(figure.caption)}</figcaption></figure>")


#: The claims table's groups: the first paper's results, then the second's and those it revisits.
GROUPS = {"rt2018": "Rolnick & Tegmark (ICLR 2018)",
          "other": "Safran, Eldan & Shamir (COLT 2019), and the depth-3 results it revisits"}


def _group(claim: Claim) -> str:
    return GROUPS["rt2018"] if claim.paper == "rt2018" else GROUPS["other"]


def _claims_table_html(claims: list[Claim], top: bool) -> str:
    rows, group = [], None
    for c in claims:
        if top and _group(c) != group:
            group = _group(c)
            rows.append(f'<tr class="group"><th colspan="5">{html.escape(group)}</th></tr>')
        ident = f' id="{claim_anchor(c)}"' if top else ""
        what = (f'<a href="#sec-{c.section}">{html_text(c.claim)}</a>' if top
                else f'{html_text(c.claim)} <a href="#{claim_anchor(c)}">↑</a>')
        rows.append(f"<tr{ident}><td>{what}</td><td>{_source_html(c)}</td><td>{html_text(c.computed)}</td>"
                    f"<td>{_status_badge(c.status)}</td><td><code>{html.escape(c.command)}</code></td></tr>")
    return ("<table><thead><tr><th>claim</th><th>source</th><th>what depthsep computed</th><th>status</th>"
            f"<th>command</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")


def _block_html(block: Block) -> str:
    out = [f'<section id="{block.anchor}"><h2>{html_text(block.title)} '
           f'{_status_badge("failed" if block.status == "failed" else "ok")}</h2>']
    if block.status == "failed":
        out.append(f'<p class="failed">This section failed: {html_text(block.error)}. '
                   "Its claims are marked <em>not run</em>; every other section was still written.</p>")
    if block.run:
        out.append('<dl class="run">' + "".join(f"<dt>{html_text(k)}</dt><dd>{html_text(v)}</dd>" for k, v in block.run)
                   + "</dl>")
    out += [f"<p>{html_text(p)}</p>" for p in block.paragraphs]
    if block.claims:
        out.append("<h3>Claims checked here</h3>" + _claims_table_html(block.claims, top=False))
    for i, figure in enumerate(block.figures):
        out.append(_figure_html(figure, f"fig-{block.key}-{i + 1}"))
    out += [_table_html(t) for t in block.tables]
    if block.departures:
        out.append("<h3>Where this departs from the paper, and why</h3><ul class=\"departures\">"
                   + "".join(f"<li>{html_text(d)}</li>" for d in block.departures) + "</ul>")
    out.append("</section>")
    return "\n".join(out)


def write_html(page: Page, path) -> str:
    counts = status_counts(page.claims)
    tally = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    nav = "".join(f'<li><a href="#{b.anchor}">{html_text(b.title)}</a>'
                  f'{" (failed)" if b.status == "failed" else ""}</li>' for b in page.blocks)
    legend = "; ".join(f"{_status_badge(s)} {html.escape(m)}" for s, m in STATUSES.items())
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(page.title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{html.escape(page.title)}</h1>",
        *[f"<p>{html_text(s)}</p>" for s in page.summary],
        f'<nav><h3>Contents</h3><ol><li><a href="#claims">Claims ({tally})</a></li>{nav}'
        '<li><a href="#provenance">Provenance</a></li></ol></nav>',
        '<section id="claims"><h2>Claims</h2>',
        f'<p class="legend">{legend}</p>',
        _claims_table_html(page.claims, top=True), "</section>",
        *[_block_html(b) for b in page.blocks],
        '<section id="provenance"><h2>Provenance</h2><dl class="run">'
        + "".join(f"<dt>{html_text(k)}</dt><dd>{html_text(v)}</dd>" for k, v in page.provenance) + "</dl>",
        *[_table_html(t) for t in page.provenance_tables],
        "</section></main></body></html>",
    ]
    Path(path).write_text("\n".join(parts), encoding="utf-8")
    return os.fspath(path)


# -- Markdown --------------------------------------------------------------------------------------

def _md_cell(value) -> str:
    return _cell(value).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: list[str], rows: list[list]) -> list[str]:
    out = ["| " + " | ".join(_md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def _md_claims(claims: list[Claim], top: bool) -> list[str]:
    rows = [[f"[{c.claim}](#{'sec-' + c.section})" if top else c.claim,
             f"{c.source} ([{PAPERS[c.paper][0]}]({PAPERS[c.paper][1]}))", c.computed, f"**{c.status}**",
             f"`{c.command}`"] for c in claims]
    return _md_table(["claim", "source", "what depthsep computed", "status", "command"], rows)


def write_markdown(page: Page, path) -> str:
    """``report.md``; figures are referred to by their path relative to the file."""
    base = Path(path).parent
    counts = status_counts(page.claims)
    out = [f"# {page.title}", "", *[s + "\n" for s in page.summary], "## Contents", ""]
    out += [f"- [{b.title}](#{b.anchor}){' (failed)' if b.status == 'failed' else ''}" for b in page.blocks]
    out += ["- [Provenance](#provenance)", "", '<a id="claims"></a>', "## Claims", "",
            "; ".join(f"**{s}**: {m}" for s, m in STATUSES.items()), "",
            ", ".join(f"{n} {s}" for s, n in counts.items() if n), ""]
    out += _md_claims(page.claims, top=True)
    for b in page.blocks:
        out += [f'<a id="{b.anchor}"></a>', f"## {b.title}", ""]
        if b.status == "failed":
            out += [f"> **This section failed:** {b.error}. Its claims are marked *not run*; every other "
                    "section was still written.", ""]
        out += [f"- **{k}**: {v}" for k, v in b.run] + ([""] if b.run else [])
        out += [p + "\n" for p in b.paragraphs]
        if b.claims:
            out += ["### Claims checked here", ""] + _md_claims(b.claims, top=False)
        for f in b.figures:
            rel = os.path.relpath(f.path, base).replace(os.sep, "/")
            out += [f"![{f.caption.split('. ')[0]}]({rel})", "", f"*{f.caption}*", ""]
        for t in b.tables:
            out += ([f"*{t.caption}*", ""] if t.caption else []) + _md_table(t.headers, t.rows)
        if b.departures:
            out += ["### Where this departs from the paper, and why", ""] + [f"- {d}" for d in b.departures] + [""]
    out += ['<a id="provenance"></a>', "## Provenance", ""] + [f"- **{k}**: {v}" for k, v in page.provenance] + [""]
    for t in page.provenance_tables:
        out += ([f"*{t.caption}*", ""] if t.caption else []) + _md_table(t.headers, t.rows)
    Path(path).write_text("\n".join(out), encoding="utf-8")
    return os.fspath(path)


# -- claims.json -----------------------------------------------------------------------------------

def write_claims(claims: list[Claim], path, header: dict) -> str:
    """``claims.json``: ``{"format", …header, "claims": [{id, claim, source, computed, status, command,
    section, paper}]}``."""
    data = {"format": CLAIMS_FORMAT, **header,
            "claims": [{"id": c.id, "claim": c.claim, "source": f"{c.source} ({PAPERS[c.paper][0]})",
                        "computed": c.computed, "status": c.status, "command": c.command,
                        "section": c.section, "paper": PAPERS[c.paper][1]} for c in claims]}
    Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return os.fspath(path)


__all__ = ["Block", "CLAIMS_FORMAT", "Claim", "Figure", "PAPERS", "Page", "STATUSES", "Table", "html_text",
           "png_size", "status_counts", "write_claims", "write_html", "write_markdown"]
