"""The show's static site: an index of episodes and one page per episode.

Pages are self-contained (inline CSS and JS, relative links, no CDN), so the show
folder works from any static host or straight from disk. Every piece of text that
comes from an article is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Sequence
from urllib.parse import quote

from audiogen.artwork import FAVICON_NAME
from audiogen.manifest import Manifest
from audiogen.publish import transcripts
from audiogen.publish.feed import FeedEpisode, sort_episodes, xml_text

if TYPE_CHECKING:
    from audiogen.publish.show import Show

INDEX_NAME = "index.html"

CSS = """
:root{color-scheme:light dark;--fg:#1d232b;--bg:#fbfaf7;--muted:#5f6b78;--accent:#b8741a;--hl:#fff0c8;--card:#fff}
@media (prefers-color-scheme:dark){:root{--fg:#e9e6df;--bg:#14181d;--muted:#9aa6b2;--accent:#ecb24a;--hl:#3a3220;--card:#1c2128}}
*{box-sizing:border-box}
body{margin:0;font:17px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 4rem}
a{color:var(--accent)}
header.show{display:flex;gap:1.2rem;align-items:center;margin-bottom:1.5rem}
header.show img{width:8rem;height:8rem;border-radius:.5rem;flex:none}
h1{font-size:1.6rem;line-height:1.25;margin:.2rem 0}
.meta{color:var(--muted);font-size:.9rem}
ol.episodes{list-style:none;padding:0}
ol.episodes li{background:var(--card);border-radius:.5rem;padding:.9rem 1rem;margin:.8rem 0}
ol.episodes h2{font-size:1.15rem;margin:0 0 .2rem}
audio{width:100%;margin:1rem 0;position:sticky;top:0;z-index:1}
ol.chapters{padding-left:0;list-style:none}
ol.chapters button{all:unset;cursor:pointer;display:block;padding:.25rem .4rem;border-radius:.3rem}
ol.chapters button:hover,ol.chapters button:focus-visible{outline:2px solid var(--accent)}
ol.chapters .current{background:var(--hl)}
.t{font-variant-numeric:tabular-nums;color:var(--muted);margin-right:.6rem}
#transcript p{margin:.35rem 0;padding:.2rem .4rem;border-radius:.3rem;cursor:pointer}
#transcript p.active{background:var(--hl)}
#transcript .who{font-weight:600;margin-right:.4rem}
#transcript p.quote{font-style:italic}
.files a{margin-right:1rem}
"""

PLAYER_JS = """
(function () {
  var audio = document.getElementById('player');
  if (!audio) return;
  var cues = Array.prototype.slice.call(document.querySelectorAll('#transcript [data-start]'));
  var chaps = Array.prototype.slice.call(document.querySelectorAll('ol.chapters [data-seek]'));
  var follow = document.getElementById('follow');
  function seek(t) {
    audio.currentTime = t;
    var p = audio.play();
    if (p && p.catch) p.catch(function () {});
  }
  document.addEventListener('click', function (e) {
    var el = e.target.closest ? e.target.closest('[data-seek]') : null;
    if (!el) return;
    e.preventDefault();
    seek(parseFloat(el.getAttribute('data-seek')));
  });
  // Keep the current line in view below the sticky player (scrollIntoView would put it under it).
  function reveal(el) {
    var top = Math.max(0, audio.getBoundingClientRect().bottom) + 8;
    var r = el.getBoundingClientRect(), bottom = window.innerHeight - 8;
    if (r.top < top) window.scrollBy(0, r.top - top);
    else if (r.bottom > bottom) window.scrollBy(0, Math.min(r.bottom - bottom, r.top - top));
  }
  var current = null, currentChap = null;
  function update() {
    var t = audio.currentTime, found = null, chap = null, i;
    for (i = 0; i < cues.length; i++) {
      var c = cues[i];
      if (t >= parseFloat(c.getAttribute('data-start')) && t < parseFloat(c.getAttribute('data-end'))) { found = c; break; }
    }
    for (i = 0; i < chaps.length; i++) {
      if (t >= parseFloat(chaps[i].getAttribute('data-seek'))) chap = chaps[i];
    }
    if (found !== current) {
      if (current) current.classList.remove('active');
      if (found) {
        found.classList.add('active');
        if (follow && follow.checked) reveal(found);
      }
      current = found;
    }
    if (chap !== currentChap) {
      if (currentChap) currentChap.classList.remove('current');
      if (chap) chap.classList.add('current');
      currentChap = chap;
    }
  }
  audio.addEventListener('timeupdate', update);
  audio.addEventListener('seeked', update);
  var m = /[#&]t=([0-9.]+)/.exec(location.hash);
  if (m) audio.addEventListener('loadedmetadata', function () { audio.currentTime = parseFloat(m[1]); }, {once: true});
})();
"""


def h(value: Any) -> str:
    """Escape text for HTML element content and attribute values."""
    return escape(xml_text(value), quote=True)


def _page(title: str, body: str, lang: str, head_extra: str = "", up: str = "") -> str:
    """A page; ``up`` is the relative way back to the show folder (for the favicon)."""
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{h(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<title>{h(title)}</title>\n<link rel="icon" type="image/png" href="{up}{FAVICON_NAME}">\n'
        f"{head_extra}<style>{CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def _duration(seconds: float) -> str:
    return transcripts.clock(seconds, hours=seconds >= 3600)


def _date(ep: FeedEpisode) -> str:
    return ep.pub_date.strftime("%Y-%m-%d")


def render_index(show: "Show", episodes: Sequence[FeedEpisode]) -> str:
    """index.html: the show's cover, description, feed link and its episodes, newest first."""
    cfg = show.config
    cover = quote(cfg.cover.relative_to(show.root).as_posix())
    items = []
    for ep in sort_episodes(episodes):
        slug = ep.page_url.rstrip("/").rsplit("/", 1)[-1]
        href = f"episodes/{quote(slug)}/{INDEX_NAME}"
        items.append(
            f'<li><h2><a href="{href}">{h(ep.title)}</a></h2>'
            f'<div class="meta">Episode {ep.number} · {_date(ep)} · {_duration(ep.duration)}</div>'
            f"<p>{h(ep.description)}</p></li>"
        )
    listing = "\n".join(items) or "<li>No episodes yet.</li>"
    body = (
        f'<header class="show"><img src="{cover}" alt="" width="128" height="128">'
        f"<div><h1>{h(cfg.title)}</h1><div class=\"meta\">{h(cfg.author)}</div></div></header>\n"
        f"<p>{h(cfg.description)}</p>\n"
        f'<p class="files"><a href="feed.xml">Podcast feed (RSS)</a></p>\n'
        f'<ol class="episodes">\n{listing}\n</ol>'
    )
    return _page(cfg.title, body, cfg.language, feed_link(show))


def feed_link(show: "Show", up: str = "") -> str:
    """The <link> that lets a browser or podcast app find the show's feed from any page."""
    return (f'<link rel="alternate" type="application/rss+xml" title="{h(show.config.title)}" '
            f'href="{up}feed.xml">\n')


_QUOTE = ' class="quote"'


def _who(label: str | None) -> str:
    return f'<span class="who">{h(label)}:</span>' if label else ""


def render_episode_page(show: "Show", slug: str, manifest: Manifest, ep: FeedEpisode) -> str:
    """episodes/<slug>/index.html: player, clickable chapters and a transcript that follows playback."""
    cfg = show.config
    up = "../../"
    cover = up + quote(cfg.cover.relative_to(show.root).as_posix())
    mp3 = quote(manifest.mp3)
    chapter_items = "\n".join(
        f'<li><button type="button" data-seek="{c.start:.3f}"><span class="t">{_duration(c.start)}</span>{h(c.title)}</button></li>'
        for c in transcripts.chapters(manifest)
    )
    cue_items = "\n".join(
        f'<p{_QUOTE if c.role == "quote" else ""} data-start="{c.start:.3f}" data-end="{c.end:.3f}" '
        f'data-seek="{c.start:.3f}">{_who(label)}{h(c.text)}</p>'
        for c, label in transcripts.labelled(transcripts.cues(manifest, cfg.narrator))
    )
    byline = f" · {h(manifest.author)}" if manifest.author else ""
    s = quote(slug)
    body = (
        f'<p class="meta"><a href="{up}{INDEX_NAME}">{h(cfg.title)}</a></p>\n'
        f'<header class="show"><img src="{cover}" alt="" width="128" height="128"><div>'
        f"<h1>{h(ep.title)}</h1>"
        f'<div class="meta">Episode {ep.number} · {_date(ep)} · {_duration(ep.duration)}{byline}</div></div></header>\n'
        f'<audio id="player" controls preload="metadata" src="{mp3}"></audio>\n'
        f"<p>{h(ep.description)}</p>\n"
        + (f'<p><a href="{h(ep.article_url)}" rel="noopener">Read the article</a></p>\n' if ep.article_url else "")
        + f'<p class="files"><a href="{mp3}" download>MP3</a><a href="{s}.vtt">Captions (VTT)</a>'
        f'<a href="{s}.srt">Captions (SRT)</a><a href="{s}.transcript.json">Transcript (JSON)</a>'
        f'<a href="{s}.chapters.json">Chapters (JSON)</a><a href="{up}feed.xml">Podcast feed (RSS)</a></p>\n'
        f"<h2>Chapters</h2>\n<ol class=\"chapters\">\n{chapter_items}\n</ol>\n"
        f'<h2>Transcript</h2>\n<label class="meta"><input type="checkbox" id="follow" checked> follow playback</label>\n'
        f'<div id="transcript">\n{cue_items}\n</div>\n'
        f"<script>{PLAYER_JS}</script>"
    )
    return _page(f"{ep.title} · {cfg.title}", body, manifest.language or cfg.language,
                 feed_link(show, up), up)
