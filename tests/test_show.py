"""Show folders: init, podcast.toml validation with file/line/key in errors, covers."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from audiogen.artwork import check_cover
from audiogen.errors import ConfigError
from audiogen.publish.show import (
    APPLE_CATEGORIES,
    init_show,
    load_show,
    podcast_guid_for,
)

FIELDS = dict(
    title="Night Shift Notes", author="Lee Ortega", base_url="https://cast.example.net/night/",
    owner_email="lee@example.net", category="technology",
)


def test_init_creates_config_and_generated_cover(tmp_path: Path) -> None:
    show = init_show(tmp_path / "s", description="Essays read at night.", **FIELDS)
    root = tmp_path / "s"
    assert (root / "podcast.toml").is_file() and (root / "episodes").is_dir()
    with Image.open(root / "cover.jpg") as im:
        assert (im.format, im.mode, im.size) == ("JPEG", "RGB", (3000, 3000))
        # The title is drawn: the cover is not one flat colour.
        assert len(im.resize((64, 64)).getcolors(64 * 64)) > 3
    c = show.config
    assert (c.title, c.author, c.category, c.language, c.explicit, c.locked) == (
        "Night Shift Notes", "Lee Ortega", "Technology", "en", False, False)
    assert c.base_url == "https://cast.example.net/night"
    assert c.feed_url == "https://cast.example.net/night/feed.xml"
    assert c.owner_name == "Lee Ortega"
    assert show.cover_url == "https://cast.example.net/night/cover.jpg"
    assert load_show(root) == show
    with pytest.raises(ConfigError, match="already exists"):
        init_show(root, **FIELDS)


def test_awkward_text_round_trips_through_toml(tmp_path: Path) -> None:
    title = 'Quotes "here" \\ back\\slash\nnew line\ttab \x01 & <b>'
    show = init_show(tmp_path / "s", **{**FIELDS, "title": title, "author": "O'Brien & Co"})
    assert show.config.title == title.strip()
    assert show.config.author == "O'Brien & Co"


def test_given_cover_is_converted_to_rgb_and_downscaled(tmp_path: Path) -> None:
    src = tmp_path / "art.png"
    Image.new("RGBA", (3200, 3200), (10, 200, 30, 128)).save(src)
    show = init_show(tmp_path / "s", cover=src, **FIELDS)
    with Image.open(show.config.cover) as im:
        assert (show.config.cover.name, im.mode, im.size) == ("cover.png", "RGB", (3000, 3000))
    bad = tmp_path / "wide.jpg"
    Image.new("RGB", (2000, 1500)).save(bad)
    with pytest.raises(ConfigError, match="square"):
        init_show(tmp_path / "t", cover=bad, **FIELDS)
    with pytest.raises(ConfigError, match="does not exist"):
        init_show(tmp_path / "u", cover=tmp_path / "nope.jpg", **FIELDS)
    assert not (tmp_path / "u").exists()


@pytest.mark.parametrize(
    "field, message",
    [
        ({"base_url": "cast.example.net/night"}, "https://"),
        ({"base_url": "ftp://cast.example.net"}, "https://"),
        ({"category": "Cooking"}, "not an Apple Podcasts category"),
        ({"category": "Arts", "subcategory": "Cooking"}, "subcategory"),
        ({"owner_email": "not-an-email"}, "email"),
        ({"title": ""}, "title is required"),
    ],
)
def test_init_rejects_bad_values_before_writing(tmp_path: Path, field: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        init_show(tmp_path / "s", **{**FIELDS, **field})
    assert not (tmp_path / "s" / "podcast.toml").exists()


def _edit(root: Path, old: str, new: str) -> None:
    p = root / "podcast.toml"
    text = p.read_text()
    assert old in text
    p.write_text(text.replace(old, new))


def _line_of(root: Path, needle: str) -> int:
    return next(i for i, line in enumerate((root / "podcast.toml").read_text().splitlines(), 1) if needle in line)


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    init_show(tmp_path / "s", **FIELDS)
    return tmp_path / "s"


def test_missing_config_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a show folder .*audiogen init"):
        load_show(tmp_path)
    with pytest.raises(ConfigError, match="does not exist"):
        load_show(tmp_path / "nowhere")


def test_bad_value_names_line_and_key(root: Path) -> None:
    _edit(root, "explicit = false", "explicit = \"maybe\"")
    line = _line_of(root, "explicit")
    with pytest.raises(ConfigError) as info:
        load_show(root)
    assert f"podcast.toml line {line}: explicit: must be true or false" in str(info.value)


def test_base_url_without_scheme_names_line(root: Path) -> None:
    _edit(root, '"https://cast.example.net/night"', '"cast.example.net/night"')
    line = _line_of(root, "base_url")
    with pytest.raises(ConfigError, match=rf"line {line}: base_url: .*https://"):
        load_show(root)


def test_missing_cover_file(root: Path) -> None:
    (root / "cover.jpg").unlink()
    with pytest.raises(ConfigError, match=r"line \d+: cover: .*does not exist"):
        load_show(root)


def test_cover_outside_show_or_wrong_format(root: Path, tmp_path: Path) -> None:
    Image.new("RGB", (1500, 1500)).save(tmp_path / "outside.jpg")
    _edit(root, 'cover = "cover.jpg"', 'cover = "../outside.jpg"')
    with pytest.raises(ConfigError, match="outside the show folder"):
        load_show(root)
    Image.new("CMYK", (1500, 1500)).save(root / "cmyk.jpg")
    _edit(root, 'cover = "../outside.jpg"', 'cover = "cmyk.jpg"')
    with pytest.raises(ConfigError, match="CMYK"):
        load_show(root)
    Image.new("RGB", (1000, 1000)).save(root / "small.png")
    with pytest.raises(ConfigError, match="1400-3000"):
        check_cover(root / "small.png")


def test_toml_syntax_error_has_line(root: Path) -> None:
    _edit(root, "language", "language = = 'x'\nlanguage2")
    with pytest.raises(ConfigError, match=r"invalid TOML.*line \d+"):
        load_show(root)


def test_unknown_key_and_render_table_errors_name_line(root: Path) -> None:
    _edit(root, "# rate = 175", "rate = 9000")
    line = _line_of(root, "rate = 9000")
    with pytest.raises(ConfigError, match=rf"line {line}: \[render\].*rate"):
        load_show(root)
    _edit(root, "rate = 9000", "rate = 200")
    assert load_show(root).render.rate == 200
    _edit(root, "language", "colour = \"red\"\nlanguage")
    with pytest.raises(ConfigError, match=rf"line {_line_of(root, 'colour')}: colour: unknown setting"):
        load_show(root)


def test_podcast_guid_matches_the_spec_examples() -> None:
    assert podcast_guid_for("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid_for("podnews.net/rss////") == "9b024349-ccf0-5f69-a609-6b82873eab3c"


def test_episode_dir_refuses_escaping_slugs(root: Path) -> None:
    show = load_show(root)
    assert show.episode_dir("ok-slug-2") == show.root / "episodes" / "ok-slug-2"
    for bad in ("../etc", "a/b", "", ".hidden", "UPPER", "x\x00"):
        with pytest.raises(ConfigError):
            show.episode_dir(bad)


def test_category_list_is_apple_shaped() -> None:
    assert "Technology" in APPLE_CATEGORIES and "Tech News" in APPLE_CATEGORIES["News"]
    assert len(APPLE_CATEGORIES) == 19
