"""Headless Chromium for tests: open a URL or a local file, read its text, take a screenshot.

Uses Python Playwright driving the system's Chromium (Debian's ``chromium`` package, which
``.ci/run`` installs): Playwright's own browser download does not work offline, so the browser
binary is always given as ``executable_path``. Tests call :func:`skip_unless_browser` first, so
that they skip, with the reason, on a machine without Chromium or Playwright.

Typical use, e.g. to check that an HTML report renders::

    from tests.ui._browser import capture, screenshot_is_not_blank, skip_unless_browser

    def test_report_renders(tmp_path):
        skip_unless_browser()
        page = capture(tmp_path / "report.html", tmp_path / "report.png", wait_for_text=["ROC AUC"])
        assert "ROC AUC" in page.text
        assert screenshot_is_not_blank(page.screenshot)
        assert all(image.loaded for image in page.images)  # every <img> decoded

Several pages in one browser (faster: Chromium starts once)::

    with Browser() as browser:
        runs = browser.capture("http://127.0.0.1:5000/#/experiments/1", tmp_path / "runs.png")
        run = browser.capture(url_of_a_run, tmp_path / "run.png", wait_for_text=["roc_auc"])

(The tests run with ``--import-mode=importlib`` and ``tests`` is not a package: import this module
as ``tests.ui._browser`` with the repository root on ``sys.path``, as ``python -m pytest`` from the
root has it, or load it by path with :mod:`importlib.util`.)
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "CHROMIUM_ARGS",
    "Browser",
    "Capture",
    "ImageInfo",
    "browser_unavailable_reason",
    "capture",
    "chromium_executable",
    "image_spread",
    "screenshot_is_not_blank",
    "skip_unless_browser",
]

# Flags for a headless Chromium on a CI machine: no sandbox (we run as root), no GPU, and no
# network traffic of its own (component updates, sync, first-run pages).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Debian's /usr/bin/chromium is a shell wrapper around this binary (it reads /etc/chromium.d and
# prints shell noise on some machines); the binary itself is what Playwright should start.
_CANDIDATES = (
    "/usr/lib/chromium/chromium",
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
)


def chromium_executable() -> str | None:
    """Path of a Chromium binary: ``$OLIGOMET_CHROMIUM`` if set, else the system's, else None."""
    override = os.environ.get("OLIGOMET_CHROMIUM")
    if override:
        return override if Path(override).is_file() else shutil.which(override)
    for candidate in _CANDIDATES:
        path = candidate if Path(candidate).is_absolute() else shutil.which(candidate)
        if path and Path(path).is_file() and os.access(path, os.X_OK):
            return path
    return None


def browser_unavailable_reason() -> str | None:
    """Why no page can be rendered here (Playwright or Chromium missing), or None if it can."""
    import importlib.util

    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install playwright; see pyproject's test extra)"
    if chromium_executable() is None:
        return (
            "no Chromium binary found (apt-get install chromium, as .ci/run does, "
            "or set OLIGOMET_CHROMIUM to a Chromium/Chrome executable)"
        )
    return None


def skip_unless_browser() -> None:
    """Skip the calling test, saying why, when :func:`browser_unavailable_reason` has a reason."""
    import pytest

    reason = browser_unavailable_reason()
    if reason:
        pytest.skip(reason)


@dataclass(frozen=True)
class ImageInfo:
    """One ``<img>`` of a page, as the browser decoded it."""

    src: str
    alt: str
    natural_width: int
    natural_height: int
    left: float  # where it is laid out in the window, in CSS pixels (= screenshot pixels)
    top: float
    width: float
    height: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        """(left, top, right, bottom) in the window, for :func:`screenshot_is_not_blank`."""
        return (self.left, self.top, self.left + self.width, self.top + self.height)

    @property
    def loaded(self) -> bool:
        """True when the browser decoded the image (a broken or missing image has no size)."""
        return self.natural_width > 0 and self.natural_height > 0


@dataclass
class Capture:
    """What a page showed: its final URL, its visible text and a screenshot."""

    url: str
    text: str
    screenshot: Path
    images: list[ImageInfo] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    missing_text: list[str] = field(default_factory=list)  # awaited strings that never showed


def _as_url(target: str | os.PathLike[str]) -> str:
    if isinstance(target, os.PathLike) or (
        isinstance(target, str)
        and "://" not in target
        and not target.startswith(("about:", "data:"))
    ):
        return Path(target).resolve().as_uri()
    return str(target)


_IMAGES_JS = """
() => [...document.images].map((img) => {
  const box = img.getBoundingClientRect();
  return {src: img.currentSrc || img.src || '', alt: img.alt || '',
          natural_width: img.naturalWidth, natural_height: img.naturalHeight,
          left: box.left, top: box.top, width: box.width, height: box.height};
})
"""


class Browser:
    """A headless Chromium, started once for several :meth:`capture` calls (a context manager).

    Parameters
    ----------
    viewport : (int, int)
        Width and height of the window in CSS pixels; screenshots have this size.
    executable : str or None
        Chromium binary (default :func:`chromium_executable`).
    """

    def __init__(
        self, *, viewport: tuple[int, int] = (1600, 1000), executable: str | None = None
    ) -> None:
        self.viewport = viewport
        self.executable = executable or chromium_executable()
        self._playwright: Any = None
        self._browser: Any = None

    def __enter__(self) -> Browser:
        from playwright.sync_api import sync_playwright

        if self.executable is None:
            raise RuntimeError(browser_unavailable_reason() or "no Chromium binary")
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable, headless=True, args=CHROMIUM_ARGS
            )
        except BaseException:
            self._playwright.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self._browser is not None:
                self._browser.close()
        finally:
            if self._playwright is not None:
                self._playwright.stop()
            self._browser = self._playwright = None

    def capture(
        self,
        target: str | os.PathLike[str],
        screenshot: str | os.PathLike[str],
        *,
        wait_for_text: Iterable[str] = (),
        timeout: float = 30.0,
        settle: float = 0.5,
        wait_for_images: bool = True,
        full_page: bool = False,
        action: Callable[[Any], None] | None = None,
    ) -> Capture:
        """Open ``target``, wait until it shows ``wait_for_text``, return its text and a screenshot.

        Parameters
        ----------
        target : str or path
            A URL (``http://...``, ``file://...``) or a local file path (opened as ``file://``).
        screenshot : path
            Where to write the PNG screenshot (its folder is created).
        wait_for_text : iterable of str
            Strings the page's visible text must all contain before it counts as rendered;
            single-page apps (the MLflow UI) fill the page in after ``load``. Strings still
            missing after ``timeout`` are listed in :attr:`Capture.missing_text` (no error: the
            caller's assertion says what is missing, and the screenshot shows why).
        timeout : float
            Seconds to wait for the page to load and for ``wait_for_text``.
        settle : float
            Seconds to wait after that, for late rendering.
        wait_for_images : bool
            Also wait (within ``timeout``) until every ``<img>`` on the page has finished loading
            or failed (a failed one has no size: see :attr:`ImageInfo.loaded`).
        full_page : bool
            Screenshot the whole scrollable page instead of the window.
        action : callable or None
            Called with the Playwright ``Page`` after the wait, before reading the text and taking
            the screenshot (to click a tab, close a panel...).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        if self._browser is None:
            raise RuntimeError("use Browser as a context manager: with Browser() as browser: ...")
        width, height = self.viewport
        context = self._browser.new_context(viewport={"width": width, "height": height})
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(_as_url(target), wait_until="load", timeout=timeout * 1000)
            wanted = [str(text) for text in wait_for_text]
            missing: list[str] = []
            if wanted:
                try:
                    page.wait_for_function(
                        "(texts) => texts.every((t) => document.body"
                        " && document.body.innerText.includes(t))",
                        arg=wanted,
                        timeout=timeout * 1000,
                        polling=250,
                    )
                except PlaywrightTimeout:
                    body = page.evaluate("() => document.body ? document.body.innerText : ''")
                    missing = [text for text in wanted if text not in body]
            if wait_for_images:
                try:
                    page.wait_for_function(
                        "() => [...document.images].every((img) => img.complete)",
                        timeout=timeout * 1000,
                        polling=250,
                    )
                except PlaywrightTimeout:
                    pass  # reported by ImageInfo.loaded
            page.wait_for_timeout(settle * 1000)
            if action is not None:
                action(page)
            text = page.evaluate("() => document.body ? document.body.innerText : ''")
            images = [ImageInfo(**image) for image in page.evaluate(_IMAGES_JS)]
            path = Path(screenshot)
            path.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(path), full_page=full_page)
            return Capture(
                url=page.url,
                text=text,
                screenshot=path,
                images=images,
                console_errors=errors,
                missing_text=missing,
            )
        finally:
            context.close()


def capture(
    target: str | os.PathLike[str],
    screenshot: str | os.PathLike[str],
    *,
    viewport: tuple[int, int] = (1600, 1000),
    **options: Any,
) -> Capture:
    """Open one URL or local file in a fresh headless Chromium: see :meth:`Browser.capture`."""
    with Browser(viewport=viewport) as browser:
        return browser.capture(target, screenshot, **options)


def image_spread(
    path: str | os.PathLike[str], box: tuple[float, float, float, float] | None = None
) -> tuple[int, float]:
    """Number of distinct colours and standard deviation of the grey levels (0-255) of an image.

    ``box`` = (left, top, right, bottom) in pixels restricts both to that region (e.g. where an
    ``<img>`` sits in a screenshot: see :attr:`ImageInfo.box`).
    """
    from PIL import Image, ImageStat

    with Image.open(path) as image:
        rgb = image.convert("RGB")
        if box is not None:
            rgb = rgb.crop(tuple(round(v) for v in box))
        colours = rgb.getcolors(maxcolors=1 << 24) or []
        spread = ImageStat.Stat(rgb.convert("L")).stddev[0]
    return len(colours), float(spread)


def screenshot_is_not_blank(
    path: str | os.PathLike[str],
    *,
    box: tuple[float, float, float, float] | None = None,
    min_colours: int = 32,
    min_std: float = 5.0,
) -> bool:
    """True when an image (or its region ``box``) shows something: many colours and contrast.

    A blank or still-loading page (one background colour, or a background and a spinner) has a
    handful of colours and almost no spread of grey levels; rendered text, tables and plots have
    hundreds of colours (anti-aliasing) and a grey-level standard deviation well above 5 (the
    MLflow UI's pages measured 2,000-5,000 colours and 17-27). :func:`image_spread` gives both
    numbers, for an assertion message.
    """
    colours, spread = image_spread(path, box)
    return colours >= min_colours and spread >= min_std
