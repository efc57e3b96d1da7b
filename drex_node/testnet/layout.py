"""Creating a network on disk: CA and certificates, consensus keys, genesis with the signed
committee, one config per node, and ``network.json`` describing it for the tools.

Layout under ``<dir>``::

    network.json  genesis.json  pki/ca.pem pki/ca.key  operator/{ca.pem,node.pem,node.key}
    keys/<name>.key   dev keys (authority, regulator, two banks, two users) for the tour
    nodes/<name>/config.toml consensus.key tls/ data/ node.log node.pid
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from consensus.crypto import Ed25519Signer
from drex_node.config.load import dump_config
from drex_node.config.model import (
    SCOPED_ROLES,
    AdmissionConfig,
    ConsensusSection,
    MetricsConfig,
    NetworkConfig,
    NodeConfig,
    NodeSection,
)
from drex_node.genesis.dev import dev_genesis
from drex_node.node.committee import committee_to_doc, signed_committee
from drex_node.security.identity import Identity, IdentityError, Role
from drex_node.security.store import init_ca, issue_to_directory
from drex_node.testnet.errors import LayoutError

CHAIN_ID = "drex-testnet"
CENTRAL_BANK = "bcb"
DEFAULT_NODES: tuple[tuple[str, str], ...] = (
    ("bcb", "central-bank"),
    ("bank-a", "tier1"),
    ("bank-b", "tier1"),
    ("bank-c", "tier1"),
    ("coop-d", "tier2"),
    ("pay-e", "edge"),
    ("regulator", "audit"),
)
# What tier2/tier3 nodes of a local network keep (ADR 0077): the dev genesis's first two
# partitions, so the network shows a partition-scoped follower next to full ones.
SCOPED_PARTITIONS = ("N", "NE")


# What create_network writes at the top of its directory (and ``--force`` removes).
LAYOUT_ENTRIES = ("network.json", "genesis.json", "pki", "operator", "keys", "nodes")
_ENTRY_FIELDS = ("name", "role", "address", "metrics", "dir")


@dataclass(frozen=True, slots=True)
class NodeEntry:
    """One node of a local network."""

    name: str
    role: str
    address: str
    metrics: str
    dir: str

    @property
    def votes(self) -> bool:
        return self.role in ("central-bank", "tier1")


@dataclass(frozen=True, slots=True)
class Network:
    """What ``network.json`` holds."""

    dir: str
    chain_id: str
    users_per_partition: int
    nodes: tuple[NodeEntry, ...]
    # Where network.json says the network was created (information only: ``load`` takes
    # every path from the directory it is given, so a moved or copied network acts on
    # its own files). Not saved.
    origin: str = ""

    def save(self) -> None:
        doc = {**asdict(self), "nodes": [asdict(n) for n in self.nodes]}
        del doc["origin"]
        Path(self.dir, "network.json").write_text(json.dumps(doc, indent=2) + "\n")

    @staticmethod
    def load(directory: str | Path) -> Network:
        """The network in ``directory``; its node directories are taken relative to
        ``directory``, not to the ``dir`` recorded at creation. Raises LayoutError."""
        root = Path(directory).resolve()
        f = root / "network.json"
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
            origin = Path(doc["dir"])
            nodes = []
            for n in doc["nodes"]:
                if not isinstance(n, dict) or sorted(n) != sorted(_ENTRY_FIELDS):
                    raise LayoutError(f"{f}: a node needs exactly {', '.join(_ENTRY_FIELDS)}")
                if not all(isinstance(n[k], str) for k in _ENTRY_FIELDS):
                    raise LayoutError(f"{f}: node {n['name']!r}: every field must be a string")
                stored = Path(n["dir"])
                try:
                    rel = stored.relative_to(origin) if stored.is_absolute() else stored
                except ValueError:
                    raise LayoutError(
                        f"{f}: node {n['name']!r}: directory {stored} is outside the "
                        f"network's directory {origin}"
                    ) from None
                nodes.append(NodeEntry(**{**n, "dir": str(root / rel)}))
            if not nodes:
                raise LayoutError(f"{f}: no nodes")
            users = doc["users_per_partition"]
            if type(users) is not int or not isinstance(doc["chain_id"], str):
                raise LayoutError(f"{f}: users_per_partition or chain_id has the wrong type")
            return Network(str(root), doc["chain_id"], users, tuple(nodes), str(origin))
        except LayoutError:
            raise
        except OSError as exc:
            raise LayoutError(f"{f}: cannot read: {exc.strerror}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise LayoutError(f"{f}: not valid JSON ({exc})") from None
        except KeyError as exc:
            raise LayoutError(f"{f}: incomplete: no {exc.args[0]!r}") from None
        except (TypeError, AttributeError):
            raise LayoutError(f"{f}: not a network description") from None

    @property
    def moved(self) -> bool:
        """Whether this network was created in another directory (moved or copied)."""
        return bool(self.origin) and Path(self.origin) != Path(self.dir)

    def entry_points(self) -> list[NodeEntry]:
        """Nodes that accept client submissions and forward them (tier2, edge)."""
        return [n for n in self.nodes if n.role in ("tier2", "edge")]

    @property
    def operator_dir(self) -> Path:
        return Path(self.dir, "operator")


def existing_network(directory: str | Path) -> Path | None:
    """The file showing that ``directory`` already holds a network (its network.json, or
    a node config when that is missing), or None."""
    root = Path(directory)
    if (root / "network.json").exists():
        return root / "network.json"
    configs = sorted(root.glob("nodes/*/config.toml"))
    return configs[0] if configs else None


def remove_network(directory: str | Path) -> None:
    """Delete what create_network wrote in ``directory`` (keys, certificates, genesis, the
    nodes' configs, data and logs); other files in it are left alone."""
    _remove_entries(Path(directory), LAYOUT_ENTRIES)


def _remove_entries(root: Path, names: Iterable[str], ignore_errors: bool = False) -> None:
    """Delete the named entries of ``root`` (a symlink itself, not what it points to)."""
    for name in names:
        p = root / name
        try:
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            elif p.exists() or p.is_symlink():
                p.unlink()
        except OSError:
            if not ignore_errors:
                raise


def port_range_error(base: int, count: int, lowest: int = 1) -> str | None:
    """Why ``count`` consecutive ports from ``base`` do not fit (None if they do)."""
    if base < lowest or base > 65535:
        return f"{base} is not in {lowest}..65535"
    if base + count - 1 > 65535:
        return f"{base} leaves no room for {count} nodes (ports up to {base + count - 1})"
    return None


def check_new_network(
    nodes: tuple[tuple[str, str], ...],
    base_port: int,
    metrics_base: int,
    users_per_partition: int,
    verify_workers: int,
    containers: bool = False,
) -> None:
    """Raise LayoutError for parameters create_network cannot build a network from, before
    it writes anything."""
    seen = set()
    for name, role in nodes:
        try:
            Identity(name, Role(role))  # the node's directory and certificate use both
        except (IdentityError, ValueError) as exc:
            raise LayoutError(f"node {name!r}: {exc}") from None
        if name in seen:
            raise LayoutError(f"node {name!r}: listed twice")
        seen.add(name)
    if not any(Role(role) in (Role.CENTRAL_BANK, Role.TIER1) for _, role in nodes):
        raise LayoutError("a network needs at least one central-bank or tier1 node")
    if users_per_partition < 1:
        raise LayoutError(f"users per partition: must be >= 1, got {users_per_partition}")
    if verify_workers < 0:
        raise LayoutError(f"verify workers: must be >= 0, got {verify_workers}")
    count = 1 if containers else len(nodes)
    for what, base in (("base port", base_port), ("metrics base port", metrics_base)):
        why = port_range_error(base, count, lowest=0)  # 0: tests that turn metrics off
        if why:
            raise LayoutError(f"{what}: {why}")


@contextmanager
def _removed_on_error(root: Path) -> Iterator[None]:
    """Remove what was created under ``root`` (and ``root`` with any parents it needed)
    when the block fails, so a failed creation leaves nothing half-written."""
    top = root
    while not top.parent.exists() and top.parent != top:
        top = top.parent
    fresh = not root.exists()
    before = {n for n in LAYOUT_ENTRIES if (root / n).exists()}
    try:
        yield
    except BaseException:
        if fresh:
            shutil.rmtree(top, ignore_errors=True)
        else:
            new = [n for n in LAYOUT_ENTRIES if n not in before]
            _remove_entries(root, new, ignore_errors=True)
        raise


def _write_secret(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def create_network(
    directory: str | Path,
    *,
    nodes: tuple[tuple[str, str], ...] = DEFAULT_NODES,
    base_port: int = 7100,
    metrics_base: int = 9100,
    users_per_partition: int = 200,
    verify_workers: int = 1,
    consensus: ConsensusSection | None = None,
    containers: bool = False,
    scoped_partitions: tuple[str, ...] = SCOPED_PARTITIONS,
    commit_rule: str = "bullshark",
    gc_depth: int | None = None,
) -> Network:
    """Write every file of a fresh local network (keys are random; user keys are dev keys).

    With ``containers`` every node is reached as ``<name>:<base_port>`` (its own host, as
    in docker-compose or Kubernetes), listens on ``0.0.0.0``, keeps its data under
    ``/data`` and has its name in its certificate's DNS names (deploy/, ADR 0067).

    Raises LayoutError for unusable parameters before writing anything; on any failure
    what it had written is removed."""
    check_new_network(
        nodes, base_port, metrics_base, users_per_partition, verify_workers, containers
    )
    root = Path(directory).resolve()
    if root.exists() and not root.is_dir():
        raise LayoutError(f"{root}: not a directory")
    with _removed_on_error(root):
        return _create(
            root,
            nodes,
            base_port,
            metrics_base,
            users_per_partition,
            verify_workers,
            consensus,
            containers,
            scoped_partitions,
            commit_rule,
            gc_depth,
        )


def _create(
    root: Path,
    nodes: tuple[tuple[str, str], ...],
    base_port: int,
    metrics_base: int,
    users_per_partition: int,
    verify_workers: int,
    consensus: ConsensusSection | None,
    containers: bool,
    scoped_partitions: tuple[str, ...],
    commit_rule: str,
    gc_depth: int | None,
) -> Network:
    root.mkdir(parents=True, exist_ok=True)
    doc, keys = dev_genesis(chain_id=CHAIN_ID, users_per_partition=users_per_partition)
    ca = init_ca(root / "pki")
    issue_to_directory(root, ca, "operator", Identity(CENTRAL_BANK, Role.OPERATOR))
    entries = []
    seeds: dict[str, bytes] = {}
    for i, (name, role) in enumerate(nodes):
        d = root / "nodes" / name
        d.mkdir(parents=True, exist_ok=True)
        if containers:
            address, metrics = f"{name}:{base_port}", f"0.0.0.0:{metrics_base}"
        else:
            address, metrics = f"127.0.0.1:{base_port + i}", f"127.0.0.1:{metrics_base + i}"
        entries.append(NodeEntry(name, role, address, metrics, str(d)))
        dns = (name, "localhost") if containers else None
        issue_to_directory(d, ca, "tls", Identity(name, Role(role)), dns_names=dns)
        if role in ("central-bank", "tier1"):
            seed = os.urandom(32)
            seeds[name] = seed
            _write_secret(d / "consensus.key", seed.hex() + "\n")
    members = [
        (e.name, Ed25519Signer(seeds[e.name]).public_key, e.address) for e in entries if e.votes
    ]
    committee = signed_committee(members, keys["authority"].seed)
    doc["committee"] = committee_to_doc(committee, CENTRAL_BANK)
    consensus_doc: dict[str, Any] = {}
    if commit_rule != "bullshark":  # the defaults are left implicit
        consensus_doc["commit_rule"] = commit_rule
    if gc_depth is not None:
        consensus_doc["gc_depth"] = gc_depth
    if consensus_doc:
        doc["consensus"] = consensus_doc
    (root / "genesis.json").write_text(json.dumps(doc, indent=1) + "\n")
    (root / "keys").mkdir(exist_ok=True)
    for name in ("authority", "regulator", "bank-N", "bank-S", "user-N-0", "user-S-0"):
        _write_secret(root / "keys" / f"{name}.key", keys[name].seed.hex() + "\n")
    validators = tuple(e.address for e in entries if e.votes)
    followers = [e.name for e in entries if not e.votes]
    for e in entries:
        listen = f"0.0.0.0:{base_port}" if containers else e.address
        cfg = NodeConfig(
            node=NodeSection(
                name=e.name,
                role=e.role,
                institution=e.name,
                data_dir="/data" if containers else "data",
                # relative, so that the network still works when its directory moves
                genesis="genesis.json"
                if containers
                else os.path.relpath(root / "genesis.json", e.dir),
                partitions=scoped_partitions if e.role in SCOPED_ROLES else (),
            ),
            network=NetworkConfig(
                listen=listen,
                upstream=() if e.votes else _preference(validators, followers.index(e.name)),
            ),
            consensus=consensus or ConsensusSection(),
            admission=AdmissionConfig(verify_workers=verify_workers),
            metrics=MetricsConfig(listen=e.metrics),
        )
        Path(e.dir, "config.toml").write_text(dump_config(cfg))
        if containers:
            Path(e.dir, "genesis.json").write_text((root / "genesis.json").read_text())
    net = Network(str(root), CHAIN_ID, users_per_partition, tuple(entries), str(root))
    net.save()
    return net


def _preference(validators: tuple[str, ...], index: int) -> tuple[str, ...]:
    """The upstream list of the ``index``-th non-voting node: every validator, rotated so
    that the nodes' first choices (an entry point's home validator, where it forwards
    submissions, ADR 0088; a follower's first block source) differ from one node to the
    next."""
    k = index % len(validators)
    return validators[k:] + validators[:k]
