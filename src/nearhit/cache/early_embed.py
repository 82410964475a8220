"""Whether a lookup starts its embedding before its exact read has answered.

A lookup reads the exact entry and the stored embedding first: that read decides whether an embedding is needed
at all. Started at once instead, the embedding hides the read's round trip (0.3-0.5 ms of a semantic lookup on
2 busy cores) and the KNN follows it directly; but on an exact hit, or a stored embedding, it is CPU thrown
away. So by default (``auto``) a lookup starts early only while most recent lookups did need an embedding
(paraphrases, new questions), not while exact repeats dominate; and only with an embedder that runs in this
process (no price per call; a network embedder's round trip dwarfs the read's). ``always`` and ``never`` fix
the choice (``NEARHIT_EARLY_EMBED``).
"""

from __future__ import annotations

from typing import Literal

EarlyEmbed = Literal["auto", "always", "never"]

AUTO_ABOVE = 0.5
"""``auto`` starts early while more than this share of recent lookups needed an embedding: then an early start
saves a round trip more often than it wastes an embedding."""
WEIGHT = 0.05
"""How much one lookup moves that share (an exponential average over roughly the last 20-40 lookups)."""


class EarlyEmbedding:
    """The choice for one cache, learnt from its own lookups. Not locked: one event loop's lookups update it."""

    def __init__(self, mode: EarlyEmbed, *, in_process: bool) -> None:
        self.mode = mode
        self._worth_it = mode == "always" or (mode == "auto" and in_process)
        self.needed_share = 0.0

    def wanted(self) -> bool:
        """Whether the next lookup should start its embedding beside its exact read."""
        return self._worth_it and (self.mode == "always" or self.needed_share > AUTO_ABOVE)

    def observe(self, needed: bool) -> None:
        """A lookup's exact read told whether it needed an embedding (no exact hit and none stored)."""
        self.needed_share += WEIGHT * (float(needed) - self.needed_share)
