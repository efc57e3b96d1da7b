"""`drex-bench` — one entry point for every benchmark suite.

Each suite is a module ``benchmarks.<name>_bench`` exposing::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> dict[str, object]: ...

``run`` returns one JSON-serialisable object; this module prints it. Progress
goes to stderr so that stdout stays machine-readable.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from types import ModuleType

SUITES: dict[str, str] = {
    "ledger": "decode + verify + execute + synced RocksDB commit of signed transfers",
    "consensus": "pure DAG-BFT engine: certificates/s, commit latency, message cost",
    "zkp": "confidential-transfer proofs: reference vs numba fast path, batching, prover",
    "system": "open-loop load against a fresh local multi-process network",
    "transport": "CPU per gRPC stream message over mTLS: node settings vs gRPC defaults",
}


def _load(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"benchmarks.{name}_bench")
    except ModuleNotFoundError as exc:
        if exc.name == f"benchmarks.{name}_bench":
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="drex-bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="suite", required=True)
    modules: dict[str, ModuleType] = {}
    for name, help_text in SUITES.items():
        mod = _load(name)
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        if mod is not None:
            modules[name] = mod
            mod.add_arguments(p)
    p_all = sub.add_parser("all", help="run every available suite with its defaults")
    p_all.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    if args.suite == "all":
        results: dict[str, object] = {}
        for name, mod in modules.items():
            sub_args = sub.choices[name].parse_args([])
            results[name] = mod.run(sub_args)
        _emit(results, args.json)
        return 0
    mod = modules.get(args.suite)
    if mod is None:
        print(f"drex-bench: suite {args.suite!r} is not available in this build", file=sys.stderr)
        return 2
    _emit(mod.run(args), args.json)
    return 0


def _emit(result: object, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, sort_keys=True))
    else:
        print(json.dumps(result, indent=2, sort_keys=True))


if __name__ == "__main__":
    raise SystemExit(main())
