"""The README's screenshots of a period's publication (docs/screenshots/): the PDF's cover, a map's
own page and a chart of the HTML edition at a phone's width (390 px), in Debian's Chromium.

    .venv/bin/python scripts/screenshots.py [period]      (after `make run`; default 2015-08_2016-04)
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pypdfium2
from playwright.sync_api import sync_playwright

from pipeline.data.periods import load_period

TARGET = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def main(period_id: str = "2015-08_2016-04") -> None:
    out = load_period(period_id).processed_dir
    TARGET.mkdir(parents=True, exist_ok=True)
    pypdfium2.PdfDocument(out / "bulletin" / "bulletin_en.pdf")[0].render(scale=1).to_pil().save(TARGET / "cover_en.png")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"])
        phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
        phone.goto((out / "maps" / "risk_en.html").as_uri())
        phone.wait_for_selector(".main-svg")
        phone.screenshot(path=TARGET / "map_page_390px.png", full_page=True)
        phone.goto((out / "bulletin" / "bulletin_en.html").as_uri())
        phone.wait_for_selector("#plot-protection .main-svg")
        phone.locator("#plot-protection").screenshot(path=TARGET / "chart_390px.png")
        browser.close()
    print("Written: " + ", ".join(sorted(p.name for p in TARGET.glob("*.png"))))


if __name__ == "__main__":
    main(*sys.argv[1:])
