"""One marked `Table` in four formats: Markdown, LaTeX (booktabs), CSV, HTML; and the HTML page."""

from __future__ import annotations

import base64
import html
import math
import re

import pandas as pd

from cmathlab.report.figures import Figure
from cmathlab.report.tables import Cell, Table

_TEX = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "γ1": r"$\gamma_1$",
    "γ2": r"$\gamma_2$",
    "±": r"$\pm$",
    "×": r"$\times$",
    "α": r"$\alpha$",
    "†": r"$^\dagger$",
    "–": "--",
}
_TEX_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(_TEX, key=len, reverse=True)))


def tex_text(text: str) -> str:
    return _TEX_PATTERN.sub(lambda m: _TEX[m.group(0)], text)


def _cell(cell: Cell | None, fmt: str) -> str:
    if cell is None or math.isnan(cell.mean):
        return "–" if fmt != "tex" else "--"
    mean = f"{cell.mean:.2f}"
    if fmt == "md":
        mean = f"**{mean}**" if cell.bold else f"<u>{mean}</u>" if cell.underline else mean
        dagger, std = "†" if cell.dagger else "", f" ± {cell.std:.2f}" if not math.isnan(cell.std) else ""
    elif fmt == "tex":
        mean = rf"\textbf{{{mean}}}" if cell.bold else rf"\underline{{{mean}}}" if cell.underline else mean
        dagger = r"$^\dagger$" if cell.dagger else ""
        std = rf" {{\scriptsize $\pm$ {cell.std:.2f}}}" if not math.isnan(cell.std) else ""
    else:
        mean = f"<b>{mean}</b>" if cell.bold else f"<u>{mean}</u>" if cell.underline else mean
        dagger = "<sup>†</sup>" if cell.dagger else ""
        std = f' <span class="sd">± {cell.std:.2f}</span>' if not math.isnan(cell.std) else ""
    return mean + dagger + std


def _published_cell(value: float | None, fmt: str) -> str:
    if value is None or math.isnan(value):
        return "--" if fmt == "tex" else "–"
    return f"{value:.2f}"


def grid(table: Table, fmt: str) -> pd.DataFrame:
    """The table as strings in one format: measured rows, then the published ones."""
    name = {"md": lambda s: s, "tex": tex_text, "html": html.escape}[fmt]
    italic = {"md": lambda s: f"*{s}*", "tex": lambda s: rf"\textit{{{s}}}", "html": lambda s: f"<i>{s}</i>"}[fmt]
    records, index = [], []
    for row in table.rows:
        index.append(name(row.name))
        cells = [_cell(table.cells.get((row.name, c)), fmt) for c in table.columns]
        if fmt == "html" and row.run_ids:  # each cell names the MLflow runs it averages (hover, or read the CSV)
            cells = [f'<span title="{_runs_of(row, c)}">{text}</span>' for text, c in zip(cells, table.columns)]
        records.append(cells)
    for label, values in table.published:
        index.append(italic(name(label)))
        records.append([_published_cell(values.get(c), fmt) for c in table.columns])
    headers = [name(h) for h in table.headers]
    primary = table.primary_column(table.options) if table.reference is not None else None
    if primary is not None:  # the verdict of each row on the primary metric, in words
        headers.append(name(f"vs reference ({table.headers[table.columns.index(primary)]})"))
        for record, row in zip(records, table.rows):
            record.append("reference" if row.reference else table.cells[row.name, primary].verdict)
        for record in records[len(table.rows) :]:
            record.append("")
    return pd.DataFrame(records, index=pd.Index(index, name=""), columns=headers)


def _runs_of(row, column: str) -> str:
    seeds = sorted(row.values.get(column, {}))
    return html.escape("MLflow runs: " + ", ".join(f"seed {s} {row.run_ids[s]}" for s in seeds if s in row.run_ids))


def markdown(table: Table) -> str:
    lines = [f"### {table.title}", "", grid(table, "md").to_markdown(), "", f"_{table.rule}_"]
    lines += [f"- {note}" for note in table.notes]
    return "\n".join(lines) + "\n"


def latex(table: Table) -> str:
    frame = grid(table, "tex")
    text = frame.style.to_latex(
        hrules=True,
        column_format="l" + "r" * len(frame.columns),
        position="t",
        caption=tex_text(table.title),
        label=f"tab:{table.key}",
        environment="table",
    )
    if table.published:  # a rule between this study's rows and the paper's
        first = frame.index[len(table.rows)]
        text = text.replace(f"\n{first} &", f"\n\\midrule\n{first} &", 1)
    notes = " ".join([table.rule, *table.notes])
    return text.replace("\\end{table}", f"\\par\\footnotesize {tex_text(notes)}\n\\end{{table}}")


def html_table(table: Table) -> str:
    body = grid(table, "html").to_html(escape=False, classes="results", border=0)
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in table.notes)
    return (
        f'<section class="table" id="{table.key}"><h3>{html.escape(table.title)}</h3>{body}'
        f'<p class="rule">{html.escape(table.rule)}</p>{f"<ul>{notes}</ul>" if notes else ""}</section>'
    )


def html_figure(figure: Figure) -> str:
    with open(figure.path, "rb") as handle:
        data = base64.b64encode(handle.read()).decode("ascii")
    return (
        f'<figure id="{figure.key}"><img alt="{html.escape(figure.title)}" src="data:image/png;base64,{data}">'
        f"<figcaption><b>{html.escape(figure.title)}.</b> {html.escape(figure.caption)}</figcaption></figure>"
    )


_STYLE = """
body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table.results{border-collapse:collapse;margin:.5em 0;font-size:14px}
table.results th,table.results td{padding:3px 10px;text-align:right;border-bottom:1px solid #ddd}
table.results tbody th{text-align:left;font-weight:normal}
table.results thead th{border-bottom:2px solid #333}
.sd{color:#777;font-size:12px} .rule{font-size:13px;color:#444;max-width:900px}
figure{margin:1em 0} figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:13px;color:#444;max-width:900px} .notes{background:#f6f6f6;padding:.5em 1em}
"""


def page(title: str, header: list[str], notes: list[str], sections: list[tuple[str, list[str]]]) -> str:
    """One self-contained HTML page: styles inline, figures as data URIs, nothing fetched."""
    toc = "".join(f'<li><a href="#{html.escape(k)}">{html.escape(k)}</a></li>' for k, _ in sections)
    parts = [
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{html.escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>",
        "".join(f"<p>{html.escape(line)}</p>" for line in header),
    ]
    if notes:
        parts.append('<div class="notes"><ul>' + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul></div>")
    parts.append(f"<ul>{toc}</ul>")
    for name, blocks in sections:
        parts.append(f'<h2 id="{html.escape(name)}">{html.escape(name)}</h2>' + "".join(blocks))
    parts.append("</body></html>")
    return "\n".join(parts)
