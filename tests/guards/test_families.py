"""The general rule families: scope words, roles, code symbols and units. Each fires on a look-alike and
stays quiet on a rewording of the same question."""

from __future__ import annotations

import pytest

from nearhit.guards import CodeGuard, DirectionGuard, GuardSet, NumberGuard, ScopeGuard, TenseGuard


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I cancel all my orders?", "Can I cancel any of my orders?"),
        ("Is the whole house covered?", "Is one room covered?"),
        ("Can only admins delete posts?", "Can admins delete posts?"),
        ("Do both parents need to sign?", "Does one parent need to sign?"),
        ("Do most plans include roaming?", "Do all plans include roaming?"),
    ],
)
def test_scope_guard_fires(query: str, candidate: str) -> None:
    verdict = ScopeGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "scope"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Do I pay for each child?", "Do I pay for every child?"),
        ("Do you have any vegan options?", "Do you have vegan options?"),
        ("Which one should I buy?", "Which should I buy?"),
        ("Are all rooms non-smoking?", "Is every room non-smoking?"),
    ],
)
def test_scope_guard_passes_rewording(query: str, candidate: str) -> None:
    assert ScopeGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I use butter instead of oil?", "Can I use oil instead of butter?"),
        ("How do I convert miles to km?", "How do I convert km to miles?"),
        ("How many square feet in a square metre?", "How many square metres in a square foot?"),
        ("Upgrade from Python 2 to 3", "Upgrade from Python 3 to 2"),
        ("Is tea healthier than coffee?", "Is coffee healthier than tea?"),
        ("Convert °F to °C", "Convert °C to °F"),
        ("How do I move money from my Premium Bonds into my bank account?", "Put my bank balance into Premium Bonds"),
        ("How many kilometres are in a mile?", "How many miles are in a kilometre?"),
    ],
)
def test_direction_guard_fires_on_swapped_roles(query: str, candidate: str) -> None:
    verdict = DirectionGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "direction"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Move money from savings into my current account", "Move money into my current account from savings"),
        ("How do I sort a list in python", "In python, how do I sort a list?"),
        ("Convert 5 miles to km", "What is 5 miles in kilometres?"),
        ("How many kilometres are in a mile?", "What is one mile in kilometers?"),
        ("How many feet in a mile?", "Convert a mile to feet"),
    ],
)
def test_direction_guard_passes_reordering(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can my landlord evict me?", "Can I evict my landlord?"),
        ("Can a cat eat dog food?", "Can a dog eat cat food?"),
        ("Does the employer pay the employee's tax?", "Does the employee pay the employer's tax?"),
        ("How do I send money to my son?", "How does my son send money to me?"),
        ("Can I send money to you?", "Can you send money to me?"),
        ("What can a coach do if a player insults a referee?", "What can a coach do if a referee insults a player?"),
        ("What should I do if I scratched a parked car?", "What should I do if someone scratched my parked car?"),
        ("How do I move my number to Vodafone from EE?", "How do I move my number from Vodafone to EE?"),
        ("Cheap flights from London", "Cheap flights to London"),
        (
            "What time is it in Sydney when it's noon in Los Angeles?",
            "What time is it in Los Angeles when it's noon in Sydney?",
        ),
    ],
)
def test_direction_guard_fires_when_word_order_swaps_who_does_what(query: str, candidate: str) -> None:
    verdict = DirectionGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "direction"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What's the difference between TCP and UDP?", "What's the difference between UDP and TCP?"),
        ("How do I reset my password on iPhone?", "iPhone: how do I reset my password?"),
        ("Password reset for my work account", "Reset password for my work account"),
        ("How do you reset a router?", "How do I reset my router?"),
        ("How can I stop my cat from scratching the sofa?", "How do I get my cat to stop scratching the sofa?"),
        ("Can we deduct home office costs?", "Can I deduct home office costs?"),
        # The passive voice puts the thing acted on first: the roles stay.
        (
            "How are vectors stored in Redis for similarity search?",
            "How does Redis store vectors for similarity search?",
        ),
        ("Can I be evicted by my landlord?", "Can my landlord evict me?"),
    ],
)
def test_direction_guard_passes_reordered_rewording(query: str, candidate: str) -> None:
    assert DirectionGuard().check(query, candidate) is None


def test_versus_swaps_are_a_weak_signal() -> None:
    signal = DirectionGuard().signal("Python vs Java for data science", "Java vs Python for data science")
    assert signal is not None and signal.strength < DirectionGuard().cut


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I chmod +x a file?", "How do I chmod -x a file?"),
        ("What does git reset --hard do?", "What does git reset --soft do?"),
        ("What does `ls -la` show?", "What does `ls -l` show?"),
        ("When is a == b true?", "When is a = b true?"),
        ("How do I use os.path.join?", "How do I use os.path.split?"),
        ("What does a ?? b return in JavaScript?", "What does a || b return in JavaScript?"),
        ("Why does user?.name fail?", "Why does user.name fail?"),
        ("When to use map() in Python", "When to use mapping in Python"),
        ("What does sorted() return?", "What does sort return?"),
        ("When is x != y true in Python?", "When is x is not y true in Python?"),
        ("What does a && b return?", "What does a or b return?"),
    ],
)
def test_code_guard_fires_on_any_symbol_difference(query: str, candidate: str) -> None:
    verdict = CodeGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "code"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How do I run `npm install`?", "How do I run npm install?"),
        ("Delivery in 3-5 days?", "Is delivery 3-5 days?"),
        ("Can I self-host it?", "Is self-hosting possible?"),
        ("How do I use map() in Python?", "How do I use the map function in Python?"),
        ("Does it work with JS??", "Does it work with JavaScript?"),
    ],
)
def test_code_guard_passes_same_or_no_code(query: str, candidate: str) -> None:
    assert CodeGuard().check(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("How many feet in a mile?", "How many metres in a mile?"),
        ("Boiling point of water in °F?", "Boiling point of water in °C?"),
        ("How heavy is 10 stone in kg?", "How heavy is 10 stone in lbs?"),
        ("Is a 5 mile run long?", "Is a 5 km run long?"),
    ],
)
def test_number_guard_fires_on_other_units(query: str, candidate: str) -> None:
    verdict = NumberGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "numbers"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Is 2 lbs the same as 1 kg?", "Is 2 lb the same as 1 kilo?"),
        ("How far is 3 kilometres in miles?", "How far is 3 km in miles?"),
        ("What is 6 feet in cm?", "What's 6 ft in centimetres?"),
    ],
)
def test_unit_aliases_pass(query: str, candidate: str) -> None:
    assert GuardSet.default().first_rejection(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("When did the Berlin Wall fall?", "When will the Berlin Wall fall?"),
        ("What was the minimum wage in Ohio?", "What is the minimum wage in Ohio?"),
        ("Were flights cancelled because of the strike?", "Are flights cancelled because of the strike?"),
        ("How do I fix a bug I already shipped?", "How do I fix a bug I'm about to ship?"),
    ],
)
def test_tense_guard_fires_on_past_against_present_or_future(query: str, candidate: str) -> None:
    verdict = TenseGuard().check(query, candidate)
    assert verdict is not None and verdict.guard == "tense"


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("What happens if I miss a payment?", "What will happen if I miss a payment?"),
        ("I was charged twice. How do I get a refund?", "How do I get a refund for a double charge?"),
        ("Has my order shipped?", "Was my order shipped?"),
    ],
)
def test_tense_guard_passes_same_time_rewording(query: str, candidate: str) -> None:
    assert TenseGuard().check(query, candidate) is None
