"""A follow-up after the very same turns read with its referent filled in from them, against a question that names
it. Invented conversations (other words than the dev sets'), the real embedded Redis and the local embedder."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache import conversation as cv
from nearhit.cache.referent import POINTER, resolved
from tests.support.lookups import Turns, ask, refused_after_the_same_turns, served_after_the_same_turns

STARTER: Turns = [
    ("user", "I keep my sourdough starter in the fridge between bakes."),
    ("assistant", "Then do a float test before you bake with it."),
]
NAMED = "How does the float test for my sourdough starter work?"


def test_the_pointing_word_is_replaced_by_what_the_turns_say_and_the_other_question_names() -> None:
    context = cv.Context(tuple(STARTER))
    assert resolved(context, "how does that work?", NAMED) == "how does float test sourdough starter work?"
    # Nothing to point with, or nothing of the other question's that the turns say: no resolution.
    assert resolved(context, "how long does the float test take?", NAMED) is None
    assert resolved(context, "how does that work?", "How does a kombucha scoby grow?") is None


async def test_a_follow_up_is_served_the_question_that_names_its_referent_after_the_same_turns(
    guarded_cache: SemanticCache,  # the service's default: the resolved follow-up is read by the guards
) -> None:
    result = await served_after_the_same_turns(
        guarded_cache, STARTER, NAMED, "how does that work?", "float test answer"
    )
    assert result.context is not None and result.context["resolved"] == "how does float test sourdough starter work?"


async def test_the_question_that_names_it_is_served_a_stored_follow_up_it_states_more_than(
    guarded_cache: SemanticCache,
) -> None:
    """The other way round: "how do I fit one?" stored, the question that names it asked after the same turns. The
    asked question states a fact the follow-up does not ("5"), so no margin under the threshold reads it; resolved,
    the stored follow-up is the asked question."""
    pi: Turns = [
        ("user", "My Raspberry Pi 5 keeps overheating under load."),
        ("assistant", "A heatsink with a fan usually fixes that."),
    ]
    asked = "How do I fit a heatsink fan on a Raspberry Pi 5?"
    result = await served_after_the_same_turns(guarded_cache, pi, "how do I fit one?", asked, "heatsink answer")
    assert result.context is not None and result.context["resolved"] == "how do I fit heatsink fan Raspberry Pi 5?"
    # After turns that say none of the words it names, the same follow-up is not resolved: not served.
    other: Turns = [("user", "My Arduino Uno resets at random."), ("assistant", "A bigger capacitor often fixes that.")]
    await refused_after_the_same_turns(guarded_cache, other, "how do I fit one?", asked, answer="capacitor answer")


async def test_a_follow_up_about_another_thing_is_not_served(guarded_cache: SemanticCache) -> None:
    """Resolved, "how does float test sourdough work for a rye starter?" reads 0.89 alike: the guards still read it."""
    await refused_after_the_same_turns(
        guarded_cache, STARTER, NAMED, "how does that work for a rye starter?", answer="float test answer"
    )


async def test_without_guards_nothing_is_resolved(cache: SemanticCache) -> None:
    """Measured with the guards reading the resolved follow-up: without them, no such look."""
    await refused_after_the_same_turns(cache, STARTER, NAMED, "how does that work?", answer="float test answer")


BATCH: Turns = [
    ("user", "we're moving our nightly batch jobs off cron, and we already run everything else on GKE"),
    ("assistant", "A Kubernetes CronJob would keep them in the cluster you already run."),
]
NAMES_IT = "Can a Kubernetes CronJob retry a failed run?"
FOLLOW_UP = "can it retry a run that failed?"


async def test_a_follow_up_is_served_a_question_standing_alone_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    """The question that names the CronJob stands alone: it is stored as a single question asked after the turns,
    and the follow-up's lookup meets it among single questions, where the entity guard reads "it" against the
    CronJob (0.61 alike, told as one 0.61); resolved, 0.99."""
    assert cv.context_of(BATCH, NAMES_IT) is None and cv.context_of(BATCH, FOLLOW_UP) is not None
    result = await served_after_the_same_turns(guarded_cache, BATCH, NAMES_IT, FOLLOW_UP, "cronjob answer")
    assert result.context is not None
    assert result.context["resolved"] == "can Kubernetes CronJob retry a run that failed?"


async def test_a_question_standing_alone_is_served_a_follow_up_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    """The other way round: the follow-up stored as a conversation, the question that names its referent asked."""
    await served_after_the_same_turns(guarded_cache, BATCH, FOLLOW_UP, NAMES_IT, "cronjob answer")


async def test_a_question_standing_alone_after_turns_about_another_thing_is_not_served(
    guarded_cache: SemanticCache,
) -> None:
    """After turns about a systemd timer, "it" is that timer: nothing of the CronJob's is filled in, either way."""
    timer: Turns = [
        ("user", "we're moving our nightly batch jobs off cron on a single VM"),
        ("assistant", "A systemd timer would keep them on the machine you already run."),
    ]
    await refused_after_the_same_turns(guarded_cache, timer, FOLLOW_UP, NAMES_IT, answer="timer answer")
    await guarded_cache.store(ask(guarded_cache, timer, NAMES_IT, tenant="u"), "cronjob answer")
    assert not (await guarded_cache.lookup(ask(guarded_cache, timer, FOLLOW_UP, tenant="u"))).hit


async def test_a_follow_up_about_the_other_thing_the_turns_named_is_not_served(guarded_cache: SemanticCache) -> None:
    """After turns that name two things, "the first one" keeps its own word once resolved ("the first Argo
    Workflow"): the guards read it against the question that names the other, either way."""
    both: Turns = [
        ("user", "we're choosing between a Kubernetes CronJob and an Argo Workflow for our nightly batch jobs"),
        ("assistant", "An Argo Workflow gives you DAGs and artifacts; a CronJob is simpler to run."),
    ]
    other = "Can an Argo Workflow retry a failed run?"
    await refused_after_the_same_turns(
        guarded_cache, both, other, "can the first one retry a run that failed?", answer="argo answer"
    )
    await guarded_cache.store(
        ask(guarded_cache, both, "can the first one retry a run that failed?", tenant="u"), "cronjob answer"
    )
    assert not (await guarded_cache.lookup(ask(guarded_cache, both, other, tenant="u"))).hit


async def test_there_points_at_the_place_the_turns_named(guarded_cache: SemanticCache) -> None:
    """ "there" after "never been to Iceland" is Iceland (0.76 alike, the entity guard reads 'iceland' on one side;
    resolved, 0.99); "is there ..." says a thing exists and points at none."""
    trip: Turns = [
        ("user", "flying into Reykjavik for a week in February with my partner, never been to Iceland before"),
        ("assistant", "How exciting, pack warm layers."),
    ]
    assert POINTER.search("is there a tourist tax?") is None
    assert resolved(cv.Context(tuple(trip)), "is there a tourist tax?", "Is there a tourist tax in Iceland?") == (
        "is there a tourist tax Iceland?"  # pointing at nothing, the place the turns name is put before its "?"
    )
    await served_after_the_same_turns(
        guarded_cache,
        trip,
        "Do you need to tip in restaurants in Iceland?",
        "do I need to tip in restaurants there?",
        "tipping answer",
    )


LODGER: Turns = [
    ("user", "I've just taken in a lodger to live in our spare room while I'm still at home"),
    ("assistant", "Then the Rent a Room Scheme may let you earn some of that rent tax free."),
]
NAMES_SCHEME = "Is there a limit on the Rent a Room Scheme for a lodger?"


def test_a_follow_up_pointing_at_nothing_gets_the_words_the_turns_say_before_its_question_mark() -> None:
    """ "is there a limit?" leans on the turns with no word pointing back: the other question's words the turns say
    are put before its "?". Not into a follow-up that names a thing of its own, nor from a statement the other makes
    before its question."""
    context = cv.Context(tuple(LODGER))
    assert resolved(context, "is there a limit?", NAMES_SCHEME) == "is there a limit Rent Room Scheme lodger?"
    assert resolved(context, "is there a deposit cap?", NAMES_SCHEME) is None  # a thing of its own
    corrected = "sorry, the lodger is not in my home, it's a holiday let. is there a limit?"
    assert resolved(context, "is there a limit?", corrected) is None


POSTGRES: Turns = [
    ("user", "Tuning a Postgres server with 64 GB of RAM for a busy web shop"),
    ("assistant", "Plenty of memory for caching, then."),
]


def test_the_turns_words_are_put_only_where_the_other_question_says_them_after_what_both_ask() -> None:
    """ "memory" stands before "connection" in the other question: it tells which thing of the connections is asked
    about (another question than how many), so the follow-up is not read with it put at its end. A word said after
    every shared one is where the reading puts it."""
    context = cv.Context(tuple(POSTGRES))
    assert (
        resolved(context, "How many connections should I allow?", "How much memory per connection should I allow?")
        is None
    )
    assert resolved(
        context, "How many connections should I allow?", "How many connections should I allow for caching?"
    ) == ("How many connections should I allow caching?")


def test_a_word_written_with_hyphens_is_filled_in_whole() -> None:
    """ "noise-cancelling" is one word the turns tell: filled in whole, the guards read the same words on both sides."""
    context = cv.Context(
        (("user", "my son got some noise-cancelling headphones for his birthday"), ("assistant", "Nice!"))
    )
    assert resolved(context, "how do I clean them?", "how do I clean noise-cancelling headphones?") == (
        "how do I clean noise-cancelling headphones?"
    )


async def test_a_follow_up_pointing_at_nothing_is_served_the_question_that_names_what_the_turns_said(
    guarded_cache: SemanticCache,
) -> None:
    """ "is there a limit?" after the same turns reads 0.3-0.5 alike to the question that names the scheme; read with
    the turns' words, it is that question."""
    result = await served_after_the_same_turns(
        guarded_cache, LODGER, NAMES_SCHEME, "is there a limit?", "rent a room answer"
    )
    assert result.context is not None and result.context["resolved"] == "is there a limit Rent Room Scheme lodger?"
    # A follow-up that asks about a thing of its own is not read with the scheme's words: not served.
    assert not (await guarded_cache.lookup(ask(guarded_cache, LODGER, "is there a deposit cap?"))).hit


EMAILS: Turns = [
    ("user", "our customers table in Postgres has an email column, but plenty of rows leave it empty"),
    ("assistant", "Filter on it with WHERE email IS NOT NULL, or IS NULL for the empty ones."),
]
HAVE_ONE = "how do I get the customers that have an email?"
HAVE_NONE = "how do I get the customers that don't have an email?"


def test_a_negation_or_what_a_correction_states_is_never_filled_in() -> None:
    """The turns say "NOT": a "don't" of the other question filled in for a relative "that" asks the opposite. A
    correction's statement before its question is no referent either, on either path ("Mac" is what it takes back)."""
    assert resolved(cv.Context(tuple(EMAILS)), HAVE_ONE, HAVE_NONE) is None
    laptops = cv.Context((("user", "I bought Office for my Mac"), ("assistant", "Great, it needs activating first.")))
    assert (
        resolved(
            laptops, "how do I activate it?", "sorry, I meant my Windows laptop, not the Mac. how do I activate it?"
        )
        is None
    )


async def test_a_question_is_not_served_the_one_its_negation_filled_in_would_read_as(
    guarded_cache: SemanticCache,
) -> None:
    """Read with "don't" from the turns, "... customers that have an email?" was "... customers don't have an
    email?", 0.97 alike to the stored "... that don't have an email?", and both negate: the guards served it."""
    await refused_after_the_same_turns(guarded_cache, EMAILS, HAVE_NONE, HAVE_ONE, answer="IS NULL answer")


def test_a_not_is_filled_in_with_the_word_it_negates() -> None:
    """The follow-up says neither "not" nor "code": filled in together, the negation turns nothing around."""
    context = cv.Context(
        (
            ("user", "my Flask app talks to a Postgres database and the password is hard-coded"),
            ("assistant", "It should not be in the code: use an environment variable."),
        )
    )
    named = "where should a Flask app keep the database password so it isn't in the code?"
    assert resolved(context, "so where do i keep it?", named) == (
        "so where do i keep Flask app database password isn't code?"
    )
