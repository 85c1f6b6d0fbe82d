"""The SVG writer: escaping, and documents that parse as XML whatever the labels hold."""
import xml.etree.ElementTree as ET

from chainrule.viz import svg


def test_escape_makes_text_and_attributes_safe():
    assert svg.escape('a<b & "c" \'d\'>') == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
    assert svg.escape("bell\x07") == "bell?"


def test_a_document_with_hostile_labels_parses():
    label = '</text><script>alert("x")</script> & \x01'
    parts = [svg.group("node op", [svg.rect(1, 2, 30, 40, "#fff", "#000"), svg.text(5, 6, label, 12)], label),
             svg.curve([(0, 0), (10, 20), (10, 40)])]
    root = ET.fromstring(svg.document(100, 50, parts, title=label))
    ns = "{http://www.w3.org/2000/svg}"
    assert root.get("width") == "100" and root.get("viewBox") == "0 0 100 50"
    assert "".join(root.find(f"{ns}g/{ns}text").itertext()) == label.replace("\x01", "?")
    assert root.find(f"{ns}script") is None and not list(root.iter(f"{ns}script"))
    assert root.find(f"{ns}path[@class='edge']").get("d") == "M 0 0 C 0 10 10 10 10 20 C 10 30 10 30 10 40"


def test_text_width_of_a_monospace_font():
    assert svg.text_width("abcd", 10) == 4 * 10 * svg.CHAR_WIDTH
