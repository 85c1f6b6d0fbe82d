"""Writing SVG text: every string that goes into the document passes through `escape`."""
import re

FONT = "DejaVu Sans Mono, Menlo, Consolas, monospace"
CHAR_WIDTH = 0.6  # of the font size: the advance of a monospace glyph, so text widths are known in advance

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # characters XML 1.0 can't hold


def escape(text):
    """Text made safe for an XML text node or a double-quoted attribute."""
    text = _NOT_XML.sub("?", str(text))
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def text_width(text, size):
    return len(text) * size * CHAR_WIDTH


def document(width, height, parts, title=None):
    """A standalone SVG document (white background, an arrowhead marker) holding `parts`."""
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{escape(FONT)}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555555"/></marker></defs>',
        f'<rect class="background" x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]
    if title:
        head.insert(1, f"<title>{escape(title)}</title>")
    return "\n".join(head + list(parts) + ["</svg>", ""])


def group(cls, parts, tooltip=None):
    inner = ([f"<title>{escape(tooltip)}</title>"] if tooltip else []) + list(parts)
    return f'<g class="{escape(cls)}">' + "".join(inner) + "</g>"


def rect(x, y, width, height, fill, stroke, cls="node", stroke_width=2, rx=5):
    return (f'<rect class="{escape(cls)}" x="{x}" y="{y}" width="{width}" height="{height}" rx="{rx}" '
            f'fill="{escape(fill)}" stroke="{escape(stroke)}" stroke-width="{stroke_width}"/>')


def text(x, y, content, size, fill="#000000", anchor="middle", weight=None, halo=False):
    """One line of text whose baseline is at y; `halo` draws a white outline under it (over edges)."""
    extra = f' font-weight="{weight}"' if weight else ""
    if halo:
        extra += ' stroke="#ffffff" stroke-width="3" paint-order="stroke"'
    return (f'<text x="{_num(x)}" y="{_num(y)}" font-size="{size}" text-anchor="{anchor}" '
            f'fill="{escape(fill)}"{extra}>{escape(content)}</text>')


def curve(points, stroke="#555555", cls="edge", width=1.2):
    """A line through `points`, each step a cubic leaving and arriving vertically, ending in an arrow."""
    (x0, y0), rest = points[0], points[1:]
    d = [f"M {_num(x0)} {_num(y0)}"]
    for x1, y1 in rest:
        middle = (y0 + y1) / 2
        d.append(f"C {_num(x0)} {_num(middle)} {_num(x1)} {_num(middle)} {_num(x1)} {_num(y1)}")
        x0, y0 = x1, y1
    return (f'<path class="{escape(cls)}" d="{" ".join(d)}" fill="none" stroke="{escape(stroke)}" '
            f'stroke-width="{width}" marker-end="url(#arrow)"/>')


def _num(value):
    """A coordinate, short: integers as such, others to 0.1 px."""
    value = round(float(value), 1)
    return str(int(value)) if value == int(value) else str(value)
