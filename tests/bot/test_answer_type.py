"""What a question asks for, and which span of a sentence answers it."""

from __future__ import annotations

import pytest

from bot.answering.answer_type import asked, slot


@pytest.mark.parametrize(
    ("question", "kind", "unit"),
    [
        ("Who proposed the fund?", "name", ""),
        ("Which state has the highest gas price?", "name", ""),
        ("How many people will the plant employ?", "number", ""),
        ("How long will the crossing take?", "number", "duration"),
        ("How much will the plant cost?", "number", "money"),
        ("What percentage of adults disapprove of the ruling?", "number", "percent"),
        ("What's the size of Norway's fund?", "number", ""),
        ("When will the plant open?", "date", ""),
        ("In what year was the treaty signed?", "year", ""),
        ("What are the ferries called?", "name", ""),
        ("Which new product did the carmaker unveil?", "", ""),  # a thing, often a common noun ("a robot")
        ("Which measure did lawmakers leave out of the deal?", "", ""),
        ("Which team won the final?", "name", ""),
        ("Why did the council vote?", "", ""),
    ],
)
def test_answer_types(question: str, kind: str, unit: str) -> None:
    a = asked(question)
    assert (a.type, a.unit) == (kind, unit)


def test_the_question_sentence_is_the_focus_not_its_context() -> None:
    a = asked("Severe floods hit the region this week. Which state was worst affected?")
    assert a.focus == "Which state was worst affected?" and a.place is True
    follow = asked("How many people will it employ? (context: Where will Veltrix build its plant?)")
    assert follow.type == "number" and follow.counted == {"peopl"} and follow.place is None


def _short(question: str, sentence: str, passages: tuple[str, ...] = ()) -> str | None:
    span = slot(question, passages or (sentence,)).short_answer(sentence)
    return sentence[span[0] : span[1]] if span else None


def test_the_questions_own_words_never_answer_it() -> None:
    assert (
        _short("Who met Kyrie Irving?", "Nike cut ties with Kyrie Irving on Friday.", ("Shoes by Nike sold out.",))
        == "Nike"
    )


def test_who_wants_a_person_not_a_place() -> None:
    s = "Masayoshi Son, the chief executive of SoftBank Group, has proposed that the United States and Japan act."
    assert _short("Who came up with the idea?", s) == "Masayoshi Son"


def test_which_state_wants_a_place() -> None:
    s = "Reports of 40 people missing in a rural Virginia county, Buchanan County Sheriff Eric Breeding said."
    assert _short("Flooding hit which state?", s) == "Virginia"


def test_a_sentence_initial_common_word_is_not_a_name() -> None:
    s = "Dangerous flooding hit the park in southern Montana on Monday."
    assert _short("Which national park flooded?", s, (s,)) == "Montana"


def test_numbers_of_the_asked_unit_and_count() -> None:
    s = "The line would cut the crossing to eleven minutes and remove about 4,000 car trips a day."
    assert _short("How long will the crossing take?", s) == "eleven minutes"
    s = "The museum reopened after a two-year renovation; 40,000 visitors are expected."
    assert _short("How many visitors does the museum expect?", s) == "40,000"
    s = "Plots cost $35 a year, and 40 new plots open in June."
    assert _short("How much do the plots cost?", s) == "$35"
    assert _short("What percentage disapprove?", "In the survey, 60% of adults disapprove, up 4 points.") == "60%"


def test_the_day_a_story_was_told_is_not_when_it_happens() -> None:
    s = "Veltrix said on Friday the plant would open in March 2028."
    assert _short("When will the plant open?", s) == "March 2028"
    assert _short("When did Veltrix announce the plant?", s) == "Friday"


def test_a_place_question_is_not_answered_by_a_sentence_naming_no_place() -> None:
    question = "Which state voted to legalise the sale of raw milk?"
    assert _short(question, "Critics said the vote ignored Dr. Alvarez and the farmers who opposed it.") is None
    assert _short(question, "Lawmakers in Texas voted on Tuesday to legalise raw milk sales.") == "Texas"
    # a place ending in "s", or written possessive, is still a known place
    assert slot(question).spans("The bill passed in the US Senate.") != []
    oregon = "Oregon’s legislature approved the raw milk bill."
    assert _short(question, oregon, (oregon, "Farmers in Oregon cheered.")) == "Oregon"  # without its possessive


def test_a_name_opening_or_closing_with_a_place_is_a_place_only_with_a_place_word() -> None:
    question = "Which country will the winner of the vote lead?"
    assert _short(question, "Brothers of Italy leader Ana Velt claimed victory in the vote.") == "Italy"
    assert _short("Which team won the final this week?", "The Colorado Avalanche won the final on Sunday.") == (
        "Colorado Avalanche"
    )
    assert _short("Which region was shelled this week?", "Shells fell on Kyiv Oblast overnight.") == "Kyiv Oblast"
    seeks = "Velmora says it will seek FDA approval."
    assert _short("Which company said it would seek approval?", seeks, (seeks, "Shares of Velmora rose.")) == "Velmora"


def test_a_quoted_phrase_answers_only_a_question_asking_for_a_title() -> None:
    sentence = "The minister called the economy “collapsed” as the talks with Halvorsen Bank stalled."
    assert _short("Which lender's talks stalled this week?", sentence) == "Halvorsen Bank"
    titled = "The band's new album, “Quiet Harbour Lights”, topped the chart on Friday."
    assert _short("Which album topped the chart this week?", titled) == "Quiet Harbour Lights"


def test_the_source_of_a_story_is_not_its_answer() -> None:
    question = "Which company recalled its baby rockers this week?"
    tagged = "Two million rockers were recalled by Lullwood, the Consumer Safety Board said."
    assert _short(question, tagged) == "Lullwood"
    rents = "Rents rose 12% in July, according to Realtor.com, led by Miami."
    assert _short("Which city led the rise in rents?", rents) == "Miami"
    assert _short(question, rents) is None  # a company is asked for: neither the source nor a place
    tracked = "Lullwood topped the list, according to box office tracker Comscore."
    assert _short("Which company topped the list?", tracked, (tracked, "Shares of Lullwood rose.")) == "Lullwood"
    # asked who said it, the source is the answer
    assert _short("Who said the rockers were unsafe?", "The rockers were unsafe, the Consumer Safety Board said.") == (
        "Consumer Safety Board"
    )


def test_a_name_hyphenated_to_a_common_word_ends_before_the_hyphen() -> None:
    s = "The Kyiv-based group said Maria Okafor-led talks broke the American League-record."
    from bot.answering.answer_type import name_spans

    spans = {s[a:b] for a, b in name_spans(s)}
    assert {"Kyiv", "Maria Okafor", "American League"} <= spans
    assert not {n for n in spans if n.endswith(("-based", "-led", "-record"))}
    assert "Port-au-Prince" in {t[a:b] for t in ["Aid reached Port-au-Prince."] for a, b in name_spans(t)}


def test_how_many_counts_the_head_noun_of_each_conjunct() -> None:
    question = "How many baby strollers and cribs were recalled this week?"
    versions = "Brisa recalled its Baby Cloud stroller, versions 2.0 through 5.0, and Baby Nest cribs."
    affected = "The recall affects 310,000 strollers and 40,000 cribs, the regulator said."
    wanted = slot(question, (versions, affected))
    assert wanted.counted == {"stroller", "crib"}
    spans = wanted.spans(affected)
    assert wanted.counts(affected, spans) and not wanted.counts(versions, wanted.spans(versions))
    assert slot("How many more people died in the storm?").counted == {"peopl"}
