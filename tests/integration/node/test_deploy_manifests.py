"""deploy/: the committed manifests are what the generator writes, are valid JSON (hence
YAML), and everything they reference exists: prepared files, ports, roles, probes."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from drex_node.config import load_config
from drex_node.testnet.client import local_address
from drex_node.testnet.deploy import (
    GRPC_PORT,
    METRICS_PORT,
    NET_DIR,
    NODES,
    VALIDATOR_ROLES,
    manifests,
    prepare,
)

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


def _load(path: str) -> Any:
    return json.loads((DEPLOY / path).read_text())


def test_committed_manifests_match_the_generator() -> None:
    for path, text in manifests().items():
        assert (DEPLOY / path).read_text() == text, f"deploy/{path} drifted: regenerate it"
    assert (DEPLOY / "Dockerfile").read_text().count(f"EXPOSE {GRPC_PORT} {METRICS_PORT}") == 1


def test_prepared_files_cover_every_reference(tmp_path: Path) -> None:
    net = tmp_path / NET_DIR
    prepare(net, users_per_partition=2)
    kust = _load("kustomization.yaml")
    for res in kust["resources"]:
        assert (DEPLOY / res).is_file()
    generated = kust["configMapGenerator"] + kust["secretGenerator"]
    for gen in generated:
        for f in gen["files"]:
            rel = f.split("=", 1)[-1]
            assert rel.startswith(f"{NET_DIR}/")
            assert (tmp_path / rel).is_file(), rel
    names = {g["name"] for g in generated}
    compose = _load("compose/docker-compose.yaml")["services"]
    sets = {s["metadata"]["name"]: s for s in _load("k8s/statefulsets.yaml")["items"]}
    services = {s["metadata"]["name"]: s for s in _load("k8s/services.yaml")["items"]}
    assert set(compose) == set(sets) == set(services) == {n for n, _ in NODES}
    for name, role in NODES:
        node_dir = net / "nodes" / name
        cfg = tomllib.loads((node_dir / "config.toml").read_text())
        load_config(node_dir / "config.toml")  # validates, paths resolve
        assert cfg["node"]["role"] == role
        assert cfg["network"]["listen"] == f"0.0.0.0:{GRPC_PORT}"
        assert cfg["metrics"]["listen"] == f"0.0.0.0:{METRICS_PORT}"
        for up in cfg["network"]["upstream"]:
            assert up.split(":")[0] in sets and up.endswith(f":{GRPC_PORT}")
        genesis = json.loads((node_dir / "genesis.json").read_text())
        members = {m["id"]: m["address"] for m in genesis["committee"]["validators"]}
        if role in VALIDATOR_ROLES:
            assert members[name] == f"{name}:{GRPC_PORT}"
            assert (node_dir / "consensus.key").is_file()
        # compose: mounts the prepared directory, publishes both ports, health by status
        svc = compose[name]
        assert f"../{NET_DIR}/nodes/{name}:/node:ro" in svc["volumes"]
        assert any(p.endswith(f":{GRPC_PORT}") for p in svc["ports"])
        assert svc["labels"]["drex.role"] == role
        # Kubernetes: one StatefulSet (PVC for RocksDB), its Service, its ConfigMap/Secrets
        spec = sets[name]["spec"]
        assert spec["serviceName"] == name and spec["volumeClaimTemplates"]
        pod = spec["template"]["spec"]
        container = pod["containers"][0]
        assert container["readinessProbe"]["exec"]["command"][:2] == ["drex-node", "status"]
        ports = {p["containerPort"] for p in container["ports"]}
        assert ports == {GRPC_PORT, METRICS_PORT}
        for vol in pod["volumes"]:
            ref = vol.get("configMap", {}).get("name") or vol.get("secret", {}).get("secretName")
            assert ref in names, ref
        assert {p["port"] for p in services[name]["spec"]["ports"]} == ports
        assert cfg["node"]["data_dir"] in {m["mountPath"] for m in container["volumeMounts"]}


def test_status_reaches_a_wildcard_listener_by_localhost() -> None:
    assert local_address("0.0.0.0:7000") == "localhost:7000"
    assert local_address("[::]:7000") == "localhost:7000"
    assert local_address("127.0.0.1:7100") == "127.0.0.1:7100"
