"""Picture: boxes and arrows laid out, written as SVG (for browsers and Jupyter) and as DOT (for graphviz)."""
import math
import pathlib

from . import svg
from .layout import layered_layout
from .render import svg_to_png

STYLES = {  # kind: (fill, stroke)
    "op": ("#dbe9f6", "#3b6ea5"),
    "leaf": ("#d9f0d3", "#3c8a3c"),
    "module": ("#ece3f7", "#7552a6"),
    "output": ("#fde2c8", "#c0712c"),
}
FONT_SIZE = 12
LINE_HEIGHT = 15
PAD_X, PAD_Y = 10, 6
LABEL_SIZE = 10
LABEL_COLOUR = "#b03030"


class Picture:
    """A laid-out graph: `.boxes`, `.arrows`, `.layout`; `.svg` and `.dot` text; `.save(path)`."""

    def __init__(self, boxes, arrows, title=None):
        self.boxes, self.arrows, self.title = boxes, arrows, title
        sizes = [box_size(box.lines) for box in boxes]
        self.layout = layered_layout(sizes, [(a.source, a.target) for a in arrows])
        self._svg = None

    @property
    def svg(self):
        if self._svg is None:
            self._svg = self._draw()
        return self._svg

    def _repr_svg_(self):
        return self.svg

    @property
    def dot(self):
        lines = ["digraph chainrule {", "  rankdir=TB;",
                 '  node [shape=box, style="rounded,filled", fontname="monospace", fontsize=10];',
                 "  edge [fontsize=9];"]
        for i, box in enumerate(self.boxes):
            fill, stroke = STYLES[box.kind]
            label = "\\n".join(_dot_escape(line) for line in box.lines)
            lines.append(f'  n{i} [label="{label}", fillcolor="{fill}", color="{stroke}"];')
        for arrow in self.arrows:
            norm = arrow.grad_norm
            extra = f' [label="{_grad_label(norm)}"]' if norm is not None else ""
            lines.append(f"  n{arrow.source} -> n{arrow.target}{extra};")
        return "\n".join(lines + ["}", ""])

    def save(self, path):
        """Write the picture: .svg, .dot (or .gv) by the path's extension, or .png through headless Chromium."""
        path = pathlib.Path(path)
        suffix = path.suffix.lower()
        if suffix == ".svg":
            path.write_text(self.svg, encoding="utf-8")
        elif suffix in (".dot", ".gv"):
            path.write_text(self.dot, encoding="utf-8")
        elif suffix == ".png":
            svg_to_png(self.svg, path, self.layout.width, self.layout.height)
        else:
            raise ValueError(f"Picture.save: unknown extension {suffix!r}; use .svg, .dot, .gv or .png")
        return path

    def _draw(self):
        layout, parts = self.layout, []
        for arrow, route in zip(self.arrows, layout.routes):
            parts.append(svg.curve(route))
        placed = {}
        for arrow, route in zip(self.arrows, layout.routes):
            if arrow.grad_norm is not None:
                label = _grad_label(arrow.grad_norm)
                x, y = _free_spot(placed, *_middle(route), svg.text_width(label, LABEL_SIZE))
                parts.append(svg.text(x, y, label, LABEL_SIZE, fill=LABEL_COLOUR, anchor="start", halo=True))
        for box, (x, y, w, h) in zip(self.boxes, layout.boxes):
            fill, stroke = STYLES[box.kind]
            inner = [svg.rect(x, y, w, h, fill, stroke)]
            for k, line in enumerate(box.lines):
                baseline = y + PAD_Y + LINE_HEIGHT * k + FONT_SIZE - 1
                inner.append(svg.text(x + w / 2, baseline, line, FONT_SIZE, weight="bold" if k == 0 else None))
            parts.append(svg.group(f"node {box.kind}", inner, box.tooltip or box.name))
        return svg.document(layout.width, layout.height, parts, self.title)


def box_size(lines):
    """(width, height) of a box holding these lines, whole pixels (even, so a 2 px stroke lands on pixels)."""
    widest = max((svg.text_width(line, FONT_SIZE) for line in lines), default=0)
    width = 2 * math.ceil((widest + 2 * PAD_X) / 2)
    return width, len(lines) * LINE_HEIGHT + 2 * PAD_Y


def _middle(route):
    """The point halfway along an arrow's route (its curves are symmetric about each step's middle)."""
    k = (len(route) - 2) // 2
    (x0, y0), (x1, y1) = route[k], route[k + 1]
    return (x0 + x1) / 2, (y0 + y1) / 2


def _free_spot(placed, x, y, width, tries=4):
    """Where to write an arrow's label (its left end, baseline) near (x, y), below any label already there.
    `placed` holds the labels written so far, by rows of 32 px."""
    x, y = x + 4, y + LABEL_SIZE / 3
    for _ in range(tries):
        box = (x, y - LABEL_SIZE, x + width, y + 2)
        near = (other for row in (int(y // 32) - 1, int(y // 32), int(y // 32) + 1) for other in placed.get(row, ()))
        if not any(box[0] < o[2] and o[0] < box[2] and box[1] < o[3] and o[1] < box[3] for o in near):
            break
        y += LABEL_SIZE + 2
    placed.setdefault(int(y // 32), []).append((x, y - LABEL_SIZE, x + width, y + 2))
    return x, y


def _grad_label(norm):
    return f"|g|={norm:.3g}"


def _dot_escape(text):
    return str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
