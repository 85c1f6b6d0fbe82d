"""Regenerate the pictures in docs/images/ that the README shows: python docs/make_pictures.py [name ...]

Each entry of PICTURES is (file name without .png, a function returning something with .save(path));
add new pictures there. The PNGs are drawn from our SVG by headless Chromium (apt-get install -y chromium).
"""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import chainrule as cr  # noqa: E402
import chainrule.nn as nn  # noqa: E402
import chainrule.nn.functional as F  # noqa: E402
from chainrule.cli.viz import delta_picture as delta_table, picture as gradient_flow  # noqa: E402

IMAGES = ROOT / "docs" / "images"


def mlp_graph():
    """One training step of a small MLP classifier: every op, parameter names, gradient norms on the arrows."""
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
    x, y = cr.randn(16, 2), cr.randint(0, 3, (16,))
    loss = F.cross_entropy(model(x), y)
    return cr.viz.graph(loss, model, expand=True, grads=True, title="MLP training step")


def cnn_graph():
    """One training step of a small CNN, each layer drawn as one box (recorded with cr.viz.trace)."""
    cr.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 2 * 2, 10),
    )
    x, y = cr.randn(4, 1, 8, 8), cr.randint(0, 10, (4,))
    with cr.viz.trace(model) as tape:
        loss = F.cross_entropy(model(x), y)
    return cr.viz.graph(loss, tape, grads=True, title="CNN training step, collapsed by module")


PICTURES = [
    ("mlp_graph", mlp_graph),
    ("cnn_graph", cnn_graph),
    ("gradient_flow", gradient_flow),
    ("delta_table", delta_table),
]


def main(names):
    IMAGES.mkdir(parents=True, exist_ok=True)
    for name, make in PICTURES:
        if names and name not in names:
            continue
        path = make().save(IMAGES / f"{name}.png")
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main(sys.argv[1:])
