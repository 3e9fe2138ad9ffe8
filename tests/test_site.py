"""The show site: escaped, self-contained pages; CLI feed/init; a real browser plays and seeks."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).parent))
from test_feed import add_episode, make_show, mp3_duration  # noqa: E402

from audiogen.cli_publish import feed_cmd, init_cmd  # noqa: E402
from audiogen.errors import ConfigError  # noqa: E402
from audiogen.publish import rebuild  # noqa: E402
from audiogen.publish.serve import make_server  # noqa: E402

EVIL = "<script>alert(1)</script>"


@pytest.fixture()
def show(tmp_path: Path) -> Path:
    root = make_show(tmp_path)
    add_episode(root, "tide")
    add_episode(root, "evil", title=EVIL, description=f"{EVIL} & more", author='"><img src=x onerror=alert(1)>',
                chapters=[{"title": EVIL, "start": 0.0, "end": 1.0}, {"title": "B", "start": 1.0, "end": 3.0}],
                cues=[{"start": 0.0, "end": 1.0, "role": "quote", "speaker": EVIL, "text": EVIL}])
    return root


def _urls(doc) -> list[str]:
    return [v for el in doc.iter() for k, v in el.attrib.items() if k in ("src", "href")]


def test_pages_escape_article_text(show: Path) -> None:
    for page in (show / "index.html", show / "episodes/evil/index.html"):
        raw = page.read_text()
        assert "<script>alert" not in raw and "<img src=x" not in raw
        doc = lhtml.fromstring(raw)
        # Only our own inline player script, never one from an article.
        assert [s.get("src") for s in doc.iter("script")] in ([], [None])
        assert not any(k.startswith("on") for el in doc.iter() for k in el.attrib)
        assert EVIL in doc.text_content()


def test_index_lists_episodes_with_working_relative_links(show: Path) -> None:
    doc = lhtml.fromstring((show / "index.html").read_text())
    links = [a.get("href") for a in doc.xpath("//ol[@class='episodes']//a")]
    assert sorted(links) == ["episodes/evil/index.html", "episodes/tide/index.html"]
    for url in _urls(doc):
        assert "://" not in url and not url.startswith("//")  # works offline, no CDN
        assert (show / url).exists(), url


def test_episode_page_player_chapters_and_transcript(show: Path) -> None:
    page = show / "episodes/tide/index.html"
    doc = lhtml.fromstring(page.read_text())
    (audio,) = doc.xpath("//audio")
    assert (page.parent / audio.get("src")).is_file()
    manifest = json.loads((page.parent / "tide.episode.json").read_text())
    seeks = [float(b.get("data-seek")) for b in doc.xpath("//ol[@class='chapters']//button")]
    assert seeks == pytest.approx([c["start"] for c in manifest["chapters"]], abs=1e-3)
    cues = [float(p.get(k)) for p in doc.xpath("//div[@id='transcript']/p") for k in ("data-start", "data-end")]
    assert cues == pytest.approx([c[k] for c in manifest["cues"] for k in ("start", "end")], abs=1e-3)
    for url in _urls(doc):
        assert "://" not in url and not url.startswith("//")
        assert (page.parent / url).resolve().exists(), url


def test_episode_page_links_feed_favicon_and_labels_speakers_on_change(show: Path) -> None:
    page = show / "episodes/tide/index.html"
    doc = lhtml.fromstring(page.read_text())
    (alt,) = doc.xpath("//head/link[@rel='alternate']")
    assert alt.get("type") == "application/rss+xml" and (page.parent / alt.get("href")).resolve() == show / "feed.xml"
    (icon,) = doc.xpath("//head/link[@rel='icon']")
    assert (page.parent / icon.get("href")).resolve() == show / "favicon.png"
    from PIL import Image

    with Image.open(show / "favicon.png") as im:
        assert im.format == "PNG" and im.size == (64, 64)
    with Image.open(show / "favicon.ico") as im:  # where readers look unasked
        assert im.format == "ICO"
    # The manifest has title (narrator), narrator, quote by Ana Ruiz: the narrator is labelled once,
    # with the show's host name, and the quotation with its speaker.
    labels = [p.xpath("string(span[@class='who'])") for p in doc.xpath("//div[@id='transcript']/p")]
    assert labels == ["Harbour Desk:", "", "Ana Ruiz:"]
    assert "Quote" not in page.read_text()
    # The host can be named apart from the author.
    cfg = (show / "podcast.toml").read_text().replace('locked = true', 'locked = true\nhost = "Sam Reed"')
    (show / "podcast.toml").write_text(cfg)
    rebuild(show)
    doc = lhtml.fromstring(page.read_text())
    assert doc.xpath("string(//div[@id='transcript']/p[1]/span)") == "Sam Reed:"
    vtt = (page.parent / "tide.vtt").read_text()
    assert "<v Sam Reed>" in vtt and "Harbour Desk" not in vtt
    segs = json.loads((page.parent / "tide.transcript.json").read_text())["segments"]
    assert [s.get("speaker") for s in segs] == ["Sam Reed", "Sam Reed", "Ana Ruiz"]


def test_cli_feed_and_init(show: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(feed_cmd, [str(show), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert sorted(e["slug"] for e in data["episodes"]) == ["evil", "tide"] and data["changed"] == []
    (show / "episodes/tide/tide.mp3").unlink()
    r = runner.invoke(feed_cmd, [str(show)])
    assert r.exit_code == 0 and "tide left out of the feed" in r.output and "1 episode)" in r.output
    r = runner.invoke(init_cmd, [str(tmp_path / "new"), "--title", "T", "--author", "A",
                                 "--base-url", "https://x.example/p", "--category", "News", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["feed_url"] == "https://x.example/p/feed.xml"
    r = runner.invoke(init_cmd, [str(tmp_path / "other"), "--title", "T"])
    assert isinstance(r.exception, ConfigError) and "--author, --base-url" in str(r.exception)
    r = runner.invoke(init_cmd, [str(tmp_path / "other"), "--title", "T", "--author", "A", "--base-url", "x.example"])
    assert isinstance(r.exception, ConfigError) and "https://" in str(r.exception)


# --- a real browser -----------------------------------------------------------------------


def _chromium() -> str:
    """Chromium's path. CI installs Debian's chromium (.ci/run): a browser test that skips is no test."""
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("chromium is not installed (apt-get install chromium); the site is tested in a real browser")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--mute-audio", "--autoplay-policy=no-user-gesture-required"]


class Cdp:
    """A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fds 3 and 4)."""

    def __init__(self, exe: str, profile: Path) -> None:
        self._to_chrome_r, self._to_chrome_w = os.pipe()
        self._from_chrome_r, self._from_chrome_w = os.pipe()
        # Chrome reads commands on fd 3 and writes replies on fd 4; subprocess closes
        # other descriptors after preexec_fn, hence 3 and 4 in pass_fds.
        def fds() -> None:
            os.dup2(self._to_chrome_r, 3)
            os.dup2(self._from_chrome_w, 4)

        self.proc = subprocess.Popen(
            [exe, "--remote-debugging-pipe", *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=fds, pass_fds=(3, 4, self._to_chrome_r, self._from_chrome_w),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(self._to_chrome_r)
        os.close(self._from_chrome_w)
        self._buf = b""
        self._id = 0

    def call(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 20) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_chrome_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            while b"\0" in self._buf:
                raw, self._buf = self._buf.split(b"\0", 1)
                reply = json.loads(raw)
                if reply.get("id") == self._id:
                    if "error" in reply:
                        raise RuntimeError(f"{method}: {reply['error']}")
                    return reply["result"]
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(method)
            ready, _, _ = select.select([self._from_chrome_r], [], [], left)
            if ready:
                chunk = os.read(self._from_chrome_r, 65536)
                if not chunk:
                    raise RuntimeError("chromium exited")
                self._buf += chunk

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)
        for fd in (self._to_chrome_w, self._from_chrome_r):
            try:
                os.close(fd)
            except OSError:
                pass


PROBE = """
new Promise((resolve) => {
  const fail = setTimeout(() => resolve({error: 'timeout', state: document.readyState}), 12000);
  const start = () => {
    const a = document.getElementById('player');
    const go = () => {
      const duration = a.duration;
      const button = document.querySelectorAll('ol.chapters button')[1];
      a.addEventListener('seeked', () => {
        const active = document.querySelector('#transcript p.active');
        const chap = document.querySelector('ol.chapters .current');
        clearTimeout(fail);
        resolve({duration, time: a.currentTime, active: active && active.textContent,
                 chapter: chap && chap.textContent});
      }, {once: true});
      button.click();
    };
    if (a.readyState >= 1) go(); else a.addEventListener('loadedmetadata', go, {once: true});
    a.addEventListener('error', () => resolve({error: 'media error ' + (a.error && a.error.code)}));
  };
  if (document.readyState === 'complete') start(); else window.addEventListener('load', start);
})
"""


FOLLOW = """
new Promise((resolve) => {
  const fail = setTimeout(() => resolve({error: 'timeout'}), 12000);
  const start = () => {
  const a = document.getElementById('player');
  const lines = document.querySelectorAll('#transcript p');
  const seen = [];
  const check = (i) => {
    const r = lines[i].getBoundingClientRect(), p = a.getBoundingClientRect();
    seen.push({i, top: r.top, bottom: r.bottom, playerBottom: p.bottom, height: innerHeight,
               active: lines[i].classList.contains('active')});
  };
  const seekTo = (i, then) => {
    a.addEventListener('seeked', () => setTimeout(() => { check(i); then(); }, 50), {once: true});
    a.currentTime = parseFloat(lines[i].getAttribute('data-start')) + 0.01;
  };
  const go = () => {
    window.scrollTo(0, 0);
    // Down to a line far below the fold, then (scrolled to the bottom) up to one above it.
    seekTo(lines.length - 3, () => {
      window.scrollTo(0, document.body.scrollHeight);
      seekTo(Math.floor(lines.length / 2), () => { clearTimeout(fail); resolve({seen}); });
    });
  };
  if (a.readyState >= 1) go(); else a.addEventListener('loadedmetadata', go, {once: true});
  };
  if (document.readyState === 'complete') start(); else window.addEventListener('load', start);
})
"""

PAGE_FACTS = """
(async () => {
  if (document.readyState !== 'complete') await new Promise((r) => window.addEventListener('load', r));
  const icon = document.querySelector('link[rel=icon]').href;
  const alt = document.querySelector('link[rel=alternate][type="application/rss+xml"]').href;
  const [i, f] = await Promise.all([fetch(icon), fetch(alt)]);
  return {icon: i.status, feed: f.status, feedType: f.headers.get('content-type')};
})()
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One headless Chromium for the module's pages (each opens in a tab of its own)."""
    cdp = Cdp(_chromium(), tmp_path_factory.mktemp("profile"))
    yield cdp
    cdp.close()


def _browse(cdp: Cdp, show: Path, path: str, *probes: str, viewport: tuple[int, int] = (800, 600)):
    """Open ``path`` of the served show in a new tab of ``cdp``'s Chromium, run each probe; return
    their values and the HTTP status of every request the page made."""
    server = make_server(show, port=0, quiet=True)
    statuses: list[tuple[str, int]] = []
    handler = server.RequestHandlerClass
    handler.log_request = lambda self, code="-", size="-": statuses.append((self.path, int(code)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    target = None
    try:
        target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        cdp.call("Emulation.setDeviceMetricsOverride",
                 {"width": viewport[0], "height": viewport[1], "deviceScaleFactor": 1, "mobile": False}, session)
        port = server.server_address[1]
        cdp.call("Page.enable", {}, session)
        cdp.call("Page.navigate", {"url": f"http://127.0.0.1:{port}{path}"}, session)
        out = [cdp.call("Runtime.evaluate", {"expression": p, "awaitPromise": True, "returnByValue": True},
                        session, timeout=30)["result"]["value"] for p in probes]
        time.sleep(0.3)  # let the page's own late requests (the favicon) finish
    finally:
        if target is not None:
            cdp.call("Target.closeTarget", {"targetId": target}, timeout=5)
        server.shutdown()
        server.server_close()
    return out, statuses


def test_browser_plays_and_seeks_by_chapter(tmp_path: Path, browser: Cdp) -> None:
    show = make_show(tmp_path)
    add_episode(show, "tide")
    (out, facts), statuses = _browse(browser, show, "/episodes/tide/", PROBE, PAGE_FACTS)
    assert "error" not in out, out
    assert out["duration"] == pytest.approx(mp3_duration(show / "episodes/tide/tide.mp3"), abs=0.1)
    assert out["time"] == pytest.approx(1.0, abs=0.3)  # the second chapter starts at 1.0 s
    assert out["active"].endswith("The sea rises twice a day.")
    assert "The moon's pull" in out["chapter"]
    assert facts == {"icon": 200, "feed": 200, "feedType": "application/rss+xml; charset=utf-8"}
    assert statuses and all(code in (200, 206, 304) for _, code in statuses), statuses  # no 404, no favicon.ico
    assert not any(p == "/favicon.ico" for p, _ in statuses)


def test_browser_follow_playback_keeps_the_line_below_the_player(tmp_path: Path, browser: Cdp) -> None:
    show = make_show(tmp_path)
    n = 60
    cues = [{"start": i * 0.5, "end": i * 0.5 + 0.45, "role": "narrator", "speaker": None,
             "text": f"Line {i}: the tide comes in over the flats and goes out again, twice a day."} for i in range(n)]
    add_episode(show, "long", seconds=31.0, cues=cues)
    (out,), _ = _browse(browser, show, "/episodes/long/", FOLLOW)
    assert isinstance(out, dict) and "seen" in out, out
    for s in out["seen"]:
        assert s["active"], s
        # Below the sticky player (not under it) and inside the window.
        assert s["top"] >= s["playerBottom"] - 1 and s["bottom"] <= s["height"] + 1, out["seen"]
