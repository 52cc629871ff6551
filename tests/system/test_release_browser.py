"""The map page's "Download the data" links, followed in headless Chromium from the published folder.

The page is opened from disk (file://, no server, no network) as someone who downloaded the
warehouse folder would; every link must deliver the published file, byte for byte.
"""

from __future__ import annotations

import functools
import http.server
import threading
import urllib.parse
from pathlib import Path

import pytest

from nk_pipeline.data.release import release_files
from tests.conftest import BROWSER_TESTS, chromium

pytestmark = BROWSER_TESTS


@pytest.fixture(scope="module")
def browser(shipped_build):
    # the build first (chromium() says why)
    with chromium() as browser:
        yield browser


def _download_links(page) -> tuple[object, list[str]]:
    section = page.locator("section", has=page.get_by_role("heading", name="Download the data"))
    links = section.locator("a[download]")
    return links, links.evaluate_all("links => links.map(a => a.getAttribute('href'))")


def test_download_links_point_at_the_published_files_from_disk(browser, shipped_build):
    """Opened as a file: every link resolves, relative to the page, to a file of the published folder."""
    index = shipped_build.paths.map_dir / "index.html"
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index.resolve().as_uri())
    links, hrefs = _download_links(page)
    assert all(h.startswith("../data/") for h in hrefs), hrefs  # relative: the folder can move
    assert sorted(Path(h).name for h in hrefs) == sorted(release_files())
    resolved = links.evaluate_all("links => links.map(a => a.href)")
    for url in resolved:
        path = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
        assert url.startswith("file://") and path.parent == shipped_build.paths.data_dir and path.is_file(), url
    assert requests == [index.resolve().as_uri()]  # loading the page fetches none of them
    page.close()


@pytest.fixture()
def served_warehouse(shipped_build):
    """The published folder behind a local web server (127.0.0.1 only), as a static host would serve it."""
    handler = functools.partial(QuietHandler, directory=str(shipped_build.paths.warehouse_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_every_download_link_delivers_the_published_file(browser, shipped_build, served_warehouse, tmp_path):
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{served_warehouse}/map/index.html")
    links, hrefs = _download_links(page)
    assert len(hrefs) == len(release_files())
    for number, href in enumerate(hrefs):
        # Chromium holds back a page's downloads after the first ten (a prompt no one answers here):
        # the page is loaded afresh for each link
        page.goto(f"{served_warehouse}/map/index.html")
        links, _ = _download_links(page)
        with page.expect_download() as download:
            links.nth(number).click()
        saved = tmp_path / f"{number}-{download.value.suggested_filename}"
        download.value.save_as(saved)
        published = (shipped_build.paths.map_dir / href).resolve()
        assert download.value.suggested_filename == published.name
        assert saved.read_bytes() == published.read_bytes(), href
    assert all(url.startswith(served_warehouse) for url in requests), requests  # nothing from elsewhere
    context.close()
