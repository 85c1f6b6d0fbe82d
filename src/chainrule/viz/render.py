"""SVG to PNG with a headless Chromium, when one is installed (Debian: apt-get install -y chromium)."""
import os
import pathlib
import shutil
import subprocess
import tempfile

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_browser():
    """The path of a Chromium-like browser on PATH, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def svg_to_png(svg_text, path, width, height, browser=None, timeout=60):
    """Screenshot `svg_text` at width x height CSS pixels (scale 1) into the PNG file `path`."""
    browser = browser or find_browser()
    if browser is None:
        raise RuntimeError("cr.viz: saving a .png needs headless Chromium; install it (Debian/Ubuntu: "
                           "apt-get install -y chromium) or save as .svg")
    path = pathlib.Path(path).resolve()
    if path.exists():
        path.unlink()
    with tempfile.TemporaryDirectory() as folder:
        page = pathlib.Path(folder) / "picture.svg"
        page.write_text(svg_text, encoding="utf-8")
        command = [browser, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                   "--force-device-scale-factor=1", f"--user-data-dir={folder}/profile",
                   f"--screenshot={path}", f"--window-size={int(width)},{int(height)}", page.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "HOME": folder})
    if not path.exists():
        raise RuntimeError(f"cr.viz: {browser} wrote no PNG (exit code {done.returncode}): {done.stderr[-800:]}")
    return path
