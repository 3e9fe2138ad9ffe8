"""HTTP(S) fetching for articles and feeds, with urllib3's sharp edges walled off here.

urllib3 is the client: it already comes with trafilatura (no new dependency), it streams
bodies (so a size limit refuses a large page before reading it all), and it reports DNS,
refused, timeout and TLS failures as distinct exceptions that become one-line messages.
trafilatura's own fetcher returns None on every failure, which cannot say why.

Redirects are followed here one hop at a time, so that each hop is checked: http(s)
only, never from https down to http, at most ``MAX_REDIRECTS`` hops.
"""

from __future__ import annotations

import codecs
import re
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from audiogen import __version__
from audiogen.errors import InputError

MAX_BYTES = 20 * 2**20
MAX_REDIRECTS = 5
CONNECT_TIMEOUT = 10.0  # seconds to open the connection
READ_TIMEOUT = 30.0  # seconds of silence while reading
TOTAL_TIMEOUT = 120.0  # seconds for the whole body, however slowly it trickles in
USER_AGENT = f"audiogen/{__version__} (+https://pypi.org/project/audiogen/; article-to-podcast)"

HTML_TYPES = ("text/html", "application/xhtml+xml")
# Plain text and Markdown articles are read too (raw files on code hosts, gists).
TEXT_TYPES = ("text/plain", "text/markdown", "text/x-markdown")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml",
              "text/xml", "application/feed+json")
ACCEPT_PAGE = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.5,*/*;q=0.1"
ACCEPT_FEED = ("application/rss+xml,application/atom+xml;q=0.9,application/xml;q=0.8,text/xml;q=0.8,"
               "*/*;q=0.1")
_CHUNK = 64 * 1024


class FetchError(InputError):
    """A URL could not be fetched or is not what was asked for (exit code of bad input)."""


@dataclass(frozen=True)
class Fetched:
    """One HTTP response: the body (empty for 304), where it came from and its validators."""

    url: str  # as asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 for a conditional GET that found nothing new
    content_type: str  # media type, lower case, no parameters ("" when the server gave none)
    charset: str | None  # from the Content-Type header
    body: bytes
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def text(self) -> str:
        """The body as text: the header's charset, else the page's own declaration, else UTF-8
        (Windows-1252 when the bytes are not UTF-8)."""
        return decode(self.body, self.charset)


def is_url(value: str) -> bool:
    """True for an http(s) URL given where a file could be (``episode URL``, ``batch URL...``)."""
    return isinstance(value, str) and re.match(r"(?i)^https?://[^/\s]", value) is not None


def source_key(source: str | Path) -> str:
    """A stable name for a source: the URL as given, "-", or the file's resolved path."""
    name = str(source)
    return name if name == "-" or is_url(name) else str(Path(name).resolve())


# ------------------------------------------------------------------ charsets


_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)""", re.I)
_XML_ENCODING_RE = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.-]+)["']""")


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except LookupError:
        return None


def sniff_charset(body: bytes) -> str | None:
    """The charset a document declares in itself: a BOM, ``<?xml encoding>`` or ``<meta charset>``."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return name
    head = body[:4096]
    match = _XML_ENCODING_RE.match(head) or _META_CHARSET_RE.search(head)
    return _codec(match.group(1).decode("ascii")) if match else None


def decode(body: bytes, charset: str | None = None) -> str:
    """Bytes to text with the header's charset, else the document's, else UTF-8 / Windows-1252."""
    if body.startswith(codecs.BOM_UTF8):  # a BOM beats the header (as browsers do)
        return body[3:].decode("utf-8", errors="replace")
    name = _codec(charset) or sniff_charset(body)
    if name in ("ascii", "latin-1", "iso8859-1"):
        name = "cp1252"  # what browsers mean by these labels (WHATWG encoding standard)
    if name:
        return body.decode(name, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace")


# ------------------------------------------------------------------ canonical URL


def canonical_url(html: str, base_url: str) -> str | None:
    """The article's own address: ``<link rel=canonical>``, else ``og:url``, resolved against
    ``base_url`` (the URL it was fetched from); None when neither is a usable http(s) URL."""

    try:
        doc = lxml.html.document_fromstring(html[:2_000_000])
    except (etree.ParserError, ValueError):
        return None
    candidates: list[str] = []
    for el in doc.xpath("//link[@href]"):
        rels = (el.get("rel") or "").lower().split()
        if "canonical" in rels:
            candidates.append(el.get("href"))
    candidates += doc.xpath('//meta[@property="og:url"]/@content')
    for raw in candidates:
        url = urljoin(base_url, raw.strip())
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in url):
            return url
    return None


# ------------------------------------------------------------------ fetching


def _short(url: str, limit: int = 200) -> str:
    return url if len(url) <= limit else url[: limit - 1] + "\u2026"


def _check_url(url: str, shown: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"{shown}: only http:// and https:// URLs can be fetched")
    if not parts.hostname:
        raise FetchError(f"{shown}: the URL has no host name")


_POOLS: dict[str | None, object] = {}


def _pool(url: str):
    """A pool manager for ``url``: direct, or through the http(s)_proxy of the environment."""
    import urllib3  # ~0.1 s: loaded when something is fetched, not by every render

    proxy = None
    host = urlsplit(url).hostname or ""
    if not urllib.request.proxy_bypass_environment(host):
        proxy = urllib.request.getproxies_environment().get(urlsplit(url).scheme.lower())
    if proxy not in _POOLS:
        headers = {"User-Agent": USER_AGENT}
        _POOLS[proxy] = (urllib3.ProxyManager(proxy, headers=headers) if proxy
                         else urllib3.PoolManager(headers=headers))
    return _POOLS[proxy]


def _describe(exc: BaseException, timeout: float) -> str:
    """A urllib3 exception as the cause a person can act on."""
    from urllib3 import exceptions as e  # with urllib3

    if isinstance(exc, e.MaxRetryError) and exc.reason is not None:
        exc = exc.reason
    if isinstance(exc, e.ProxyError):
        return f"the proxy failed ({exc.original_error if getattr(exc, 'original_error', None) else exc})"
    if isinstance(exc, e.NameResolutionError) or "Name or service not known" in str(exc) \
            or "nodename nor servname" in str(exc) or "getaddrinfo failed" in str(exc):
        return "DNS lookup failed: no such host, or no network"
    if isinstance(exc, e.NewConnectionError):  # (a subclass of ConnectTimeoutError: test it first)
        text = str(exc).lower()
        if "refused" in text:
            return "connection refused"
        if "unreachable" in text:
            return "network unreachable"
        if "timed out" in text:
            return f"timed out after {timeout:g} s"
        return "cannot connect"
    if isinstance(exc, (e.ConnectTimeoutError, e.ReadTimeoutError, TimeoutError)):
        return f"timed out after {timeout:g} s"
    if isinstance(exc, e.SSLError):
        return f"TLS/certificate error ({exc})"
    if isinstance(exc, (e.ProtocolError, e.IncompleteRead, ConnectionError)):
        return "the connection was closed before the whole response was read"
    if isinstance(exc, e.LocationParseError):
        return "the URL is not valid"
    return f"{type(exc).__name__}: {exc}"


def _media_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    main, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("'\"") or None
    return main.strip().lower(), charset


def fetch(
    url: str,
    *,
    accept: str = ACCEPT_PAGE,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    timeout: float | None = None,
    total_timeout: float = TOTAL_TIMEOUT,
) -> Fetched:
    """GET ``url``; every failure is a FetchError naming the URL and the cause.

    ``etag``/``last_modified`` make it a conditional GET (status 304, empty body, when
    nothing changed). ``timeout`` bounds connecting and each read (defaults: 10 s and 30 s);
    ``total_timeout`` bounds the whole body. Bodies over ``max_bytes`` are refused, by
    Content-Length before reading, else as soon as the stream passes the limit.
    """
    import urllib3  # with urllib3
    from urllib3 import exceptions as e  # with urllib3

    shown = _short(url)
    _check_url(url, shown)
    t = urllib3.Timeout(connect=timeout or CONNECT_TIMEOUT, read=timeout or READ_TIMEOUT)
    waited = timeout or READ_TIMEOUT
    headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + total_timeout
    current = url
    for _hop in range(max_redirects + 1):
        try:
            resp = _pool(current).request("GET", current, headers=headers, timeout=t, retries=False,
                                          redirect=False, preload_content=False)
        except (e.HTTPError, OSError) as exc:
            if isinstance(exc, (e.ConnectTimeoutError, TimeoutError)):
                waited = timeout or CONNECT_TIMEOUT
            raise FetchError(f"cannot fetch {shown}: {_describe(exc, waited)}") from None
        try:
            if resp.status in (301, 302, 303, 307, 308):
                location = resp.headers.get("Location")
                if not location:
                    raise FetchError(f"cannot fetch {shown}: HTTP {resp.status} redirect without a Location")
                target = urljoin(current, location.strip())
                old, new = urlsplit(current).scheme.lower(), urlsplit(target).scheme.lower()
                if new not in ("http", "https") or (old == "https" and new == "http"):
                    raise FetchError(f"cannot fetch {shown}: it redirects to another scheme "
                                     f"({_short(target, 100)}); refused")
                current = target
                continue
            return _read(resp, url, current, shown, max_bytes, deadline, waited, total_timeout)
        finally:
            # Never reuse a connection whose response was not read to its end (a redirect's
            # body, an error page, a refused body): closing it is cheaper than draining it.
            if not resp.isclosed():
                resp.close()
            resp.release_conn()
    raise FetchError(f"cannot fetch {shown}: more than {max_redirects} redirects")


def _read(resp, url: str, final: str, shown: str, max_bytes: int, deadline: float, waited: float,
          total_timeout: float) -> Fetched:
    from urllib3 import exceptions as e  # with urllib3

    content_type, charset = _media_type(resp.headers.get("Content-Type"))
    etag = resp.headers.get("ETag")
    last_modified = resp.headers.get("Last-Modified")
    if resp.status == 304:
        return Fetched(url, final, 304, content_type, charset, b"", etag, last_modified)
    if resp.status != 200:
        reason = f" {resp.reason}" if resp.reason else ""
        raise FetchError(f"cannot fetch {shown}: HTTP {resp.status}{reason}")
    limit_mb = f"{max_bytes / 2**20:g} MB"
    length = resp.headers.get("Content-Length")
    if length and length.strip().isdigit() and int(length) > max_bytes:
        raise FetchError(f"cannot fetch {shown}: too large ({int(length) / 2**20:.1f} MB; the limit is {limit_mb})")
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            chunk = resp.read1(_CHUNK, decode_content=True)  # whatever arrived: the deadline is checked often
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"cannot fetch {shown}: too large (more than the {limit_mb} limit)")
            if time.monotonic() > deadline:
                raise FetchError(f"cannot fetch {shown}: timed out after {total_timeout:g} s reading the body")
            parts.append(chunk)
    except (e.HTTPError, OSError) as exc:
        raise FetchError(f"cannot fetch {shown}: {_describe(exc, waited)}") from None
    return Fetched(url, final, 200, content_type, charset, b"".join(parts), etag, last_modified)


def _looks_html(body: bytes) -> bool:
    head = body[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head


def fetch_page(url: str, *, timeout: float | None = None, max_bytes: int = MAX_BYTES) -> Fetched:
    """Fetch an article page: HTML (or plain text / Markdown); anything else is refused."""
    got = fetch(url, accept=ACCEPT_PAGE, timeout=timeout, max_bytes=max_bytes)
    kinds: Iterable[str] = HTML_TYPES + TEXT_TYPES
    if got.content_type and got.content_type not in kinds:
        raise FetchError(f"cannot use {_short(url)}: not an HTML page (it is {got.content_type})")
    if not got.body.strip():
        raise FetchError(f"cannot use {_short(url)}: the page is empty")
    if not got.content_type and not _looks_html(got.body):
        raise FetchError(f"cannot use {_short(url)}: not an HTML page (no Content-Type, and it does not look like HTML)")
    return got


def page_format(got: Fetched) -> str:
    """"html", "md" or "txt": how the article parser should read a fetched page."""
    if got.content_type in ("text/markdown", "text/x-markdown"):
        return "md"
    if got.content_type == "text/plain":
        return "md" if urlsplit(got.final_url).path.lower().endswith((".md", ".markdown")) else "txt"
    return "html"


def fetch_article(url: str, timeout: float | None = None) -> tuple[bytes, str, str]:
    """(UTF-8 bytes, format, link) of the article page at ``url``: the page's charset decoded,
    its canonical URL (``<link rel=canonical>``, og:url) as the link, else the URL reached."""
    got = fetch_page(url, timeout=timeout)
    text = got.text()
    fmt = page_format(got)
    link = (canonical_url(text, got.final_url) if fmt == "html" else None) or got.final_url
    return text.encode("utf-8"), fmt, link
