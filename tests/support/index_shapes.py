"""Indexes made in another shape than nearhit's, as another client (or an older nearhit) would make them with
``FT.CREATE``: for the tests of the start-up refusal and of what health reports about it."""

from __future__ import annotations

from collections.abc import Callable

from redis.asyncio import Redis
from redis.commands.search.index_definition import IndexDefinition, IndexType

from nearhit.cache.index import IndexSpec

Change = Callable[[list[str], list[str]], tuple[list[str], list[str]]]


def swap(old: str, new: str) -> Change:
    """One word of the schema for another (``COSINE`` for ``L2``)."""
    return lambda prefix, fields: (prefix, [new if word == old else word for word in fields])


async def create_in_shape(redis: Redis, spec: IndexSpec, change: Change) -> None:
    """``spec``'s index with ``change`` applied to its key prefixes and schema words."""
    words = [arg for field in spec.schema().redis_fields for arg in field.redis_args()]
    fields = [str(getattr(word, "value", word)) for word in words]  # the RedisVL enums as Redis spells them
    prefix, fields = change([spec.keys.entry_prefix], fields)
    definition = IndexDefinition(prefix=prefix, index_type=IndexType.HASH)
    await redis.execute_command("FT.CREATE", spec.name, *definition.args, "SCHEMA", *fields)
