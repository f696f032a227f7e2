"""Static export of binary data: gzip where it makes the page smaller, raw base64 where it does not, and the
widget gets the exact bytes, already at initialize (decompression in the page is asynchronous)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

import anywidget_core as awc
from anywidget_core.hosts.static import packed, to_html

pytestmark = pytest.mark.browser

MIB = 1 << 20

# The widget reports what it saw of its bytes at initialize and at render: length, FNV-1a, first/last bytes.
ESM = """
async function digest(view) {
  if (!view) return null;
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let nonzero = 0;
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) nonzero++;
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return {
    length: bytes.length,
    nonzero,
    sha256: Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join(""),
    head: Array.from(bytes.subarray(0, 8)),
    tail: Array.from(bytes.subarray(-8)),
  };
}
export default {
  async initialize({ model }) {
    (globalThis.__atInitialize ??= {})[model.model_id] = await digest(model.get("blob"));
  },
  async render({ model, el }) {
    const report = JSON.stringify(await digest(model.get("blob")));
    el.className = "blob-report";
    el.textContent = report;
  },
};
"""


class Blob(awc.Widget):
    _esm = ESM
    blob: bytes = b""


def expected(data: bytes) -> dict[str, Any]:
    return {
        "length": len(data),
        "nonzero": len(data) - data.count(0),
        "sha256": hashlib.sha256(data).hexdigest(),
        "head": list(data[:8]),
        "tail": list(data[-8:]),
    }


def render_report(browser: Any, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    page = browser.new_page()
    try:
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("html[data-awc-rendered=true]", timeout=60_000)
        assert errors == [] and page.locator("#awc-errors").inner_text() == ""
        report = json.loads(page.wait_for_selector(".blob-report").inner_text())
        at_init = page.evaluate("Object.values(globalThis.__atInitialize)[0]")
        return report, at_init
    finally:
        page.close()


def frames_of(html: str) -> list[dict[str, Any]]:
    found = re.search(r'<script type="application/json" id="awc-frames">(.*?)</script>', html, re.S)
    assert found is not None
    return json.loads(found.group(1))


def check(browser: Any, tmp_path: Path, data: bytes) -> Any:
    """Export, render in Chromium, compare what the widget saw with the bytes; the buffer as the page holds it."""
    path = tmp_path / "blob.html"
    html = to_html(Blob(blob=data), path)
    report, at_init = render_report(browser, path)
    assert report == expected(data)
    assert at_init == report  # the bytes were there before initialize ran
    return frames_of(html)[-1]["buffers"][0]


def test_ten_mib_of_zeros_is_compressed_and_exact(browser: Any, tmp_path: Path) -> None:
    data = bytes(10 * MIB)
    buffer = check(browser, tmp_path, data)
    assert isinstance(buffer, dict) and set(buffer) == {"gzip"}
    size = (tmp_path / "blob.html").stat().st_size
    assert size < 2 * MIB, size


def test_ten_mib_of_random_bytes_stays_base64_and_exact(browser: Any, tmp_path: Path) -> None:
    data = os.urandom(10 * MIB)
    buffer = check(browser, tmp_path, data)
    assert isinstance(buffer, str)  # gzip would only have grown it
    size = (tmp_path / "blob.html").stat().st_size
    assert size < 1.4 * len(data), size


def test_mixed_buffer_is_exact(browser: Any, tmp_path: Path) -> None:
    """Compressible but not trivial: every byte value, runs, and a random tail, so a wrong byte anywhere shows."""
    data = bytes(range(256)) * 4096 + bytes(100_000) + os.urandom(5000)
    assert isinstance(check(browser, tmp_path, data), dict)


def test_packed_chooses_the_smaller_form() -> None:
    assert isinstance(packed(memoryview(bytes(1000))), dict)
    assert isinstance(packed(memoryview(os.urandom(1000))), str)
    assert packed(memoryview(b"")) == ""
