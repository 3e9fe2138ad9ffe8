"""Quotes judged by their structure (issue 12): titles, terms and nicknames stay with the
narrator; speakers come from the nearest saying-verb construction and are people or unknown."""

from __future__ import annotations

import pytest

from audiogen.script.quotes import split_paragraphs


def pieces(*paras: str):
    return [[(p.quote, p.text, p.speaker) for p in ps] for ps in split_paragraphs([(t, "paragraph") for t in paras])]


def quotes(*paras: str):
    return [(text, speaker) for ps in pieces(*paras) for quote, text, speaker in ps if quote]


@pytest.mark.parametrize("text", [
    'The report, "Water for All: A Plan for 2030," was published on Monday.',  # title with a subtitle
    'On her album "What a Time to Be Alive," she sings about loss.',  # a cue noun, title case
    'Anna Lee, who wrote "A Quiet Place to Rest," said the book took ten years.',  # object of a verb
    'Her breakout role came in "Silver Lining," which ran for three seasons on cable.',
    'Locals call the bridge "the Spine" because of its shape.',
    'The phrase "quiet quitting" went viral last year.',
    'The company\'s "unlimited" plan has a data cap.',
    'Streaming hits like "Stranger Things" and "The Crown" drove sign-ups.',
    'Her TED talk, "Why We Sleep," has 20 million views.',
])
def test_titles_terms_and_nicknames_are_narrated(text):
    assert quotes(text) == []


def test_a_saying_verb_used_as_a_noun_is_not_an_attribution():
    # "report" is a saying verb, but after a determiner it is the noun the title names
    assert quotes('The report, "Clean Water Now," sold out.') == []
    assert quotes('She reported, "The water is clean now and we can drink it."') == [
        ("The water is clean now and we can drink it.", None)]


@pytest.mark.parametrize("text", [
    '"Consumers should not eat the product," the Food Standards Agency said.',
    'The Food Standards Agency said: "Consumers should not eat the product."',
    '"Stay inside until the storm has passed," NHS said in a statement.',
    '"We will appeal the ruling today," Don\'t said.',
    'Many residents agreed. "It is about time we had a vote," Others said.',
])
def test_organisations_and_non_names_are_not_speakers(text):
    got = quotes(text)
    assert len(got) == 1 and got[0][1] is None


def test_a_rejected_attribution_does_not_carry_the_previous_speaker():
    got = quotes('"We are ready for the storm," said Ana Ruiz, the mayor.',
                 '"Stay inside until it passes," said the Met Office.')
    assert got == [("We are ready for the storm,", "Ana Ruiz"), ("Stay inside until it passes,", None)]


def test_one_word_speaker_must_be_a_person_named_in_the_article():
    got = quotes("Lena Ortiz runs the bakery on the corner.", '"Bread is up a dollar this year," Ortiz said.',
                 '"Bread is up a dollar this year," Harbor said.')
    assert got == [("Bread is up a dollar this year,", "Ortiz"), ("Bread is up a dollar this year,", None)]


def test_the_nearest_person_subject_before_the_quote_speaks():
    got = quotes('Reporter Sam Hale said the team met Tuesday, and coach Rita Moss told the players: '
                 '"We play for each other tonight."')
    assert got == [("We play for each other tonight.", "Rita Moss")]
    got = quotes('David Emery posted to Twitter asking if there were "any happy voters left this year?"')
    assert got == [("any happy voters left this year?", "David Emery")]
