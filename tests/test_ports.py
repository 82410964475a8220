"""The test servers' port check: a server answering on our port must be ours, not another run's that raced us to it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from tests.support.ports import free_port, listens_on

_LISTENER = (
    "import socket, sys; s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); "
    "print(s.getsockname()[1], flush=True); sys.stdin.read()"
)


def test_a_port_this_process_listens_on_is_its_own() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert listens_on(os.getpid(), port)


def test_a_port_another_process_listens_on_is_not_ours() -> None:
    command = [sys.executable, "-c", _LISTENER]
    other = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None
        port = int(other.stdout.readline())
        assert listens_on(other.pid, port)
        assert not listens_on(os.getpid(), port)
    finally:
        other.kill()
        other.wait()


def test_a_port_nobody_listens_on_is_nobodys() -> None:
    assert not listens_on(os.getpid(), free_port())
