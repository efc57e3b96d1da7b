"""The policy plug-in host: discovery by entry point, versioned parameters in state.

State layout (namespace ``meta``)::

    policies            -> sorted [[name, kind], ...] of modules ever enabled
    policy/<name>       -> [[effective_height, [[param, value], ...]], ...] ascending

The parameters in force at height ``h`` are those of the last version whose
effective height is <= h (STYLE habit 7); a version with ``enabled = 0`` switches a
module off from that height.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from drex_node.ledger.state import META, StateReader, pack, unpack
from drex_node.policy.api import MonetaryPolicy, Params, RegulatoryRule

GROUP_MONETARY = "drex_node.monetary_policy"
GROUP_REGULATORY = "drex_node.regulatory_rules"
KIND_MONETARY = "monetary"
KIND_REGULATORY = "regulatory"
K_POLICIES = b"policies"
P_POLICY = b"policy/"


class PolicyUnavailable(RuntimeError):
    """A module enabled on the network is missing on this node: stop, do not diverge."""


@dataclass
class Registry:
    """Known policy modules by name, as loaded from entry points (or given in tests)."""

    regulatory: dict[str, RegulatoryRule] = field(default_factory=dict)
    monetary: dict[str, MonetaryPolicy] = field(default_factory=dict)

    def kind_of(self, name: str) -> str | None:
        if name in self.regulatory:
            return KIND_REGULATORY
        if name in self.monetary:
            return KIND_MONETARY
        return None

    def validate(self, name: str, params: Params) -> str | None:
        """Error message for an unknown module or unusable parameters, else None."""
        module: Any = self.regulatory.get(name) or self.monetary.get(name)
        if module is None:
            return f"unknown policy module {name!r}"
        rest = {k: v for k, v in params.items() if k != "enabled"}
        if params.get("enabled", 1) not in (0, 1):
            return "enabled must be 0 or 1"
        if params.get("enabled", 1) == 0:
            return None
        result: str | None = module.validate_params(rest)
        return result


def load_registry() -> Registry:
    """Instantiate every module advertised under the two entry-point groups."""
    reg = Registry()
    for ep in sorted(entry_points(group=GROUP_REGULATORY), key=lambda e: e.name):
        reg.regulatory[ep.name] = ep.load()()
    for ep in sorted(entry_points(group=GROUP_MONETARY), key=lambda e: e.name):
        reg.monetary[ep.name] = ep.load()()
    return reg


@dataclass(frozen=True)
class ActivePolicies:
    """Modules in force at one height, with their parameters, in name order."""

    rules: tuple[tuple[RegulatoryRule, Params], ...] = ()
    monetary: tuple[tuple[MonetaryPolicy, Params], ...] = ()


def versions(state: StateReader, name: str) -> list[tuple[int, Params]]:
    raw = state.get(META, P_POLICY + name.encode())
    if raw is None:
        return []
    return [(h, {k: v for k, v in ps}) for h, ps in unpack(raw)]


def enabled_names(state: StateReader) -> list[tuple[str, str]]:
    raw = state.get(META, K_POLICIES)
    return [] if raw is None else [(n, k) for n, k in unpack(raw)]


def schedule_writes(
    state: StateReader, name: str, kind: str, params: Params, effective: int
) -> dict[tuple[str, bytes], bytes]:
    """The writes that add a parameter version effective from height ``effective``."""
    vs = [v for v in versions(state, name) if v[0] != effective] + [(effective, params)]
    vs.sort(key=lambda v: v[0])
    names = sorted(set(enabled_names(state)) | {(name, kind)})
    return {
        (META, P_POLICY + name.encode()): pack([[h, sorted(p.items())] for h, p in vs]),
        (META, K_POLICIES): pack([list(n) for n in names]),
    }


def active(state: StateReader, registry: Registry, height: int) -> ActivePolicies:
    """Resolve the modules and parameters in force at ``height``."""
    rules: list[tuple[RegulatoryRule, Params]] = []
    monetary: list[tuple[MonetaryPolicy, Params]] = []
    for name, kind in enabled_names(state):
        current = None
        for h, params in versions(state, name):
            if h <= height:
                current = params
        if current is None or current.get("enabled", 1) == 0:
            continue
        params = {k: v for k, v in current.items() if k != "enabled"}
        if kind == KIND_REGULATORY and name in registry.regulatory:
            rules.append((registry.regulatory[name], params))
        elif kind == KIND_MONETARY and name in registry.monetary:
            monetary.append((registry.monetary[name], params))
        else:
            # Every node of a network must run the same modules, or states diverge.
            raise PolicyUnavailable(f"policy module {name!r} ({kind}) is enabled but not installed")
    return ActivePolicies(tuple(rules), tuple(monetary))
