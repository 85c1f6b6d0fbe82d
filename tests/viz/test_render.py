"""A real browser draws the SVG: headless Chromium screenshots it, and the boxes are where and of the
colour the picture says (read back from the PNG with matplotlib)."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.viz.drawing import STYLES
from chainrule.viz.render import find_browser


def colour(hex_text):
    return np.array([int(hex_text[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)


def test_chromium_shows_every_box(tmp_path):
    if find_browser() is None:
        pytest.skip("headless Chromium is not installed: apt-get install -y chromium (Debian/Ubuntu)")
    image_module = pytest.importorskip("matplotlib.image")
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))
    with cr.viz.trace(model) as tape:
        loss = F.mse_loss(model(cr.randn(5, 3)), cr.randn(5, 2))
    picture = cr.viz.graph(loss, tape, expand=True, grads=True)
    path = picture.save(tmp_path / "graph.png")
    pixels = image_module.imread(str(path))[..., :3] * 255
    assert pixels.shape[:2] == (picture.layout.height, picture.layout.width)
    for box, (x, y, w, h) in zip(picture.boxes, picture.layout.boxes):
        fill, stroke = (colour(c) for c in STYLES[box.kind])
        middle = y + h // 2
        np.testing.assert_allclose(pixels[middle, x], stroke, atol=10)  # the left border, 2 px wide
        np.testing.assert_allclose(pixels[middle, x - 1], stroke, atol=10)
        np.testing.assert_allclose(pixels[middle, x + 4], fill, atol=10)  # inside, left of the text
        np.testing.assert_allclose(pixels[y + 4, x + w // 2 + 1], fill, atol=10)  # above the first line
    white = np.array([255.0, 255.0, 255.0])
    for row, column in ((2, 2), (-3, -3), (2, -3), (-3, 2)):
        np.testing.assert_allclose(pixels[row, column], white, atol=1)
    assert (np.abs(pixels - white).max(axis=2) < 1).mean() > 0.5  # mostly white paper
