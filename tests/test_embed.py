"""A page Quarto wrote without its resources embedded, made self-contained
(pipeline/outputs/embed.py): scripts, modules and their relative imports, style sheets and the
fonts they name, images; a reference left over is an error, never a page that breaks once moved."""
from __future__ import annotations

import base64
import re

import pytest

from pipeline.outputs.embed import EmbedFailed, embed_resources


def page_with_resources(root):
    libs = root / "page_files" / "libs"
    (libs / "tabsets").mkdir(parents=True)
    (libs / "plain.js").write_text("window.plain = 1;", encoding="utf-8")
    (libs / "main.js").write_text('import * as t from "./tabsets/tabsets.js";\nwindow.main = t.x;', encoding="utf-8")
    (libs / "tabsets" / "tabsets.js").write_text("export const x = 2;", encoding="utf-8")
    (libs / "icons.css").write_text('@font-face { src: url("./icons.woff?abc") }', encoding="utf-8")
    (libs / "icons.woff").write_bytes(b"wOFF font")
    (root / "logo.png").write_bytes(b"\x89PNG image")
    page = root / "page.html"
    page.write_text('<html><head><script src="page_files/libs/plain.js"></script>'
                    '<script src="page_files/libs/main.js" type="module"></script>'
                    '<link href="page_files/libs/icons.css" rel="stylesheet" id="icons">'
                    '</head><body><img src="logo.png"><a href="#top">top</a><a href="bulletin_ru.pdf">PDF</a>'
                    '</body></html>', encoding="utf-8")
    return page


def test_scripts_modules_styles_fonts_and_images_go_into_the_page(tmp_path):
    page = page_with_resources(tmp_path)
    embed_resources(page)
    html = page.read_text(encoding="utf-8")
    assert "page_files" not in html and 'src="logo.png"' not in html
    assert "<script>window.plain = 1;</script>" in html and '<style id="icons">' in html
    assert "data:font/woff;base64," + base64.b64encode(b"wOFF font").decode() in html
    mapping = re.search(r'<script type="importmap">(.*?)</script>', html)[1]
    assert '"./tabsets/tabsets.js": "data:text/javascript;base64,' in mapping
    assert html.index('type="importmap"') < html.index('type="module"')  # the map comes before the module
    assert 'href="#top"' in html and 'href="bulletin_ru.pdf"' in html  # anchors and the PDF beside it stay


def test_a_resource_that_is_missing_is_an_error(tmp_path):
    page = page_with_resources(tmp_path)
    (tmp_path / "page_files" / "libs" / "plain.js").unlink()
    with pytest.raises(EmbedFailed, match="page_files/libs/plain.js"):
        embed_resources(page)
