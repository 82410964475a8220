"""Record every command the Redis nodes receive (MONITOR) and find those that span hash slots: a MULTI/EXEC over
keys of several slots, or one multi-key command over several slots. A cluster refuses both (``CROSSSLOT``), and
so does a sharded Redis Enterprise database behind its proxy, so no deployment may see one.

The keys of a command are asked of Redis itself (``COMMAND GETKEYS``), so no key table is kept here.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from types import TracebackType

import redis
from redis.crc import key_slot

_LINE = re.compile(rb"^[\d.]+ \[\d+ ([^\]]+)\] (.*)$", re.S)
_ARG = re.compile(rb'"((?:[^"\\]|\\.)*)"', re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"a": b"\a", b"b": b"\b", b'"': b'"', b"\\": b"\\"}


def _unescape(text: bytes) -> bytes:
    """MONITOR quotes arguments as ``sdscatrepr`` does: ``\\xHH`` and the C escapes."""
    out, i = bytearray(), 0
    while i < len(text):
        if text[i : i + 1] == b"\\" and i + 1 < len(text):
            nxt = text[i + 1 : i + 2]
            if nxt == b"x":
                out += bytes([int(text[i + 2 : i + 4], 16)])
                i += 4
                continue
            out += _ESCAPES.get(nxt, nxt)
            i += 2
            continue
        out += text[i : i + 1]
        i += 1
    return bytes(out)


class SlotGuard:
    """MONITOR on the given nodes while the ``with`` block runs; then :meth:`violations` lists the commands
    (or transactions) whose keys fall in more than one slot, and :attr:`commands` every command seen."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.commands: list[tuple[str, list[bytes]]] = []  # (client address, args)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._ready = threading.Barrier(len(ports) + 1)

    def __enter__(self) -> SlotGuard:
        for port in self.ports:
            thread = threading.Thread(target=self._record, args=(port,), daemon=True)
            thread.start()
            self._threads.append(thread)
        self._ready.wait(timeout=5)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        # A marker command on each node: once every recorder has seen its own, all earlier commands are in.
        for port in self.ports:
            with redis.Redis(port=port) as client:
                client.echo(f"slot-guard-end-{port}")
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)

    def _record(self, port: int) -> None:
        client = redis.Redis(port=port, socket_timeout=5)
        monitor = client.monitor()
        monitor.connection.send_command("MONITOR")
        monitor.connection.read_response()  # +OK
        self._ready.wait(timeout=5)
        marker = f"slot-guard-end-{port}".encode()
        try:
            while True:
                raw = monitor.connection.read_response()
                line = raw if isinstance(raw, bytes) else str(raw).encode()
                match = _LINE.match(line)
                if match is None:
                    continue
                args = [_unescape(a) for a in _ARG.findall(match.group(2))]
                if args[:2] == [b"ECHO", marker] or args[:2] == [b"echo", marker]:
                    return
                self.commands.append((f"{port}/{match.group(1).decode()}", args))
        finally:
            monitor.connection.disconnect()
            client.close()

    def violations(self) -> list[str]:
        """Every multi-key command and every MULTI/EXEC whose keys span slots, described."""
        found: list[str] = []
        open_transactions: dict[str, list[list[bytes]]] = defaultdict(list)
        in_multi: set[str] = set()
        with redis.Redis(port=self.ports[0]) as probe:
            for client, args in self.commands:
                name = args[0].upper()
                if name == b"MULTI":
                    in_multi.add(client)
                    open_transactions[client] = []
                    continue
                if name in {b"EXEC", b"DISCARD"}:
                    block = open_transactions.pop(client, [])
                    in_multi.discard(client)
                    slots = {key_slot(key) for command in block for key in _keys(probe, command)}
                    if name == b"EXEC" and len(slots) > 1:
                        found.append(f"MULTI over {len(slots)} slots: {[c[:2] for c in block]}")
                    continue
                if client in in_multi:
                    open_transactions[client].append(args)
                    continue
                keys = _keys(probe, args)
                if len({key_slot(key) for key in keys}) > 1:
                    found.append(f"{args[0].decode()} over several slots: {keys}")
        return found

    def names(self) -> set[str]:
        return {args[0].decode().upper() for _, args in self.commands}


def _keys(probe: redis.Redis, args: list[bytes]) -> list[bytes]:
    if len(args) < 2:
        return []
    try:
        return [key if isinstance(key, bytes) else str(key).encode() for key in probe.command_getkeys(*args)]
    except redis.ResponseError:  # a command without key arguments (or a module's that declares none)
        return []
