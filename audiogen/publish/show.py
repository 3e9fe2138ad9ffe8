"""A show folder: ``podcast.toml`` (validated), its cover, and where episode files live.

Layout::

    SHOWDIR/podcast.toml   show config + optional [render] table          (private)
    SHOWDIR/cover.jpg      square RGB artwork, 1400-3000 px               (public)
    SHOWDIR/episodes/<slug>/...   one folder per episode
    SHOWDIR/feed.xml, index.html, favicon.png, favicon.ico                 (public)
    SHOWDIR/.audiogen.lock, .audiogen-state.json, .audiogen-built.json     (private)

What is public is decided by name, in ``is_public``: what listeners and apps fetch
(audio, feed, transcripts and chapters, pages, images). The show's own config and
state (podcast.toml, publish.json, the episode manifests, batch records, dotfiles)
are never served and are left out of ``public_files`` (what to upload).
"""

from __future__ import annotations

import re
import sys
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import quote, urlsplit

from audiogen import fsutil, manifest
from audiogen.artwork import check_cover, generate_cover, import_cover
from audiogen.errors import ConfigError, InputError
from audiogen.script import Script
from audiogen.settings import RenderSettings, check_files, from_mapping
from audiogen.limits import MAX_CONFIG_BYTES, read_limited
from audiogen.fsutil import slugify

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

CONFIG_NAME = "podcast.toml"
FEED_NAME = "feed.xml"
INDEX_NAME = "index.html"
LOCK_NAME = ".audiogen.lock"
MANIFEST_SUFFIX = manifest.SUFFIX  # episodes/<slug>/<slug>.episode.json, written by the renderer
EPISODES_DIR = "episodes"

# Files listeners and apps fetch. JSON is public only as the two Podcasting 2.0 sidecars.
PUBLIC_SUFFIXES = frozenset({
    ".mp3", ".m4a", ".ogg", ".opus", ".xml", ".html", ".htm", ".vtt", ".srt", ".jpg", ".jpeg", ".png",
    ".webp", ".svg", ".ico", ".css", ".js", ".txt",
})
PUBLIC_JSON_SUFFIXES = (".chapters.json", ".transcript.json")

# The Podcasting 2.0 namespace UUID that podcast:guid values are derived under.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


# Apple Podcasts categories and subcategories (podcasters.apple.com, "Podcast categories").
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": (
        "Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality",
    ),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga", "Automotive", "Aviation", "Crafts", "Games", "Hobbies",
        "Home & Garden", "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News", "Daily News", "Entertainment News", "News Commentary", "Politics",
        "Sports News", "Tech News",
    ),
    "Religion & Spirituality": (
        "Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality",
    ),
    "Science": (
        "Astronomy", "Chemistry", "Earth Sciences", "Life Sciences", "Mathematics",
        "Natural Sciences", "Nature", "Physics", "Social Sciences",
    ),
    "Society & Culture": (
        "Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships",
    ),
    "Sports": (
        "Baseball", "Basketball", "Cricket", "Fantasy Sports", "Football", "Golf", "Hockey",
        "Rugby", "Running", "Soccer", "Swimming", "Tennis", "Volleyball", "Wilderness", "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

DEFAULT_CATEGORY = "Society & Culture"

_EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[A-Za-z0-9-]{2,}$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")

# Top-level keys of podcast.toml, in the order init writes them.
_KEYS = (
    "title", "author", "description", "language", "category", "subcategory", "explicit",
    "base_url", "link", "owner_name", "owner_email", "cover", "locked", "host",
)
_REQUIRED = ("title", "author", "base_url")
_BOOL_KEYS = {"explicit", "locked"}


@dataclass(frozen=True)
class ShowConfig:
    """The show-level metadata a podcast directory needs, validated."""

    title: str
    author: str
    description: str
    language: str
    category: str
    subcategory: str | None
    explicit: bool
    base_url: str  # no trailing slash
    owner_name: str
    owner_email: str | None
    cover: Path  # absolute path of a file inside the show folder
    locked: bool = False
    link: str = ""  # the show's website; defaults to base_url
    host: str = ""  # who the narrator is in transcripts; defaults to the author

    @property
    def narrator(self) -> str:
        """The name transcripts give the narrator: the show's host."""
        return self.host or self.author

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/{FEED_NAME}"

    @property
    def website(self) -> str:
        return self.link or f"{self.base_url}/"

    @property
    def podcast_guid(self) -> str:
        """podcast:guid: UUIDv5 of the feed URL without scheme or trailing slashes."""
        return podcast_guid_for(self.feed_url)


@dataclass(frozen=True)
class Show:
    """A loaded show folder: where things live, its config and its render settings."""

    root: Path
    config: ShowConfig
    render: RenderSettings = field(default_factory=RenderSettings)

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def feed_path(self) -> Path:
        return self.root / FEED_NAME

    @property
    def index_path(self) -> Path:
        return self.root / INDEX_NAME

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def episodes_dir(self) -> Path:
        return self.root / EPISODES_DIR

    def episode_dir(self, slug: str) -> Path:
        """The folder for ``slug``; refuses anything that is not a plain slug."""
        if not _SLUG_RE.match(slug):
            raise ConfigError(f"episode slug {slug!r} is not a safe folder name (a-z, 0-9 and '-' only)")
        return self.episodes_dir / slug

    def slug_for(self, title: str, source: str | None) -> str:
        """The episode slug for an article: the title's slug, or ``-2``, ``-3``... when that
        folder holds an episode rendered from another article file that still exists."""

        base = slugify(title)
        for n in range(1, 1000):
            slug = base if n == 1 else f"{base[:56]}-{n}"
            if not held_by_another(self.episode_dir(slug), slug, source):
                return slug
        raise ConfigError(f"too many episodes titled like {title!r}; give the article a distinct title")

    def url_for(self, relpath: Path | str) -> str:
        """Public URL of a file given by its path relative to the show folder."""
        rel = Path(relpath).as_posix().lstrip("/")
        return f"{self.config.base_url}/{quote(rel)}"

    @property
    def cover_url(self) -> str:
        return self.url_for(self.config.cover.relative_to(self.root))


def held_by_another(folder: Path, slug: str, source: str | None) -> bool:
    """True when the episode ``slug`` in ``folder`` was rendered from another article file that
    still exists (or from stdin, or from another URL), so a new article with the same title must
    take another slug."""
    try:
        other = manifest.read(manifest.path_for(folder, slug)).source
    except InputError:
        return False
    return bool(other) and other != source and (
        other == "-" or re.match(r"(?i)https?://", other) is not None or Path(other).is_file())


def is_public(relpath: str) -> bool:
    """Whether a file of the show (path relative to its folder, "/"-separated) is for listeners.

    Public: audio, the feed, transcripts, JSON chapters and transcripts, pages, images.
    Private: podcast.toml, publish.json, ``*.episode.json`` manifests (they name the article's
    file on this machine), batch records, any dotfile or dot-folder, anything else.
    """
    parts = [p for p in relpath.split("/") if p]
    if not parts or any(p.startswith(".") for p in parts):
        return False
    name = parts[-1].lower()
    if name.endswith(PUBLIC_JSON_SUFFIXES):
        return True
    return Path(name).suffix in PUBLIC_SUFFIXES


def public_files(root: Path) -> list[Path]:
    """The show's public files (relative paths, sorted): what to upload to a static host."""
    root = Path(root).resolve()
    out = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        real = path.resolve()
        if (path.is_file() and is_public(rel) and real.is_relative_to(root)
                and is_public(real.relative_to(root).as_posix())):
            out.append(Path(rel))
    return out


def podcast_guid_for(feed_url: str) -> str:
    """The Podcasting 2.0 guid of a feed URL (scheme and trailing slashes removed)."""
    bare = re.sub(r"^[A-Za-z][A-Za-z0-9+.-]*://", "", feed_url.strip()).rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


# --- reading and validating ---------------------------------------------------------


def _key_line(text: str, key: str, table: str | None = None) -> int | None:
    """Line number (1-based) where ``key`` is assigned, in the top level or in ``[table]``."""
    current: str | None = None
    key_re = re.compile(rf"^\s*(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')\s*=")
    for no, line in enumerate(text.splitlines(), 1):
        header = re.match(r"^\s*\[\s*([^\]\s]+)\s*\]", line)
        if header:
            current = header.group(1)
            continue
        if current == table and key_re.match(line):
            return no
    return None


def _where(path: Path, text: str, key: str, table: str | None = None) -> str:
    line = _key_line(text, key, table)
    return f"{path} line {line}" if line else str(path)


def validate_base_url(value: str) -> str:
    """An absolute http(s) URL without a trailing slash, query or fragment."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(
            f"base_url must be an absolute URL starting with https:// (or http://), got {value!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"base_url must not have a query or fragment, got {value!r}")
    if any(c.isspace() for c in value.strip()):
        raise ConfigError(f"base_url must not contain spaces, got {value!r}")
    return value.strip().rstrip("/")


def validate_category(category: str, subcategory: str | None) -> tuple[str, str | None]:
    """Match an Apple Podcasts category (case-insensitive) and return its exact spelling."""
    by_lower = {c.lower(): c for c in APPLE_CATEGORIES}
    cat = by_lower.get(category.strip().lower())
    if cat is None:
        raise ConfigError(
            f"category {category!r} is not an Apple Podcasts category; use one of: "
            + ", ".join(APPLE_CATEGORIES)
        )
    if not subcategory:
        return cat, None
    subs = {s.lower(): s for s in APPLE_CATEGORIES[cat]}
    sub = subs.get(subcategory.strip().lower())
    if sub is None:
        choices = ", ".join(APPLE_CATEGORIES[cat]) or "(none: leave subcategory out)"
        raise ConfigError(f"subcategory {subcategory!r} is not in {cat}; use one of: {choices}")
    return cat, sub


def config_from_mapping(data: Mapping[str, Any], show_dir: Path, text: str = "", path: Path | None = None) -> ShowConfig:
    """Validate the top-level table of podcast.toml; errors name the file, line and key."""
    path = path or show_dir / CONFIG_NAME

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(f"{_where(path, text, key)}: {key}: {msg}")

    for key in data:
        if key not in _KEYS:
            raise fail(key, f"unknown setting (known: {', '.join(_KEYS)}, and a [render] table)")
    for key in _REQUIRED:
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ConfigError(f"{path}: {key} is required; add  {key} = \"...\"  to it")
    values: dict[str, Any] = {}
    for key in _KEYS:
        if key not in data:
            continue
        v = data[key]
        if key in _BOOL_KEYS:
            if not isinstance(v, bool):
                raise fail(key, f"must be true or false, got {v!r}")
        elif not isinstance(v, str):
            raise fail(key, f"must be a quoted string, got {v!r}")
        else:
            v = v.strip()
        values[key] = v

    try:
        base_url = validate_base_url(values["base_url"])
    except ConfigError as exc:
        raise fail("base_url", str(exc).removeprefix("base_url ")) from None
    link = values.get("link") or ""
    if link:
        try:
            link = validate_base_url(link) + ("/" if values["link"].endswith("/") else "")
        except ConfigError as exc:
            raise fail("link", str(exc).replace("base_url ", "")) from None
    language = values.get("language") or "en"
    if not _LANG_RE.match(language):
        raise fail("language", f"must be a language code such as en or en-us, got {language!r}")
    try:
        category, subcategory = validate_category(values.get("category") or DEFAULT_CATEGORY, values.get("subcategory"))
    except ConfigError as exc:
        key = "subcategory" if str(exc).startswith("subcategory") else "category"
        raise fail(key, str(exc).split(" ", 1)[1]) from None
    email = values.get("owner_email") or None
    if email is not None and not _EMAIL_RE.match(email):
        raise fail("owner_email", f"{email!r} does not look like an email address")
    cover_value = values.get("cover") or "cover.jpg"
    cover = Path(cover_value).expanduser()
    cover = (cover if cover.is_absolute() else show_dir / cover).resolve()
    root = show_dir.resolve()
    if not cover.is_relative_to(root):
        raise fail("cover", f"{cover_value!r} is outside the show folder; copy it into {show_dir} so it is uploaded with the feed")
    try:
        check_cover(cover)
    except ConfigError as exc:
        raise fail("cover", str(exc)) from None
    return ShowConfig(
        title=values["title"],
        author=values["author"],
        description=values.get("description") or values["title"],
        language=language.lower(),
        category=category,
        subcategory=subcategory,
        explicit=values.get("explicit", False),
        base_url=base_url,
        owner_name=values.get("owner_name") or values["author"],
        owner_email=email,
        cover=cover,
        locked=values.get("locked", False),
        link=link,
        host=values.get("host") or "",
    )


def _render_settings(table: Any, show_dir: Path, path: Path, text: str) -> RenderSettings:
    if not isinstance(table, Mapping):
        raise ConfigError(f"{_where(path, text, 'render')}: render must be a table ([render])")
    # Validate key by key first so the error can name the line of the bad key.
    for key, value in table.items():
        from_mapping({key: value}, base=show_dir, source=f"{_where(path, text, key, 'render')}: [render]")
    return from_mapping(table, base=show_dir, source=f"{path}: [render]")


def _read_config(path: Path) -> str:
    """podcast.toml's text, read no further than its size limit."""

    data = read_limited(path, MAX_CONFIG_BYTES, "config file", ConfigError)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None


def load_render_settings(config_path: Path | str) -> RenderSettings:
    """The ``[render]`` table of a podcast.toml used outside a show (``--config``), validated."""
    path = Path(config_path).expanduser()
    text = _read_config(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    table = data.get("render", {})
    if isinstance(table, dict) and "author" not in table and isinstance(data.get("author"), str):
        table = {**table, "author": data["author"]}  # a podcast.toml's author is the fallback byline
    return _render_settings(table, path.parent, path, text)


def read_config_text(show_dir: Path) -> tuple[Path, str, dict[str, Any]]:
    """Read and parse podcast.toml; a missing file or a TOML syntax error is a ConfigError."""
    path = show_dir / CONFIG_NAME
    if not show_dir.is_dir():
        raise ConfigError(f"show folder {show_dir} does not exist; create one with 'audiogen init {show_dir}'")
    if not path.is_file():
        raise ConfigError(f"{show_dir} is not a show folder (no {CONFIG_NAME}); create one with 'audiogen init {show_dir}'")
    text = _read_config(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib messages end with "(at line N, column M)".
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return path, text, data


def load_show(show_dir: Path | str) -> Show:
    """Load and validate a show folder; raise ConfigError naming the file, line and key."""
    root = Path(show_dir).expanduser()
    path, text, data = read_config_text(root)
    data = dict(data)
    render_table = data.pop("render", {})
    config = config_from_mapping(data, root, text, path)
    render = _render_settings(render_table, root, path, text)
    return Show(root=root.resolve(), config=config, render=render)


# --- creating -------------------------------------------------------------------------


def resolve_settings(*, show: Path | str | None = None, config: Path | str | None = None,
                     overrides: Mapping[str, Any] | None = None) -> tuple[Show | None, RenderSettings]:
    """(show or None, settings): defaults < the show's or ``config``'s [render] table < ``overrides``."""
    loaded = load_show(show) if show is not None else None
    base = loaded.render if loaded is not None else RenderSettings()
    if config is not None:
        base = load_render_settings(config)
    settings = base.merged(overrides or {})
    check_files(settings)
    return loaded, settings


def fill_missing(script: Script, settings: RenderSettings, show: Show | None = None,
                 today: str | None = None) -> tuple[Script, dict[str, str]]:
    """An article without a byline or a date still gets an ID3 artist and date: the show's
    author (else the config's ``author``) and the day the episode is made. Returns the
    script and where each filled value came from ("show", "config", "rendered")."""
    filled: dict[str, str] = {}
    changes: dict[str, str] = {}
    if not script.author:
        if show is not None and show.config.author:
            changes["author"], filled["author"] = show.config.author, "show"
        elif settings.author:
            changes["author"], filled["author"] = settings.author, "config"
    if not script.date:
        changes["date"] = today or datetime.now(timezone.utc).strftime("%Y-%m-%d")
        filled["date"] = "rendered"
    return (replace(script, **changes) if changes else script), filled


def _toml_str(value: str) -> str:
    """A TOML basic string literal (escapes quotes, backslashes and control characters)."""
    out = []
    for ch in value:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_config(values: Mapping[str, Any]) -> str:
    """podcast.toml text for ``values`` (top-level keys only), with a commented [render] table."""
    lines = ["# audiogen show config. Edit freely, then run: audiogen feed <this folder>", ""]
    for key in _KEYS:
        v = values.get(key)
        if v is None or v == "":
            continue
        lines.append(f"{key} = {'true' if v is True else 'false' if v is False else _toml_str(str(v))}")
    lines += [
        "",
        "# Render settings for episodes of this show (CLI flags override them).",
        "[render]",
        "# voice = \"en-us\"",
        "# rate = 175",
        "",
    ]
    return "\n".join(lines)


def init_show(show_dir: Path | str, *, force: bool = False, cover: Path | str | None = None, **fields: Any) -> Show:
    """Create a show folder: podcast.toml, a cover (given or generated), episodes/.

    ``fields`` are podcast.toml keys (title, author, base_url, ...). Everything is
    validated before anything is written, so a bad value leaves no half-made show.
    """
    root = Path(show_dir).expanduser()
    config_path = root / CONFIG_NAME
    if config_path.exists() and not force:
        raise ConfigError(f"{config_path} already exists; edit it, or pass --force to overwrite it")
    unknown = set(fields) - set(_KEYS)
    if unknown:
        raise ConfigError(f"unknown show setting {sorted(unknown)[0]!r}")
    values = {k: v for k, v in fields.items() if v is not None and v != ""}
    for key in _REQUIRED:
        if not str(values.get(key, "")).strip():
            raise ConfigError(f"{key.replace('_', '-')} is required to create a show (pass --{key.replace('_', '-')})")
    # Write the defaults out so the user sees (and can edit) every setting.
    values.setdefault("description", values["title"])
    values.setdefault("language", "en")
    values.setdefault("explicit", False)
    values.setdefault("owner_name", values["author"])
    values.setdefault("locked", False)
    # Validate the plain fields before touching the disk.
    values["base_url"] = validate_base_url(str(values["base_url"]))
    cat, sub = validate_category(str(values.get("category") or DEFAULT_CATEGORY), values.get("subcategory"))
    values["category"], values["subcategory"] = cat, sub
    if values.get("owner_email") and not _EMAIL_RE.match(str(values["owner_email"])):
        raise ConfigError(f"owner email {values['owner_email']!r} does not look like an email address")
    if values.get("language") and not _LANG_RE.match(str(values["language"])):
        raise ConfigError(f"language must be a code such as en or en-us, got {values['language']!r}")
    if cover is not None and not Path(cover).expanduser().is_file():
        raise ConfigError(f"cover file {cover} does not exist")
    try:
        root.mkdir(parents=True, exist_ok=True)
        (root / EPISODES_DIR).mkdir(exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create show folder {root}: {exc.strerror or exc}") from None
    if cover is not None:
        target = import_cover(Path(cover), root)
    else:
        target = root / "cover.jpg"
        generate_cover(str(values["title"]), target, author=str(values.get("author") or ""))
    values["cover"] = target.name
    fsutil.atomic_write_text(config_path, render_config(values))
    return load_show(root)
