"""Serialise report blocks to Markdown (with text charts) or one self-contained HTML file (with SVG)."""

from __future__ import annotations

from html import escape

from finops.report.blocks import Block, Chart, Heading, Para, Table

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:980px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}th,td{border:1px solid #ddd;padding:.3em .6em}
th{background:#f4f6f8;text-align:left}td.r{text-align:right;font-variant-numeric:tabular-nums}
p.note{background:#fff6e5;border-left:4px solid #e0a030;padding:.4em .8em}figure{margin:1em 0}
figcaption{font-size:.9em;color:#555}
"""


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list[Block]) -> str:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"{'#' * b.level} {b.text}\n")
        elif isinstance(b, Para):
            out.append(f"> **Note.** {b.text}\n" if b.note else f"{b.text}\n")
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(c) for c in b.columns) + " |")
            out.append("|" + "|".join("---:" if a == "r" else ":---" for a in b.align) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Chart):
            out.append(f"**{b.title}**\n")
            out.append("```text\n" + b.text + "\n```\n")
    return "\n".join(out).rstrip() + "\n"


def to_html(blocks: list[Block]) -> str:
    title = next((b.text for b in blocks if isinstance(b, Heading)), "Report")
    body: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            body.append(f"<h{b.level}>{escape(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            body.append(f'<p class="note">{escape(b.text)}</p>' if b.note else f"<p>{escape(b.text)}</p>")
        elif isinstance(b, Table):
            head = "".join(f"<th>{escape(c)}</th>" for c in b.columns)
            rows = "".join(
                "<tr>" + "".join(f'<td class="{a}">{escape(c)}</td>' for c, a in zip(row, b.align)) + "</tr>" for row in b.rows)
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        elif isinstance(b, Chart):
            body.append(f"<figure>{b.svg}<figcaption>{escape(b.title)}</figcaption></figure>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>\n" + "\n".join(body) + "\n</body></html>\n")
