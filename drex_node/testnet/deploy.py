"""Container deployment of the seven-node network: key material and manifests (ADR 0067).

``python -m drex_node.testnet.deploy prepare --out deploy/net`` writes, per node, what its
container mounts at ``/node``: ``config.toml`` (the example configs' settings, listening on
``0.0.0.0:7000``, metrics on ``0.0.0.0:9000``, data under ``/data``), ``genesis.json``,
``tls/`` (certificate whose DNS names include the node's service name) and, for
validators, ``consensus.key``. ``... manifests`` rewrites ``deploy/compose``,
``deploy/k8s`` and ``deploy/kustomization.yaml`` from :data:`NODES`; the manifests are JSON, which is valid YAML, so a test
checks them with the standard library.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from drex_node.testnet.layout import DEFAULT_NODES, create_network

NODES = DEFAULT_NODES
GRPC_PORT = 7000
METRICS_PORT = 9000
IMAGE = "drex-node:latest"
NET_DIR = "net"  # under deploy/: prepared key material (not committed)
VALIDATOR_ROLES = ("central-bank", "tier1")


def prepare(out: str | Path, users_per_partition: int = 200) -> None:
    """Write every node's mounted files under ``out/nodes/<name>``."""
    create_network(
        out,
        base_port=GRPC_PORT,
        metrics_base=METRICS_PORT,
        users_per_partition=users_per_partition,
        containers=True,
    )


def node_files(name: str, role: str) -> list[str]:
    """Files of ``nodes/<name>/`` a container mounts (relative to the prepared dir)."""
    files = ["config.toml", "genesis.json", "tls/ca.pem", "tls/node.pem", "tls/node.key"]
    if role in VALIDATOR_ROLES:
        files.append("consensus.key")
    return [f"nodes/{name}/{f}" for f in files]


def compose() -> dict[str, Any]:
    """docker-compose document: one service per node, data in a named volume."""
    services: dict[str, Any] = {}
    for i, (name, role) in enumerate(NODES):
        services[name] = {
            "image": IMAGE,
            "build": {"context": "../..", "dockerfile": "deploy/Dockerfile"},
            "hostname": name,
            "command": ["run", "--config", "/node/config.toml"],
            "volumes": [f"../{NET_DIR}/nodes/{name}:/node:ro", f"{name}-data:/data"],
            "ports": [f"127.0.0.1:{7100 + i}:{GRPC_PORT}", f"127.0.0.1:{9100 + i}:{METRICS_PORT}"],
            "labels": {"drex.role": role},
            "healthcheck": {
                "test": ["CMD", "drex-node", "status", "--config", "/node/config.toml"],
                "interval": "10s",
                "timeout": "5s",
                "retries": 3,
            },
            "restart": "unless-stopped",
        }
        if role not in VALIDATOR_ROLES:
            services[name]["depends_on"] = [n for n, r in NODES if r in VALIDATOR_ROLES]
    return {
        "name": "drex-testnet",
        "services": services,
        "volumes": {f"{n}-data": {} for n, _ in NODES},
    }


def _statefulset(name: str, role: str) -> dict[str, Any]:
    probe = {
        "exec": {"command": ["drex-node", "status", "--config", "/node/config.toml"]},
        "periodSeconds": 10,
        "timeoutSeconds": 5,
    }
    mounts = [
        {"name": "config", "mountPath": "/node/config.toml", "subPath": "config.toml"},
        {"name": "config", "mountPath": "/node/genesis.json", "subPath": "genesis.json"},
        {"name": "tls", "mountPath": "/node/tls", "readOnly": True},
        {"name": "data", "mountPath": "/data"},
    ]
    volumes: list[dict[str, Any]] = [
        {"name": "config", "configMap": {"name": f"drex-config-{name}"}},
        {"name": "tls", "secret": {"secretName": f"drex-tls-{name}", "defaultMode": 0o400}},
    ]
    if role in VALIDATOR_ROLES:
        mounts.append(
            {"name": "key", "mountPath": "/node/consensus.key", "subPath": "consensus.key"}
        )
        volumes.append(
            {"name": "key", "secret": {"secretName": f"drex-key-{name}", "defaultMode": 0o400}}
        )
    labels = {"app.kubernetes.io/name": "drex-node", "drex/node": name, "drex/role": role}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "serviceName": name,
            "replicas": 1,
            "selector": {"matchLabels": {"drex/node": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "securityContext": {"runAsUser": 10001, "fsGroup": 10001},
                    "containers": [
                        {
                            "name": "drex-node",
                            "image": IMAGE,
                            "args": ["run", "--config", "/node/config.toml"],
                            "ports": [
                                {"name": "grpc", "containerPort": GRPC_PORT},
                                {"name": "metrics", "containerPort": METRICS_PORT},
                            ],
                            "volumeMounts": mounts,
                            "readinessProbe": probe,
                            "livenessProbe": {**probe, "initialDelaySeconds": 30},
                        }
                    ],
                    "volumes": volumes,
                },
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "10Gi"}},
                    },
                }
            ],
        },
    }


def _service(name: str, role: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"drex/role": role}},
        "spec": {
            "selector": {"drex/node": name},
            "ports": [
                {"name": "grpc", "port": GRPC_PORT, "targetPort": "grpc"},
                {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics"},
            ],
        },
    }


def k8s() -> dict[str, dict[str, Any]]:
    """Kubernetes documents by path under ``deploy/``: the kustomization (at the root, so
    its ConfigMaps and Secrets are generated from the prepared ``net/`` files), namespace,
    Services and StatefulSets."""
    net = NET_DIR
    configmaps, secrets = [], []
    for name, role in NODES:
        files = node_files(name, role)
        configmaps.append(
            {"name": f"drex-config-{name}", "files": [f"{net}/{f}" for f in files[:2]]}
        )
        tls = [f"{f.rsplit('/', 1)[1]}={net}/{f}" for f in files[2:5]]
        secrets.append({"name": f"drex-tls-{name}", "files": tls})
        if role in VALIDATOR_ROLES:
            secrets.append({"name": f"drex-key-{name}", "files": [f"{net}/{files[5]}"]})
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "namespace": "drex",
        "resources": ["k8s/namespace.yaml", "k8s/services.yaml", "k8s/statefulsets.yaml"],
        "generatorOptions": {"disableNameSuffixHash": True},
        "configMapGenerator": configmaps,
        "secretGenerator": secrets,
    }
    return {
        "kustomization.yaml": kustomization,
        "k8s/namespace.yaml": {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "drex"},
        },
        "k8s/services.yaml": {
            "apiVersion": "v1",
            "kind": "List",
            "items": [_service(n, r) for n, r in NODES],
        },
        "k8s/statefulsets.yaml": {
            "apiVersion": "v1",
            "kind": "List",
            "items": [_statefulset(n, r) for n, r in NODES],
        },
    }


def manifests() -> dict[str, str]:
    """Every manifest's text by path relative to ``deploy/``."""
    docs = {"compose/docker-compose.yaml": compose()}
    docs.update(k8s())
    return {path: json.dumps(doc, indent=2) + "\n" for path, doc in docs.items()}


def main(argv: list[str] | None = None) -> int:
    """``prepare --out DIR`` or ``manifests --deploy DIR``."""
    p = argparse.ArgumentParser(prog="python -m drex_node.testnet.deploy")
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("prepare", help="key material and configs for the containers")
    pr.add_argument("--out", default=f"deploy/{NET_DIR}")
    pr.add_argument("--users", type=int, default=200)
    mf = sub.add_parser("manifests", help="rewrite deploy/compose and deploy/k8s")
    mf.add_argument("--deploy", default="deploy")
    args = p.parse_args(argv)
    if args.cmd == "prepare":
        prepare(args.out, args.users)
        print(f"prepared {len(NODES)} nodes under {args.out}")
    else:
        for path, text in manifests().items():
            target = Path(args.deploy, path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
