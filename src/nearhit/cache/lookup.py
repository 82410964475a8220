"""A request, turned once into what every stage of the cache needs (:class:`Lookup`)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from nearhit import validate
from nearhit.cache import conversation
from nearhit.cache.conversation import Context
from nearhit.cache.keys import Scope, exact_text, normalise, sha256_hex


@dataclass
class Reads:
    """What one lookup has read of its candidates, kept for its later stages: each :func:`conversation.differs`
    verdict by its arguments, so the learned add's flags (run last, on a miss) do not compute again what the context
    stage computed for the same turns and cosine. Lives as long as its :class:`Lookup`: bounded by the candidates
    that lookup compared."""

    verdicts: dict[tuple[str, Context, Context, float, str, bool], str | None] = field(default_factory=dict)
    chances: dict[tuple[str, Context, Context], bool] = field(default_factory=dict)
    """Whether a miss's second chance may serve a candidate (its id) with the turns read as these (the query's, the
    candidate's), by :func:`nearhit.cache.conversation_lookup._may_serve`: read ahead of the embedder call and again
    by the stage."""

    def read(self, question: str, query: Context, cached: Context, similarity: float, asked: str) -> bool:
        """Whether :meth:`differs` has judged these contexts as told (``whole``) already: its verdict is free."""
        return (question, query, cached, similarity, asked, True) in self.verdicts

    def differs(
        self, question: str, query: Context, cached: Context, similarity: float, asked: str, *, whole: bool = True
    ) -> str | None:
        """:func:`conversation.differs`, once per arguments."""
        key = (question, query, cached, similarity, asked, whole)
        if key not in self.verdicts:
            self.verdicts[key] = conversation.differs(question, query, cached, similarity, asked, whole=whole)
        return self.verdicts[key]


@dataclass
class Lookup:
    """A prompt checked and normalised once, in its scope: the lookup, the single-flight key, the store and the
    telemetry share it. ``vector`` is the embedding once a lookup has computed it, so the store that follows
    a miss neither embeds again nor reads the embedding store again."""

    prompt: str
    text: str
    """The normalised prompt (:func:`nearhit.cache.keys.normalise`): the exact key and the embedding's input."""
    scope: Scope
    vector: np.ndarray | None = None
    context: Context | None = None
    """The earlier turns matched by meaning (:mod:`nearhit.cache.conversation`); None for a single question."""
    context_vector: np.ndarray | None = None
    """The context's embedding, once a lookup has computed it (stored with the entry a miss leads to)."""
    turn_vectors: np.ndarray | None = None
    """The context's turns embedded one by one, once a lookup has computed them (:mod:`nearhit.cache.turns`)."""
    followup_vector: np.ndarray | None = None
    """The question told after the assistant's last turn (:func:`conversation.after_answer`), embedded once a
    lookup has (:func:`nearhit.cache.conversation_lookup.after_the_answer`)."""
    alone: Scope | None = None
    """Where single questions of this scope are searched: a conversation that finds no entry of its own may
    be served by one of them that asks, in one message, what it asks over several (None: not looked for)."""
    context_as_told: Context | None = None
    """The earlier turns as told, where a second chance reads ``context`` with a turn left out (chatter one side
    alone says): what the stored answer is read against (:data:`nearhit.cache.context_match.AS_TOLD`)."""
    earlier: Context | None = None
    """The earlier turns of a question that stands alone after them (no context to match by meaning): stored
    with its entry, so the same story told with a detail changed is told apart (:func:`story.alone_differs`)."""
    conversations: Scope | None = None
    """Where the conversations of this scope are searched, for a question that stands alone after its turns: one
    that finds no entry of its own may be served by one asked as a conversation after turns telling the same
    story (None: not looked for)."""

    clears: tuple[object, ...] | None = None
    """The clear counts (:meth:`KeySpace.clears_of`) the lookup read: the store after a miss writes its answer only
    if they are the same then (None: not read, e.g. a store without a lookup; the answer is written as is)."""
    reads: Reads = field(default_factory=Reads, repr=False, compare=False)
    """What the lookup has read of its candidates (:class:`Reads`), shared by its stages."""
    embedded: dict[str, np.ndarray] = field(default_factory=dict, repr=False, compare=False)
    """The texts (normalised) a miss's second chances embedded, by text: one stage's is not embedded again by another,
    nor by the store that follows (:func:`nearhit.cache.conversation_lookup.embedded`)."""

    @property
    def told_before(self) -> Context | None:
        """The turns before the question, whichever way they are read: matched by meaning (``context``) or kept beside a
        question that stands alone after them (``earlier``); None for a question asked with no turns."""
        return self.context or self.earlier

    @property
    def context_text(self) -> str:
        """The normalised context: the embedding's input ("" without a context)."""
        return self.context.normalised if self.context is not None else ""

    @classmethod
    def of(
        cls,
        prompt: object,
        scope: Scope,
        max_chars: int,
        *,
        parsed: bool = False,
        context: Context | None = None,
        alone: Scope | None = None,
        earlier: Context | None = None,
        conversations: Scope | None = None,
    ) -> Lookup:
        """Check ``prompt`` (:func:`nearhit.validate.prompt`) and normalise it: the one place either happens.

        ``parsed``: a schema has applied the other rules already (the API's ``PromptText``); only the
        configured limit is left to check."""
        if parsed and isinstance(prompt, str):
            checked = validate.prompt_length(prompt, max_chars)
        else:
            checked = validate.prompt(prompt, max_chars)
        if validate.wordless(checked):
            text, scope = _exact_only(checked, scope)
            return cls(checked, text, scope, context=context, earlier=earlier)
        text = normalise(checked)
        return cls(checked, text, scope, context=context, alone=alone, earlier=earlier, conversations=conversations)


def _exact_only(prompt: str, scope: Scope) -> tuple[str, Scope]:
    """A prompt of no letter or digit (:func:`nearhit.validate.wordless`) served only its exact repeat: its
    punctuation kept in its text ("?" and "..." would both normalise to ""), and a semantic scope of its own
    (that text in this exact scope: a KNN there meets only its repeats, and no other prompt's KNN meets it);
    not searched among single questions or stories told as one (no ``alone``, no twins)."""
    text = exact_text(prompt)
    own = sha256_hex("\x00".join(("wordless", scope.history_hash, scope.search_hash or "", text)))
    return text, replace(scope, search_hash=own)
