"""A free loopback port, for servers a test starts and for addresses where nothing listens."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it; it stays free unless another process races us)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listens_on(pid: int, port: int) -> bool:
    """Whether process ``pid`` holds the socket listening on loopback ``port``: a server that answers there may be
    another test run's, which took the port between :func:`free_port` and our bind. Read from ``/proc`` (Linux);
    where it is missing, assumed."""
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].exists():
        return True
    inodes = {
        fields[9]
        for table in tables
        if table.exists()
        for fields in (line.split() for line in table.read_text().splitlines()[1:])
        if fields[3] == _LISTEN and int(fields[1].rsplit(":", 1)[1], 16) == port
    }
    sockets = {f"socket:[{inode}]" for inode in inodes}
    with contextlib.suppress(OSError):
        return any(os.readlink(fd) in sockets for fd in Path(f"/proc/{pid}/fd").iterdir())
    return False


_LISTEN = "0A"
"""A listening socket's state in ``/proc/net/tcp``."""
