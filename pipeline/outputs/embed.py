"""Make an HTML page Quarto wrote self-contained: its local scripts, style sheets and the files those
name (fonts) put into the page itself, so the bulletin is one file that works offline.

Quarto can do this itself (`embed-resources: true`), but it then runs pandoc over the whole page
once more, which is about half of an HTML edition's render; the bulletin renders with
`embed-resources: false` and this does the same for what Quarto's HTML pages hold: `<script src>`
(classic and module scripts; a module's relative imports go into an import map as data: URLs),
`<link rel="stylesheet" href>` (with the `url(...)` files they name as data: URLs) and `<img src>`.
A local reference left over is an error: the page would not work once moved.
"""
from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

SCRIPT = re.compile(r'<script(?P<before>[^>]*?)\ssrc="(?P<src>[^"]+)"(?P<after>[^>]*)>\s*</script>', re.S)
STYLESHEET = re.compile(r'<link(?=[^>]*rel="stylesheet")[^>]*?href="(?P<href>[^"]+)"[^>]*>', re.S)
IMAGE = re.compile(r'(<img[^>]*?\ssrc=")(?P<src>[^"]+)(")', re.S)
CSS_URL = re.compile(r'url\((?P<quote>["\']?)(?P<url>[^"\')]+)(?P=quote)\)')
IMPORT = re.compile(r'(?:^|\n)\s*import\s+(?:[^"\']*?\sfrom\s+)?["\'](?P<spec>\.{1,2}/[^"\']+)["\']')
LOCAL_FILES = re.compile(r'(?:src|href)="(?!#|data:|https?:|mailto:)(?P<ref>[^"]+_files/[^"]*)"')


class EmbedFailed(Exception):
    pass


def embed_resources(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    folder = page.parent
    imports: dict[str, str] = {}

    def local(ref: str) -> Path | None:
        if re.match(r"^(?:[a-z]+:|//|#)", ref):
            return None  # data:, http(s):, an anchor
        path = (folder / ref.split("?")[0].split("#")[0]).resolve()
        return path if path.is_file() else None

    def script(match: re.Match) -> str:
        path = local(match["src"])
        if path is None:
            return match[0]
        code = path.read_text(encoding="utf-8")
        attributes = (match["before"] + match["after"]).strip()
        if 'type="module"' in attributes:
            _module_imports(code, path, imports)
        code = code.replace("</script", "<\\/script")
        return f"<script{' ' + attributes if attributes else ''}>{code}</script>"

    def stylesheet(match: re.Match) -> str:
        path = local(match["href"])
        if path is None:
            return match[0]
        css = CSS_URL.sub(lambda u: _css_url(u, path.parent), path.read_text(encoding="utf-8"))
        identifier = re.search(r'\sid="([^"]+)"', match[0])
        return f"<style{' id=' + chr(34) + identifier[1] + chr(34) if identifier else ''}>{css}</style>"

    def image(match: re.Match) -> str:
        path = local(match["src"])
        return match[0] if path is None else f"{match[1]}{_data_url(path)}{match[3]}"

    html = SCRIPT.sub(script, html)
    html = STYLESHEET.sub(stylesheet, html)
    html = IMAGE.sub(image, html)
    if imports:  # before the first module script: an inline module resolves its imports through it
        mapping = "{" + ", ".join(f'"{k}": "{v}"' for k, v in sorted(imports.items())) + "}"
        first = html.find('<script type="module"')
        if first < 0:
            first = html.find("<script")
        html = html[:first] + f'<script type="importmap">{{"imports": {mapping}}}</script>' + html[first:]
    left = sorted(set(LOCAL_FILES.findall(html)))
    if left:
        raise EmbedFailed(f"{page.name}: still refers to {', '.join(left[:3])}; it would not work once moved")
    page.write_text(html, encoding="utf-8")


def _module_imports(code: str, path: Path, imports: dict[str, str]) -> None:
    """The relative imports of an inline module: specifiers resolve against the page's address,
    so each is mapped, as the page sees it, to its file as a data: URL (and so on down)."""
    for spec in IMPORT.findall(code):
        target = (path.parent / spec).resolve()
        if not target.is_file():
            continue
        text = target.read_text(encoding="utf-8")
        _module_imports(text, target, imports)
        imports[spec] = "data:text/javascript;base64," + base64.b64encode(text.encode()).decode()


def _css_url(match: re.Match, base: Path) -> str:
    url = match["url"]
    if re.match(r"^(?:[a-z]+:|//|#)", url):
        return match[0]
    path = (base / url.split("?")[0].split("#")[0]).resolve()
    return f'url("{_data_url(path)}")' if path.is_file() else match[0]


def _data_url(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or {".woff": "font/woff", ".woff2": "font/woff2"}.get(path.suffix, "application/octet-stream")
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"
