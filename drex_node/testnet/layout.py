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
from drex_node.security.identity import Identity, Role
from drex_node.security.store import init_ca, issue_to_directory

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

    def save(self) -> None:
        doc = {**asdict(self), "nodes": [asdict(n) for n in self.nodes]}
        Path(self.dir, "network.json").write_text(json.dumps(doc, indent=2) + "\n")

    @staticmethod
    def load(directory: str | Path) -> Network:
        doc: dict[str, Any] = json.loads(Path(directory, "network.json").read_text())
        nodes = tuple(NodeEntry(**n) for n in doc["nodes"])
        return Network(doc["dir"], doc["chain_id"], doc["users_per_partition"], nodes)

    def entry_points(self) -> list[NodeEntry]:
        """Nodes that accept client submissions and forward them (tier2, edge)."""
        return [n for n in self.nodes if n.role in ("tier2", "edge")]

    @property
    def operator_dir(self) -> Path:
        return Path(self.dir, "operator")


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
    ``/data`` and has its name in its certificate's DNS names (deploy/, ADR 0067)."""
    root = Path(directory).resolve()
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
                genesis="genesis.json" if containers else str(root / "genesis.json"),
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
    net = Network(str(root), CHAIN_ID, users_per_partition, tuple(entries))
    net.save()
    return net


def _preference(validators: tuple[str, ...], index: int) -> tuple[str, ...]:
    """The upstream list of the ``index``-th non-voting node: every validator, rotated so
    that the nodes' first choices (an entry point's home validator, where it forwards
    submissions, ADR 0088; a follower's first block source) differ from one node to the
    next."""
    k = index % len(validators)
    return validators[k:] + validators[:k]
