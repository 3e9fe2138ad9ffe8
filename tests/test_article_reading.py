"""What is read and what is not: decoration, code, HTML comments, promos, teasers, captions."""

from __future__ import annotations

import pytest

from audiogen.errors import InputError, NoArticleError
from audiogen.read.article import is_code, is_decoration, parse_article

P1 = ("The ferry service resumed on Monday after a winter of repairs to the pier, the port "
      "authority said in a short statement.")
P2 = ("Passengers queued from early morning, and the first crossing left twelve minutes late "
      "because of the crowd on the ramp.")
P3 = ("The authority expects the timetable to return to normal by the end of the month, once "
      "the second boat is back in service.")


def body(article) -> list[str]:
    return [b.text for s in article.sections for b in s.blocks]


def headings(article) -> list[str]:
    return [s.heading for s in article.sections if s.heading]


@pytest.mark.parametrize("line", ["___", "***", "* * *", "~~~", "\u2022 \u2022 \u2022", "-- -- --", "#"])
def test_decoration_lines_are_never_text(line):
    assert is_decoration(line)
    art = parse_article(f"Ferry Back\n\n{P1}\n\n{line}\n\n{P2}\n", "txt")
    assert body(art) == [P1, P2]
    html = f"<html><body><article><h1>Ferry Back</h1><p>{P1}</p><p>{line}</p><p>{P2}</p></article></body></html>"
    assert body(parse_article(html, "html")) == [P1, P2]


def test_html_comments_are_not_text_boundaries():
    paras = "".join(
        f"<p>Crews replaced older, leak-prone <!-- -->pipes on street {n}<!-- --> and said the work "
        f"would take <!-- react-text: 5 -->{n} more weeks<!-- /react-text -->.</p>" for n in range(1, 9))
    html = f"<html><body><article><h1>Pipe Work</h1>{paras}</article></body></html>"
    got = body(parse_article(html, "html"))
    assert len(got) == 8
    assert got[0] == "Crews replaced older, leak-prone pipes on street 1 and said the work would take 1 more weeks."


@pytest.mark.parametrize("text", [
    'nrco.contentDetailController.content.status === "published" ? nrco.page.title : ""',
    "{{ article.headline | upper }}",
    "if (window.dataLayer && window.dataLayer.length) { dataLayer.push({event: 'view'}); }",
    "const render = () => app.mountComponent(rootNode);",
])
def test_code_is_recognised(text):
    assert is_code(text)


@pytest.mark.parametrize("text", [P1, "He said the score was 3-1 and the team's form (poor) would improve.",
                                  "Visit example.com or call 555-0100; the office opens at 9 a.m.",
                                  "The U.S. Senate voted 52-48 on the bill, a narrow win."])
def test_prose_is_not_code(text):
    assert not is_code(text)


def test_code_inside_an_article_is_dropped():
    html = (f"<html><body><article><h1>Ferry Back</h1><p>{P1}</p>"
            "<p>window.app.config.user.isLoggedIn === true && app.renderWidget(config)</p>"
            f"<p>{P2}</p></article></body></html>")
    assert body(parse_article(html, "html")) == [P1, P2]


def test_a_page_of_template_code_is_an_error_not_a_script():
    html = ("<html lang='fr'><body><h1>Modification de page en cours</h1>"
            "<p>{{ page.content.status === 'published' ? page.content.body : '' }}</p>"
            "<p>nrco.contentDetailController.content.status === \"published\" ? nrco.page.title : \"\"</p>"
            "<div>ctrl.article.sections.length &gt; 0 &amp;&amp; ctrl.renderSections(ctrl.article)</div>"
            "</body></html>")
    with pytest.raises(NoArticleError) as err:
        parse_article(html, "html")
    assert isinstance(err.value, InputError)
    assert "no article" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("junk", [
    "Originally published at example.org on May 3.",
    "[Sign up for the Morning Brief newsletter here.]",
    "Visit the City Desk homepage for more stories.",
    "Get started with the new planner here.",
    "Featured Slide Shows Harbor Days Previous Next",
    "Additional reporting by Ann Lee; editing by Tom Hart",
    "Ann Lee contributed to this report.",
])
def test_promos_footers_and_credits_are_dropped(junk):
    art = parse_article(f"Ferry Back\n\n{P1}\n\n{junk}\n\n{P2}\n\n{P3}\n", "txt")
    assert body(art) == [P1, P2, P3]


def test_teaser_headlines_are_not_chapters():
    teasers = "".join(f"<h3><a href='/story/{n}'>Teaser story number {n} about the coast</a></h3>" for n in range(6))
    html = (f"<html><body><article><h1>Ferry Back</h1><p>{P1}</p><h2>The crossing</h2><p>{P2}</p>"
            f"<p>{P3}</p><section>{teasers}</section></article></body></html>")
    art = parse_article(html, "html")
    assert headings(art) == ["The crossing"]
    assert body(art) == [P1, P2, P3]


def test_runs_of_headings_without_text_are_dropped():
    run = "\n\n".join(f"## Teaser headline {n} about the coast" for n in range(4))
    art = parse_article(f"# Ferry Back\n\n{P1}\n\n## The crossing\n\n{P2}\n\n{run}\n\n{P3}\n", "md")
    assert headings(art) == ["The crossing"]
    assert body(art) == [P1, P2, P3]


def test_video_caption_block_in_plain_text_is_dropped():
    text = ("The Summer Songs\n\nNight Owls Featuring Kay Lo\n\u201cBright Harbor\u201d\nFrom Long Roads Home\n"
            f"Quiet Lantern Records\n\n{P1}\n\n{P2}\n")
    art = parse_article(text, "txt")
    assert art.title == "The Summer Songs"
    assert body(art) == [P1, P2]


@pytest.mark.parametrize("figure", [
    # the caption after the picture, equal to its alt
    "<figure><img src='a.jpg' alt='Workers dig a trench on Main Street at dawn'></figure>"
    "<p>Workers dig a trench on Main Street at dawn</p>",
    # a photo essay item: the picture and its caption share a wrapper
    "<li><img src='a.jpg' alt=''><p>The old pier, seen from the water before the storm</p></li>",
    # caption class that is not a figcaption
    "<div class='image-caption'>The old pier, seen from the water before the storm</div>",
    "<p>Photograph: Ann Lee/Getty Images</p>",
    "<p>Illustration: Tom Hart for the Gazette</p>",
    "<p>Clockwise from top: the pier, the ramp and the new ticket office</p>",
    "<p>Ann Lee/Getty Images</p>",
])
def test_html_captions_and_credits_are_not_read(figure):
    html = (f"<html><body><article><h1>Ferry Back</h1><p>{P1}</p>{figure}<p>{P2}</p><p>{P3}</p>"
            "</article></body></html>")
    assert body(parse_article(html, "html")) == [P1, P2, P3]


@pytest.mark.parametrize("raw, want", [
    ("LISA ROE; MARY CLARE DOE; ERIC POE Associated Press", "Lisa Roe, Mary Clare Doe and Eric Poe, Associated Press"),
    ("By ANN LEE", "Ann Lee"),
    ("JOHN MCDONALD and PATRICK O'NEIL", "John McDonald and Patrick O'Neil"),
    ("Jane Doe, Ann Lee, Tom Hart", "Jane Doe, Ann Lee and Tom Hart"),
    ("Jane Doe; Ann Lee", "Jane Doe and Ann Lee"),
    ("Jane Doe | Staff Writer", "Jane Doe"),
    ("Jane Doe, Senior Writer, The Daily Post", "Jane Doe, The Daily Post"),
    ("JANE DOE, THE DAILY POST", "Jane Doe, The Daily Post"),
    ("BBC News", "BBC News"),
    ("Jean-Luc de la Rosa", "Jean-Luc de la Rosa"),
])
def test_bylines_are_formatted(raw, want):
    from audiogen.read.article import format_byline

    assert format_byline(raw) == want


def test_byline_as_printed_becomes_the_article_author():
    text = f"Ferry Back\n\nBy ANN LEE; TOM HART; RAY POE Associated Press\n\n{P1}\n\n{P2}\n"
    art = parse_article(text, "txt")
    assert art.author == "Ann Lee, Tom Hart and Ray Poe, Associated Press"
    assert body(art) == [P1, P2]
    html = ("<html><head><meta name='author' content='ANN LEE; TOM HART'></head><body><article>"
            f"<h1>Ferry Back</h1><p>{P1}</p><p>{P2}</p></article></body></html>")
    assert parse_article(html, "html").author == "Ann Lee and Tom Hart"


def test_english_text_on_a_page_declared_german_is_read_as_english():
    money = "The repairs cost $60,000, and the port authority said the money came from the town budget."
    html = (f"<html lang='de'><body><article><h1>Ferry Back</h1><p>{money}</p><p>{P2}</p><p>{P3}</p>"
            "</article></body></html>")
    art = parse_article(html, "html")
    assert art.language == "en"
    from audiogen.script.build import build_script

    seg = build_script(art).chapters[0].segments[0]
    assert "sixty thousand dollars" in seg.speech


def test_a_heading_that_is_an_anchor_stays_a_heading():
    html = (f"<html><body><article><h1>Ferry Back</h1><p>{P1}</p><h2><a name='crossing'>The crossing</a></h2>"
            f"<p>{P2}</p><h2><a href='#ramp'>The ramp</a></h2><p>{P3}</p></article></body></html>")
    assert headings(parse_article(html, "html")) == ["The crossing", "The ramp"]


def test_credit_lines_are_dropped_but_prose_that_starts_alike_is_kept():
    keep = "Writing by candlelight, she finished the last chapter of the novel before the ferry came in."
    art = parse_article(f"Ferry Back\n\n{P1}\n\n{keep}\n\nReporting by Ann Lee in Rome; Editing by Tom Hart\n", "txt")
    assert body(art) == [P1, keep]
