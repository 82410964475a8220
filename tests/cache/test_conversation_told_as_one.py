"""A conversation told as one question, judged at the single question's threshold when the single question asks
about what the conversation says (``conversation.asks_no_more``), and refused when, after the same story, it asks
another question (``conversation.asks_another``). Invented conversations (``data/conversation_told_as_one.jsonl``,
none of the dev sets' words), each ``a`` stored and its ``b`` looked up through the engine on the real embedded
Redis, with the default guards and threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache, context_match, entry
from nearhit.cache import conversation as cv
from nearhit.cache.results import LookupResult
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards import GuardSet
from tests.support.lookups import answer_for, ask

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_told_as_one.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_story_over_turns_meets_the_question_asked_at_once(cache: SemanticCache, pair: Pair) -> None:
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, list(pair.a.history), pair.a.prompt), answer_for(pair))
    result = await cache.lookup(ask(cache, list(pair.b.history), pair.b.prompt), threshold=DEFAULT_SIMILARITY_THRESHOLD)
    assert result.hit is pair.same_answer, result.candidates
    if pair.same_answer:
        assert result.answer is not None and result.answer.response == answer_for(pair)
        assert result.context is not None and "told_as_one" in result.context


@pytest.mark.parametrize(
    ("told", "single", "answer", "expected"),
    [
        # the single question names what the story tells, the question asks nothing more
        (
            "My kettle is furred up with limescale.\nhow do I clean it?",
            "How do I clean limescale from a kettle?",
            "",
            True,
        ),
        # what "that" stands for, the assistant said
        (
            "My kettle is furred up.\nhow do I do that?",
            "How do I descale a kettle?",
            "You'll want to descale it.",
            True,
        ),
        # the single question is about another thing: most of its words the conversation never says
        (
            "My kettle is furred up with limescale.\nhow do I clean it?",
            "How do I clean a cast iron griddle pan?",
            "",
            False,
        ),
        # the same first word, another thing after it: "garden shears" told, "garden loppers" asked
        ("My garden shears are blunt.\nhow do I sharpen them?", "How do I sharpen garden loppers?", "", False),
        ("My garden shears are blunt.\nhow do I sharpen them?", "How do I sharpen blunt garden shears?", "", True),
        # a single message that tells the story at once tells all the turns tell ...
        (
            "My kettle is furred up.\nWe live in a hard water area.\nhow do I clean it?",
            "We live in a hard water area and my kettle is furred up. How do I clean it?",
            "",
            True,
        ),
        # ... else the turns tell another story (a sentence only they tell)
        (
            "My kettle is furred up.\nWe live in a hard water area.\nhow do I clean it?",
            "My kettle is furred up. How do I clean it?",
            "",
            False,
        ),
        # the conversation's question names a word the single question does not
        (
            "My kettle is furred up with limescale.\nhow do I replace the element?",
            "How do I clean limescale from a kettle?",
            "",
            False,
        ),
        # the last word of a turn and the first of the next are no thing named ("kg lol" / "kg dog") ...
        (
            "I have a spaniel, she weighs 15 kg\nlol, true. how many grapes would be toxic for her?",
            "How many grapes are toxic for a 15 kg dog?",
            "",
            True,
        ),
        # ... where inside one sentence they are
        (
            "I have a spaniel, she weighs 15 kg lol. how many grapes would be toxic for her?",
            "How many grapes are toxic for a 15 kg dog?",
            "",
            False,
        ),
    ],
)
def test_a_single_question_asks_no_more_than_the_conversation_says(
    told: str, single: str, answer: str, expected: bool
) -> None:
    assert cv.asks_no_more(told, single, answer) is expected


def test_a_word_said_only_in_an_answer_to_the_assistants_question_may_go_unsaid() -> None:
    """ "Does it get much sun?" "hardly any, it's always damp there" is worded by the question it answers: one message
    that says "shady and damp" tells the same. An answer that tells a name ("Harlow") tells a fact one message must
    tell too; a number it tells ("3 trees") is read with the question it answers, the number itself compared by the
    facts (:func:`cv.differs_from_one`); a turn told unasked is the story's own."""
    told = "My lawn is full of moss.\nhardly any, it's always damp there\nwhat can I do about it?"
    single = "My lawn is full of moss, it's shady and damp. What can I do about it?"
    answered = {"hardly any, it's always damp there"}
    assert not cv.asks_no_more(told, single)
    assert cv.asks_no_more(told, single, answered=answered)
    named = "My lawn is full of moss.\nHarlow\nwhat can I do about it?"
    assert not cv.asks_no_more(named, "My lawn is full of moss. What can I do about it?", answered={"Harlow"})
    counted = "My lawn is full of moss.\n3 trees\nwhat can I do about it?"
    assert cv.asks_no_more(counted, "My lawn is full of moss. What can I do about it?", answered={"3 trees"})
    assert cv.differs_from_one(counted, "My lawn is full of moss. What can I do about it?") is not None
    shaded = "My lawn is full of moss under three trees. What can I do about it?"
    assert cv.asks_no_more(counted, shaded, answered={"3 trees"})
    assert cv.differs_from_one(counted, shaded) is None


def test_the_turns_that_answer_the_assistants_question() -> None:
    context = cv.Context(
        (
            ("user", "My lawn is full of moss."),
            ("assistant", "Does it get much sun?"),
            ("user", "hardly any"),
            ("assistant", "Moss loves shade."),
            ("user", "it's clay soil"),
        )
    )
    assert cv.answers(context) == {"hardly any"}


def test_the_opening_turn_the_assistant_questions_is_asked_for() -> None:
    """ "fence question" "What kind of fence?" names what the answers then tell: it is asked for, as an answer is. An
    opening the assistant answers without a question is the story's own."""
    asked = cv.Context(
        (
            ("user", "fence question"),
            ("assistant", "What kind of fence?"),
            ("user", "larch lap panels"),
            ("assistant", "Nice."),
            ("user", "they're going grey"),
        )
    )
    told = cv.Context((("user", "fence question"), ("assistant", "Sure."), ("user", "larch lap panels")))
    assert cv.asked_for(asked) == {"fence question", "larch lap panels"}
    assert cv.asked_for(told) == set()


def test_an_asked_for_opening_may_go_unsaid_unless_told_with_a_detail_swapped() -> None:
    """One message names the topic its own way ("fence question" / "My larch lap panels ..."); one that tells the
    opening in its own words with a detail swapped ("a tooth pulled" / "a crown fitted") tells another story."""
    told = "fence question\nlarch lap panels, going grey\nhow do I bring the colour back?"
    single = "My larch lap panels are going grey. How do I bring the colour back?"
    assert not cv.asks_no_more(told, single, answered={"larch lap panels, going grey"})
    assert cv.asks_no_more(told, single, answered={"fence question", "larch lap panels, going grey"})
    swapped = "I had a tooth pulled yesterday.\nstill a bit sore\nwhen can I eat crisps?"
    other = "I had a crown fitted on a tooth yesterday. Still a bit sore. When can I eat crisps?"
    assert not cv.asks_no_more(swapped, other, answered={"I had a tooth pulled yesterday.", "still a bit sore"})


@pytest.mark.parametrize(
    ("told", "single", "other"),
    [
        # the same story, another question after it
        (
            "I grow chillies on my balcony.\nWhen should I prune them?",
            "I grow chillies on my balcony. When should I pick them?",
            True,
        ),
        # another person pointed at
        (
            "My parents are visiting.\nWhat can I cook for her?",
            "My parents are visiting. What can I cook for him?",
            True,
        ),
        # the same question worded otherwise: one side names a word more, none exchanged
        (
            "I grow chillies on my balcony.\nWhen should I prune them?",
            "I grow chillies on my balcony. When should I prune the plants?",
            False,
        ),
        # a single question that only asks is left to the other checks
        ("I grow chillies on my balcony.\nWhen should I prune them?", "When should I pick balcony chillies?", False),
        # the one message opens its question with "So" after the story: the question is still the other's with a
        # particle, a label or a person exchanged
        (
            "My spreadsheet lists shoe sizes like 7.5 and 8.5.\nhow do I round them down?",
            "My spreadsheet lists shoe sizes like 7.5 and 8.5. So how do I round them up?",
            True,
        ),
        (
            "The quiz has options a and b.\nis the answer a?",
            "The quiz has options a and b. So is the answer b?",
            True,
        ),
        (
            "The boat hire has a morning and an evening slot.\nAnd what time do we check out?",
            "The boat hire has a morning and an evening slot. Ok, what time do we check in?",
            True,
        ),
        # ... and the same question opened so is the same question
        (
            "My spreadsheet lists shoe sizes like 7.5 and 8.5.\nhow do I round them down?",
            "My spreadsheet lists shoe sizes like 7.5 and 8.5. So how do I round them down?",
            False,
        ),
    ],
)
def test_another_question_after_the_same_story(told: str, single: str, other: bool) -> None:
    assert (cv.asks_another(told, single) is not None) is other


@pytest.mark.parametrize(
    ("single", "similarity", "served"),
    [
        ("How do I clean limescale from a kettle?", 0.80, True),  # asks what the story tells: the threshold
        ("How do I clean limescale from a kettle?", 0.74, False),  # ... and not under it
        ("How do I clean a cast iron griddle pan?", 0.80, False),  # about another thing: 0.88
    ],
)
def test_a_single_question_that_asks_no_more_is_judged_at_its_threshold(
    single: str, similarity: float, served: bool
) -> None:
    result = LookupResult(match=None, threshold=0.76, scope_id="s")
    fields = {"prompt": single, entry.DISTANCE: str(1 - similarity)}
    told = "My kettle is furred up with limescale.\nhow do I clean it?"
    matched = context_match.as_one_question(result, told, [("k", fields)], None)
    assert (matched is not None) is served, result.candidates


BUT_JOINS_CLAUSES = [
    # one message runs its clauses on with "but" where the turns start a new one: the same story
    (
        "My sourdough starter bubbles well.\nThe loaves come out flat.\nwhat am I doing wrong with the shaping?",
        "My sourdough starter bubbles well, but the loaves come out flat. What am I doing wrong with the shaping?",
        False,
    ),
    # the turns' "but", told at once without it
    (
        "The dishwasher runs.\nbut the plates come out greasy.\nwhat should I clean first?",
        "The dishwasher runs and the plates come out greasy. What should I clean first?",
        False,
    ),
    # a "but" on both sides, one joining clauses the other side tells, the other not: alike as written
    (
        "My starter bubbles well, but it smells sour.\nThe loaves come out flat.\nwhat am I doing wrong?",
        "My starter bubbles well, but the loaves come out flat and heavy and it smells sour. What am I doing wrong?",
        False,
    ),
    # ... or tells with a word more, most of it said ("always")
    (
        "My spaniel is perfect at home.\nat the park she ignores me when she sees dogs.\nhow do I fix her recall?",
        "My spaniel is perfect at home, but at the park she always ignores me when she sees dogs. "
        "How do I fix her recall?",
        False,
    ),
    # ... but not when the words it says are said before it, in the same message, and the words it adds are not
    (
        "I want to add my daughter to my car policy.\nshe is 19 and passed her test in June.\nwhat will my payment be?",
        "I want to add my daughter to my car policy. She is 19 and passed her test in June, but her sister has "
        "her own car and policy. What will my payment be?",
        True,
    ),
    # a "but" whose clause tells what the turns do not is a restriction, kept
    (
        "I'm buying a laptop for school.\nMostly essays and browsing.\nwould a Chromebook do?",
        "I'm buying a laptop for school, mostly essays and browsing, but my course needs Photoshop. "
        "So would a Chromebook do?",
        True,
    ),
    # what follows the "but" is still compared: a negation only one side says
    (
        "My sourdough starter bubbles well.\nThe loaves come out flat.\nwhat am I doing wrong with the shaping?",
        "My sourdough starter bubbles well, but I don't fold the loaves. What am I doing wrong with the shaping?",
        True,
    ),
    # ... and a condition
    (
        "I'm baking bread for a party.\nhow much flour do I need?",
        "I'm baking bread for a party, but gluten free. How much flour do I need?",
        True,
    ),
]
"""A but that joins two clauses is no restriction."""


SINGLE = (
    "I keep bees in a wooden hive in my back garden and the colony looks weak after winter. "
    "What should I feed the colony?"
)


@pytest.mark.parametrize(
    ("told", "exchanged"),
    [
        # a long story told again, a word otherwise in each of two places: no detail exchanged
        (
            "I keep bees in a hive in my back garden\nthe colony looks weak after a cold winter\n"
            "what should I feed the colony?",
            False,
        ),
        # a word where the other's stands, beside the same words: a detail exchanged
        (
            "I keep bees in a wooden hive in my back garden\nthe colony looks strong after winter\n"
            "what should I feed the colony?",
            True,
        ),
        # a phrase told where the other tells a word: a detail added, not a rewording
        (
            "I keep bees in a hive in my back garden\nthe colony looks weak after winter, wasps robbing it\n"
            "what should I feed the colony?",
            True,
        ),
    ],
)
def test_a_word_of_the_story_exchanged_stands_where_the_other_stands(told: str, exchanged: bool) -> None:
    found = cv.differs_from_one(told, SINGLE)
    assert (found is not None and found.startswith("a word of the story exchanged")) is exchanged, found


FENCE = "I'm repainting the wooden garden fence this weekend\nit has to stay dark green to match the shed\n"


@pytest.mark.parametrize(
    ("told", "single", "answer", "alone"),
    [
        # a turn that binds the answer, left out of the one message: another story
        (
            FENCE + "which paint should I buy?",
            "I'm repainting the wooden garden fence this weekend. Which paint?",
            "",
            True,
        ),
        # ... the other way round: the one message tells it, the turns do not
        (
            "I'm repainting the wooden garden fence this weekend\nwhich paint should I buy?",
            "I'm repainting the wooden garden fence this weekend. It has to stay dark green to match the shed. "
            "Which paint should I buy?",
            "",
            True,
        ),
        # a second thought that takes back what the story said
        (
            "my bike has rim brakes and they squeal\noh wait, sorry, they're hydraulic disc brakes\nhow do I fix it?",
            "My bike has rim brakes and they squeal. How do I fix it?",
            "",
            True,
        ),
        # told on both sides: the same story
        (
            FENCE + "which paint should I buy?",
            "I'm repainting the wooden garden fence this weekend and it has to stay dark green to match the shed. "
            "Which paint should I buy?",
            "",
            False,
        ),
        # the assistant's turn a bare question is told with is no clause of the user's
        (
            "I'm repainting the wooden garden fence this weekend\nIt has to match the shed, so dark green.\nwhich one?",
            "I'm repainting the wooden garden fence this weekend. Which one?",
            "It has to match the shed, so dark green.",
            False,
        ),
        # a requirement the other side words otherwise, most of it said: no clause of its own
        (
            "I'm repainting the garden fence\nI need to paint the fence and the shed dark green\nwhich paint is best?",
            "I'm repainting the garden fence, the fence and the shed dark green. Which paint is best?",
            "",
            False,
        ),
    ],
)
def test_a_clause_only_one_side_tells_is_another_story(told: str, single: str, answer: str, alone: bool) -> None:
    reason = cv.differs_from_one(told, single, answer)
    assert (reason is not None and reason.startswith("a clause only one side tells")) is alone, reason


STORY = "My nephew is learning the cello.\nhe's 9\nhow long should he practise each day?"


AGE_WRITTEN_OUT = [
    # a turn answers "How old is he?" with the number, one message writes the age out: the same story
    (STORY, "My 9-year-old nephew is learning the cello. How long should he practise each day?", False),
    (STORY, "My nephew is 9 years old and learning the cello. How long should he practise each day?", False),
    (
        "My puppy is learning to walk on a lead.\nshe's 14 weeks\nhow long should each walk be?",
        "My 14 week old puppy is learning to walk on a lead. How long should each walk be?",
        False,
    ),
    # another age is another fact
    (STORY, "My 11-year-old nephew is learning the cello. How long should he practise each day?", True),
    # an age the other side does not tell at all, still refused
    (
        "My nephew is learning the cello.\nhow long should he practise each day?",
        "My 9-year-old nephew is learning the cello. How long should he practise each day?",
        True,
    ),
    # an "old" that is no age is still a word only one side says
    (STORY, "My nephew is 9 and learning on an old cello. How long should he practise each day?", True),
]
"""An age written out is the number a turn tells."""


TEETHING = "my baby is teething\nshe's 7 months\nwhat can I give her for the pain?"


AGE_CLASS = [
    # one side names the person by an age class, the other by an age in it: the same story
    (TEETHING, "My 7 month old is teething. What can I give her for the pain?", False),
    (TEETHING, "My daughter is 7 months old and teething. What can I give her for the pain?", False),
    (
        "my toddler won't sleep in his own bed\n2\nhow do I get him to stay there?",
        "My 2 year old won't sleep in his own bed. How do I get him to stay there?",
        False,
    ),
    # an age outside the class is another person
    (
        "my toddler won't sleep in his own bed\n2\nhow do I get him to stay there?",
        "My 2 month old won't sleep in his own bed. How do I get him to stay there?",
        True,
    ),
    # a span of time is no age: "my kids" stays a word only one side says
    (
        "we've lived in Spain for 3 years with my kids\ncan we apply for residency?",
        "We've lived in Spain for 3 years. Can we apply for residency?",
        True,
    ),
    # the class word with no age on the other side is still a word only one side says
    (TEETHING.replace("she's 7 months\n", ""), "I'm teething. What can I take for the pain?", True),
    # another being of that age, standing where the class word stands, is another story
    (
        "our new baby cries every night, he's 9 weeks old\nshould I just let him cry it out?",
        "Our new puppy cries every night, he's 9 weeks old. So should I just let him cry it out?",
        True,
    ),
    (
        "we just brought home our 9 week old baby girl\nis the peace lily in the lounge safe for her?",
        "We just brought home a 9 week old kitten. So is the peace lily in the lounge safe for her?",
        True,
    ),
    # a "baby" that names a thing, not a person, is not told by an age either
    (
        "I'm knitting a baby blanket for my 7 year old's doll\nhow many stitches do I cast on?",
        "I'm knitting a blanket for my 7 year old's doll. How many stitches do I cast on?",
        True,
    ),
]
"""An age class is told by an age in it."""


SOMETHING_WRONG = [
    # "something's wrong with ..." only announces the problem the turns then tell
    (
        "something's wrong with my lemon tree\nthe leaves are curling and going yellow\nwhat should I do?",
        "The leaves on my lemon tree are curling and going yellow. What should I do?",
        False,
    ),
    (
        "Something is really wrong with my lemon tree\nthe leaves are curling and going yellow\nwhat should I do?",
        "The leaves on my lemon tree are curling and going yellow. What should I do?",
        False,
    ),
    # a "wrong" that takes back what was said still amends the story
    (
        "I gave you the wrong tree, it's a lime\nthe leaves are curling and going yellow\nwhat should I do?",
        "The leaves on my lemon tree are curling and going yellow. What should I do?",
        True,
    ),
]
"""Something wrong with a thing announces the problem."""


@pytest.mark.parametrize(
    ("told", "single", "differs"),
    [
        pytest.param(*case, id=f"{family}-{number}")
        for family, cases in (
            ("but-joins-clauses", BUT_JOINS_CLAUSES),
            ("age-written-out", AGE_WRITTEN_OUT),
            ("age-class", AGE_CLASS),
            ("something-wrong", SOMETHING_WRONG),
        )
        for number, case in enumerate(cases)
    ],
)
def test_a_single_message_differs_from_the_turns_only_where_the_story_does(
    told: str, single: str, differs: bool
) -> None:
    assert (cv.differs_from_one(told, single) is not None) is differs, cv.differs_from_one(told, single)


@pytest.mark.parametrize(
    ("told", "single", "exchanged"),
    [
        # the last word of one turn and the first of the next are no phrase: "evening" / "fine" beside nothing
        (
            "I water my orchid every evening\nis it fine to mist it as well?",
            "Can I water and mist an orchid together?",
            False,
        ),
        # a number word and its digits tell one number
        (
            "I'm knitting scarves for my nephews\nthere are 3 of them\nhow much wool do I need?",
            "How much wool do I need to knit scarves for my three nephews?",
            False,
        ),
        # a word beside the same word inside one turn is still exchanged
        (
            "I sharpen my chisels every weekend\nis it safe to hone them after?",
            "Can I sharpen and hone chisels together?",
            True,
        ),
    ],
)
def test_words_beside_each_other_inside_one_turn_a_number_word_its_digits(
    told: str, single: str, exchanged: bool
) -> None:
    found = cv.differs_from_one(told, single)
    assert (found is not None and found.startswith("a word of the story exchanged")) is exchanged, found


def test_an_answers_opening_no_said_again_by_the_answer_is_read_once() -> None:
    """ "Have you tried a force restart?" "no not yet" is one negation said twice, as one message says it once ("I
    haven't tried a force restart yet"); a bare "no", or one whose rest negates nothing, is the answer's only
    negation, and a turn the assistant did not ask for is read as written."""
    told = "my iphone is stuck on the apple logo\nno not yet\nno, I bought it in 2019\nno\nwhat do I do?"
    answered = {"no not yet", "no, I bought it in 2019", "no"}
    read = "my iphone is stuck on the apple logo\nnot yet\nno, I bought it in 2019\nno\nwhat do I do?"
    assert cv.replies_read(told, answered) == read
    assert cv.replies_read(told, set()) == told


def test_the_questions_the_answers_fill() -> None:
    context = cv.Context(
        (
            ("user", "going on holiday soon, worried about my meds"),
            ("assistant", "I can help. Where are you going? And for how long?"),
            ("user", "spain, 2 weeks"),
            ("assistant", "Okay, that's a controlled drug."),
            ("user", "thanks"),
        )
    )
    assert cv.answered_questions(context) == "Where are you going?\nAnd for how long?"


@pytest.mark.parametrize(
    ("turns", "single", "differs"),
    [
        # The slot the question opens, filled by the answer: one message words it with the question's word.
        (
            [("user", "got a test booked"), ("assistant", "How many weeks pregnant are you?"), ("user", "26")],
            "I'm 26 weeks pregnant and have a test booked. What do I need to do beforehand?",
            False,
        ),
        (
            [("user", "need laptop recs"), ("assistant", "And what's the budget?"), ("user", "about 900 dollars")],
            "My budget is about 900 dollars and I need laptop recs. What do I need to do beforehand?",
            False,
        ),
        # An answer that negates the slot is still read: the single message's "pregnant" is not its "no".
        (
            [("user", "got a test booked"), ("assistant", "Are you pregnant?"), ("user", "no")],
            "I'm pregnant and have a test booked. What do I need to do beforehand?",
            True,
        ),
        # One way only: a word the telling says and the single message does not is still a word added.
        (
            [("user", "got a test booked, I'm pregnant"), ("assistant", "Are you pregnant?"), ("user", "yes")],
            "I have a test booked. What do I need to do beforehand?",
            True,
        ),
        # A word no question says stays a word one side adds.
        (
            [("user", "got a test booked"), ("assistant", "When is it?"), ("user", "friday")],
            "I'm pregnant and have a test booked for Friday. What do I need to do beforehand?",
            True,
        ),
    ],
)
def test_a_word_of_the_slot_an_answer_fills_is_no_word_added(
    turns: list[tuple[str, str]], single: str, differs: bool
) -> None:
    context = cv.Context(tuple(turns))
    told = cv.told_as_one(context, "what do I need to do beforehand?")
    assert (cv.differs_from_one(told, single, "", cv.answered_questions(context)) is not None) is differs


@pytest.mark.parametrize(
    ("told", "single", "otherwise"),
    [
        # the story said again in other words: few of the single question's words in order, most of its content said
        (
            "Repainting the skirting boards in gloss, first coat's on and dry.\nwhat grit should I use for that?",
            "What grit sandpaper should I use to sand between coats of gloss paint on skirting boards?",
            True,
        ),
        # the conversation's own words told in one message, a detail swapped: its words in order
        (
            "I've got a cast iron skillet that I've just seasoned.\nCan I put it in the dishwasher?",
            "I've got a tri-ply stainless steel frying pan. So can I put it in the dishwasher?",
            False,
        ),
        # ... or a sentence the turns add: the single question's words all said, in order
        (
            "My 2 year old is teething and really miserable, and she's got chickenpox.\ncan I give her ibuprofen?",
            "My 2 year old is teething and really miserable. So can I give her ibuprofen?",
            False,
        ),
        # another thing asked: few words in order, and few of its content words said
        (
            "My kettle is furred up with limescale.\nhow do I clean it?",
            "How do I clean a cast iron griddle pan?",
            False,
        ),
    ],
)
def test_a_single_question_that_words_the_story_otherwise(told: str, single: str, otherwise: bool) -> None:
    assert cv.worded_otherwise(told, single) is otherwise


def test_a_telling_with_the_assistants_turn_is_not_read_as_worded_otherwise() -> None:
    turns = "My kitchen scissors are dull and I bought a whetstone."
    answer = "A whetstone can sharpen scissors too, at a steeper angle."
    single = "How do I sharpen a kitchen knife with a whetstone?"
    assert cv.worded_otherwise(f"{turns}\n{answer}\nHow do I do that?", single)  # read without its answer
    assert not cv.worded_otherwise(f"{turns}\n{answer}\nHow do I do that?", single, answer)


@pytest.mark.parametrize(("similarity", "served"), [(0.82, True), (0.79, False)])
def test_a_story_worded_otherwise_is_judged_at_its_own_floor(similarity: float, served: bool) -> None:
    result = LookupResult(match=None, threshold=0.76, scope_id="s")
    single = "What grit sandpaper should I use to sand between coats of gloss paint on skirting boards?"
    fields = {"prompt": single, entry.DISTANCE: str(1 - similarity)}
    told = "Repainting the skirting boards in gloss, first coat's on and dry.\nwhat grit should I use for that?"
    matched = context_match.as_one_question(result, told, [("k", fields)], None)
    assert (matched is not None) is served, result.candidates


def test_a_text_too_long_to_compare_is_not_read_as_worded_otherwise() -> None:
    told = "Repainting the skirting boards in gloss, first coat's on and dry.\nwhat grit should I use for that?"
    single = "What grit sandpaper should I use to sand between coats of gloss paint on skirting boards? "
    assert cv.worded_otherwise(told, single)
    assert not cv.worded_otherwise(told, single + "1 2 " * cv.MAX_COMPARED_WORDS)
