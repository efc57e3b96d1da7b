"""State model and key layout: accounts, assets, supply, the account directory.

Namespaces (RocksDB column families): ``meta`` (chain record, directory, assets,
supply, policy schedule, head), ``blocks``, ``receipts`` and one ``p/<partition>``
per ledger partition holding that partition's accounts. All values are canonical
msgpack; maps are encoded as sorted lists of pairs so equal states encode equally.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgpack

from drex_node.ledger.codes import AccountFlag, AccountStatus

DEFAULT_GC_DEPTH = 12  # consensus.gc_depth when genesis does not set it (ADR 0081)

META = "meta"
BLOCKS = "blocks"
RECEIPTS = "receipts"

K_CHAIN = b"chain"
K_HEAD = b"head"
P_DIR = b"dir/"
P_ASSET = b"asset/"
P_SUPPLY = b"supply/"
P_POLICY = b"policy/"
P_ACCOUNT = b"a/"


class _Namespaces(dict[str, str]):
    """partition name -> namespace, filled on first use (a C-level lookup after that)."""

    def __missing__(self, name: str) -> str:
        ns = self[name] = "p/" + name
        return ns


PARTITION_NS = _Namespaces()


def partition_ns(name: str) -> str:
    """Namespace of a ledger partition."""
    return PARTITION_NS[name]


_local = threading.local()
_MISSING: Any = object()
_new = object.__new__


def pack(obj: Any) -> bytes:
    """Canonical msgpack (one reusable packer per thread: ``packb`` builds one per call)."""
    packer = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True)
    return packer.pack(obj)  # type: ignore[no-any-return]


_unpackb = msgpack.unpackb


def _exact(obj: Any) -> Any:
    """The strict packer's fallback: a tuple as a list, a subclass of int, str or bytes
    (an IntEnum, say) as the base type: what the lenient packer writes for them."""
    if isinstance(obj, tuple):
        return list(obj)
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, str):
        return str(obj)
    if isinstance(obj, bytes):
        return bytes(obj)
    raise TypeError(f"can not serialize {type(obj).__name__!r} object")


def _strict_packer() -> Any:
    """This thread's packer for exact types (no ``isinstance(o, ExtType)`` check per
    container, which costs more than packing a small list). Same bytes as :func:`pack`."""
    packer = _local.strict = msgpack.Packer(use_bin_type=True, strict_types=True, default=_exact)
    return packer


def unpack(data: bytes) -> Any:
    """msgpack, strings as str and arrays as lists (unpackb's defaults: no keyword
    arguments to parse)."""
    return _unpackb(data)


class StateReader(Protocol):
    """Read access to committed state (a KVStore, a snapshot, or an overlay)."""

    def get(self, ns: str, key: bytes) -> bytes | None:
        """The stored value or None."""


class DictReader:
    """A reader over a plain mapping ``{(ns, key): value}`` (picklable; for workers)."""

    def __init__(self, data: dict[tuple[str, bytes], bytes | None]) -> None:
        self.data = data

    def get(self, ns: str, key: bytes) -> bytes | None:
        return self.data.get((ns, key))


def _pair_lists(d: dict[str, int]) -> list[list[Any]]:
    """A map as sorted ``[key, value]`` lists, zero values dropped (canonical form)."""
    return [[k, v] for k, v in sorted(d.items()) if v]


@dataclass(slots=True)
class Account:
    """A ledger account. Balances are integers in the asset's smallest unit.

    ``balances`` are totals; ``held`` (escrowed by open proposals and DvP legs) and
    ``locked`` (partial freezes) are parts of them that cannot be spent, so
    ``free = balance - held - locked``. ``enabled`` lists the restricted assets whose
    issuer enabled this account as a holder.
    """

    pubkey: bytes
    partition: str
    kyc_tier: int
    flags: int = 0
    status: int = AccountStatus.ACTIVE
    nonce: int = 0
    balances: dict[str, int] = field(default_factory=dict)
    held: dict[str, int] = field(default_factory=dict)
    locked: dict[str, int] = field(default_factory=dict)
    enabled: set[str] = field(default_factory=set)

    def encode(self) -> bytes:
        """``[pubkey, partition, tier, flags, status, nonce, balances]`` followed by
        ``held, locked, enabled`` only when one of them is non-empty (canonical: the
        shorter form whenever it can be used)."""
        b = self.balances
        if len(b) == 1:
            for k, v in b.items():
                balances = [[k, v]] if v else []
        else:
            balances = [[k, v] for k, v in sorted(b.items()) if v]
        try:
            packer = _local.strict
        except AttributeError:
            packer = _strict_packer()
        rec = [
            self.pubkey,
            self.partition,
            self.kyc_tier,
            self.flags,
            self.status,
            self.nonce,
            balances,
        ]
        held, locked, enabled = self.held, self.locked, self.enabled
        if held or locked or enabled:  # the long form, if anything is left once zeros go
            tail = (
                _pair_lists(held) if held else [],
                _pair_lists(locked) if locked else [],
                sorted(enabled) if len(enabled) > 1 else [*enabled],
            )
            if any(tail):
                rec += tail
        return packer.pack(rec)  # type: ignore[no-any-return]

    @classmethod
    def decode(cls, data: bytes) -> Account:
        rec = _unpackb(data)  # raw=False, use_list=True: unpackb's defaults
        acc = _new(cls)  # every field is set below: skips the default factories
        n = len(rec)
        if n == 10:
            (
                acc.pubkey,
                acc.partition,
                acc.kyc_tier,
                acc.flags,
                acc.status,
                acc.nonce,
                balances,
                held,
                locked,
                enabled,
            ) = rec
            acc.balances = dict(balances)
            acc.held = dict(held) if held else {}
            acc.locked = dict(locked) if locked else {}
            acc.enabled = set(enabled)
        elif n == 7:
            (
                acc.pubkey,
                acc.partition,
                acc.kyc_tier,
                acc.flags,
                acc.status,
                acc.nonce,
                balances,
            ) = rec
            acc.balances = dict(balances)
            acc.held, acc.locked, acc.enabled = {}, {}, set()
        else:  # never written by encode(); read as before
            acc.pubkey, acc.partition, acc.kyc_tier, acc.flags, acc.status, acc.nonce = rec[:6]
            acc.balances = dict(rec[6])
            acc.held, acc.locked, acc.enabled = dict(rec[7]), dict(rec[8]), set(rec[9])
        return acc

    def has(self, flag: AccountFlag) -> bool:
        return bool(self.flags & flag.value)

    def free(self, asset: str) -> int:
        """Spendable amount: balance less escrowed and locked parts."""
        if not self.held and not self.locked:
            return self.balances.get(asset, 0)
        return self.balances.get(asset, 0) - self.held.get(asset, 0) - self.locked.get(asset, 0)

    @property
    def frozen(self) -> bool:
        return self.status == AccountStatus.FROZEN


# a plain int: ``int & IntFlag`` runs Python-level enum code on every check
WHOLESALE_HOLDERS = int(AccountFlag.RESERVE_HOLDER | AccountFlag.TREASURY | AccountFlag.AUTHORITY)


@dataclass(frozen=True, slots=True)
class Asset:
    """An asset: ``issuer`` is the address allowed to mint and burn it.

    Classes with holder rules: ``wholesale`` (only reserve/settlement holders, the
    Treasury and the authority) and ``deposit`` (the issuer and the accounts it enabled).
    """

    id: str
    issuer: bytes
    decimals: int
    asset_class: str
    paused: bool = False
    price_decimals: int = 0

    def encode(self) -> bytes:
        return pack(
            [
                self.id,
                self.issuer,
                self.decimals,
                self.asset_class,
                self.paused,
                self.price_decimals,
            ]
        )

    @classmethod
    def decode(cls, data: bytes) -> Asset:
        aid, issuer, dec, klass, paused, price_dec = unpack(data)
        return cls(aid, issuer, dec, klass, paused, price_dec)

    def may_hold(self, addr: bytes, acc: Account) -> bool:
        """May ``acc`` (at ``addr``) hold this asset?"""
        if self.asset_class == "wholesale":
            return bool(acc.flags & WHOLESALE_HOLDERS)
        if self.asset_class == "deposit":
            return addr == self.issuer or self.id in acc.enabled
        return True


@dataclass(frozen=True, slots=True)
class ChainInfo:
    """The chain record written at genesis."""

    chain_id: str
    authority: bytes  # address of the authority account
    partitions: tuple[str, ...]
    auditor_pubkey: bytes | None
    epoch_blocks: int
    # The consensus commit rule (ADR 0078). Encoded only when not the default, so that a
    # network's genesis root depends on its rule and Bullshark networks keep theirs.
    commit_rule: str = "bullshark"
    # The consensus GC depth (ADR 0081), encoded (after the rule) only when not the default.
    gc_depth: int = DEFAULT_GC_DEPTH

    def encode(self) -> bytes:
        fields: list[object] = [
            self.chain_id,
            self.authority,
            list(self.partitions),
            self.auditor_pubkey,
            self.epoch_blocks,
        ]
        if self.commit_rule != "bullshark" or self.gc_depth != DEFAULT_GC_DEPTH:
            fields.append(self.commit_rule)
        if self.gc_depth != DEFAULT_GC_DEPTH:
            fields.append(self.gc_depth)
        return pack(fields)

    @classmethod
    def decode(cls, data: bytes) -> ChainInfo:
        cid, auth, parts, auditor, epoch, *rest = unpack(data)
        rule = rest[0] if rest else "bullshark"
        gc_depth = rest[1] if len(rest) > 1 else DEFAULT_GC_DEPTH
        return cls(cid, auth, tuple(parts), auditor, epoch, rule, gc_depth)


class CommittedDirectory:
    """A reader over committed state that caches the account directory.

    Directory entries (address -> partition) are written once and never change, so
    caching those read from *committed* state is always correct. Use it only over a
    store that holds committed blocks, never over a speculative view.
    """

    def __init__(self, base: StateReader, limit: int = 1_000_000) -> None:
        self.base = base
        self.limit = limit
        self._dir: dict[bytes, bytes] = {}

    def get(self, ns: str, key: bytes) -> bytes | None:
        if ns == META and key[:4] == P_DIR:
            hit = self._dir.get(key)
            if hit is not None:
                return hit
            value = self.base.get(ns, key)
            if value is not None and len(self._dir) < self.limit:
                self._dir[key] = value
            return value
        return self.base.get(ns, key)


# Decoded accounts by their encoding: a pure memo of ``Account.decode`` (the value always
# equals a fresh decode of its key). A view *takes* an entry (pop) so no two views share
# a mutable object; a view that is done puts its accounts back under their new encodings
# (ADR 0004). Keyed by value, so it is correct for any store and any number of chains.
_DECODED: dict[bytes, Account] = {}
DECODED_MEMO_MAX = 200_000


def _memoize(raw: bytes, acc: Account) -> None:
    """Remember ``acc`` as the decoding of ``raw`` after making it exactly what
    :meth:`Account.decode` would return (no zero amounts, maps in key order)."""
    b = acc.balances
    if len(b) > 1 or acc.held or acc.locked or len(acc.enabled) > 1 or 0 in b.values():
        _normalise(acc)
    if len(_DECODED) >= DECODED_MEMO_MAX:
        _DECODED.clear()
    _DECODED[raw] = acc


def _normalise(acc: Account) -> None:
    """Make ``acc`` what :meth:`Account.decode` of its encoding returns."""
    b = acc.balances
    if len(b) > 1:
        acc.balances = b = dict(sorted(b.items()))
    if 0 in b.values():
        acc.balances = {k: v for k, v in b.items() if v}
    if acc.held or acc.locked:
        acc.held = {k: v for k, v in sorted(acc.held.items()) if v}
        acc.locked = {k: v for k, v in sorted(acc.locked.items()) if v}
    if len(acc.enabled) > 1:
        acc.enabled = set(sorted(acc.enabled))


def clear_decoded_memo() -> None:
    """Forget every memoised account (tests; a node never needs to)."""
    _DECODED.clear()


_SUPPLY_KEYS: dict[str, bytes] = {}  # asset id -> P_SUPPLY + its bytes


def _supply_key(asset_id: str) -> bytes:
    key = _SUPPLY_KEYS.get(asset_id)
    if key is None:
        if len(_SUPPLY_KEYS) >= 4096:
            _SUPPLY_KEYS.clear()
        key = _SUPPLY_KEYS[asset_id] = P_SUPPLY + asset_id.encode()
    return key


_NO_PEEK: Any = {}.get  # the peek of a base without a read cache: always a miss
# address -> (namespace of its partition, P_ACCOUNT + address)
_ACCOUNT_KEYS: dict[bytes, tuple[str, bytes]] = {}
_DIR_KEYS: dict[bytes, tuple[str, bytes]] = {}  # address -> (META, P_DIR + address)
KEY_MEMO_MAX = 1 << 18


def _account_key(addr: bytes, partition: str) -> tuple[str, bytes]:
    """``(partition_ns(partition), P_ACCOUNT + addr)``, memoised per address (checked
    against the partition: an address may live elsewhere on another chain). One key
    object per address, so its hash is computed once, not at every lookup."""
    ns = PARTITION_NS[partition]
    key = _ACCOUNT_KEYS.get(addr)
    if key is None or key[0] is not ns:
        if len(_ACCOUNT_KEYS) >= KEY_MEMO_MAX:
            _ACCOUNT_KEYS.clear()
        key = _ACCOUNT_KEYS[addr] = (ns, P_ACCOUNT + addr)
    return key


def _dir_key(addr: bytes) -> tuple[str, bytes]:
    """``(META, P_DIR + addr)``, memoised like :func:`_account_key`."""
    key = _DIR_KEYS.get(addr)
    if key is None:
        if len(_DIR_KEYS) >= KEY_MEMO_MAX:
            _DIR_KEYS.clear()
        key = _DIR_KEYS[addr] = (META, P_DIR + addr)
    return key


class StateView:
    """A copy-on-write view: reads fall through to ``base``, writes stay in ``writes``.

    Accounts are cached decoded and encoded once at :meth:`flush`.
    """

    def __init__(self, base: StateReader) -> None:
        self.base = base
        self._base_get = base.get
        # A read cache in front of ``base`` (CachedStore.peek): hot keys in one C call.
        self._peek = getattr(base, "peek", _NO_PEEK)
        self.writes: dict[tuple[str, bytes], bytes | None] = {}
        self._accounts: dict[bytes, Account | None] = {}
        # addresses of the accounts flush() encodes (insertion-ordered: deterministic
        # writes); touch() adds to it, and so may a hot path holding the view's own
        # object for that address (``view.dirty[addr] = None``)
        self.dirty: dict[bytes, None] = {}
        self._assets: dict[str, Asset | None] = {}
        self._dir: dict[bytes, str | None] = {}
        # decoded lists not yet encoded into ``writes`` (append(), set_supply())
        self._lists: dict[tuple[str, bytes], list[Any]] = {}

    # raw access
    def get(self, ns: str, key: bytes) -> bytes | None:
        k = (ns, key)
        if k in self._lists:
            self._pack_list(k)
        v = self.writes.get(k, _MISSING)
        if v is _MISSING:
            v = self._peek(k, _MISSING)
            if v is _MISSING:
                return self._base_get(ns, key)
        return v  # type: ignore[no-any-return]

    def put(self, ns: str, key: bytes, value: bytes) -> None:
        k = (ns, key)
        if k in self._lists:
            del self._lists[k]
        self.writes[k] = value
        if ns == META and key.startswith(P_ASSET):
            self._assets.clear()

    def append(self, ns: str, key: bytes, item: Any) -> None:
        """Append ``item`` to the msgpack list stored at ``key`` (created empty).

        The list stays decoded in the view and is encoded once, when read back or at
        :meth:`flush`: many appends to one key in a block cost O(n), not O(n^2)."""
        k = (ns, key)
        items = self._lists.get(k)
        if items is None:
            raw = self.get(ns, key)
            items = self._lists[k] = unpack(raw) if raw else []
        items.append(item)

    def _pack_list(self, k: tuple[str, bytes]) -> None:
        items = self._lists.pop(k, None)
        if items is not None:
            self.writes[k] = pack(items)

    def delete(self, ns: str, key: bytes) -> None:
        self._lists.pop((ns, key), None)
        self.writes[(ns, key)] = None

    # typed access
    def partition_of(self, addr: bytes) -> str | None:
        """Home partition of ``addr`` (None: no such account). Entries never change."""
        part = self._dir.get(addr, _MISSING)
        if part is _MISSING:
            k = _DIR_KEYS.get(addr) or _dir_key(addr)
            raw = self.writes.get(k, _MISSING)
            if raw is _MISSING:
                raw = self._peek(k, _MISSING)
                if raw is _MISSING:
                    raw = self._base_get(*k)
            part = self._dir[addr] = None if raw is None else raw.decode()
        return part  # type: ignore[no-any-return]

    def account(self, addr: bytes, partition: str | None = None) -> Account | None:
        """The account at ``addr`` (``partition``, when known, saves a directory read)."""
        cached = self._accounts.get(addr, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[no-any-return]
        part = self.partition_of(addr) if partition is None else partition
        raw = None
        if part is not None:
            k = _ACCOUNT_KEYS.get(addr)
            if k is None or k[0] is not PARTITION_NS[part]:
                k = _account_key(addr, part)
            raw = self.writes.get(k, _MISSING)
            if raw is _MISSING:
                raw = self._peek(k, _MISSING)
                if raw is _MISSING:
                    raw = self._base_get(*k)
        acc = None
        if raw is not None:
            acc = _DECODED.pop(raw, None)  # taken: this view owns the object now
            if acc is None:
                acc = Account.decode(raw)
        self._accounts[addr] = acc
        return acc

    def touch(self, addr: bytes, acc: Account) -> None:
        """Mark an account (new or changed) for writing at :meth:`flush`."""
        self._accounts[addr] = acc
        self.dirty[addr] = None

    def create_account(self, addr: bytes, acc: Account) -> None:
        self.put(META, P_DIR + addr, acc.partition.encode())
        self._dir[addr] = acc.partition
        self.touch(addr, acc)

    def asset(self, asset_id: str) -> Asset | None:
        cached = self._assets.get(asset_id, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[no-any-return]
        raw = self.get(META, P_ASSET + asset_id.encode())
        asset = None if raw is None else Asset.decode(raw)
        self._assets[asset_id] = asset
        return asset

    def put_asset(self, asset: Asset) -> None:
        self.put(META, P_ASSET + asset.id.encode(), asset.encode())

    def supply(self, asset_id: str) -> tuple[int, int]:
        k = (META, _supply_key(asset_id))
        pending = self._lists.get(k)
        if pending is not None:  # set in this view, not yet encoded
            return pending[0], pending[1]
        raw = self.get(*k)
        if raw is None:
            return 0, 0
        minted, burned = unpack(raw)
        return int(minted), int(burned)

    def set_supply(self, asset_id: str, minted: int, burned: int) -> None:
        """Record the supply of ``asset_id``; encoded (``[minted, burned]``) when read
        raw or at :meth:`flush`, so an asset swapped many times in a block is encoded
        once (the same mechanism as :meth:`append`)."""
        k = (META, _supply_key(asset_id))
        self._lists[k] = [minted, burned]

    def chain(self) -> ChainInfo:
        raw = self.get(META, K_CHAIN)
        if raw is None:
            raise LookupError("state has no chain record: genesis was not applied")
        return ChainInfo.decode(raw)

    def merge(self, writes: dict[tuple[str, bytes], bytes | None]) -> None:
        """Layer ``writes`` (made by another view over this one) on top; drop caches."""
        self.flush()
        self.writes.update(writes)
        self._accounts.clear()
        self._assets.clear()
        self._dir.clear()

    def flush(self, *, final: bool = False) -> dict[tuple[str, bytes], bytes | None]:
        """Encode dirty accounts into ``writes`` and return all writes.

        ``final``: the view is done (no account it holds will change again), so each
        encoded account is handed to the decode memo under its new encoding, and the
        next block that reads those bytes skips decoding them."""
        for lk in list(self._lists):
            self._pack_list(lk)
        accounts, writes, dirty, keys = self._accounts, self.writes, self.dirty, _ACCOUNT_KEYS
        memo = _DECODED if final and DECODED_MEMO_MAX > 0 else None
        if memo is not None and len(memo) + len(dirty) > DECODED_MEMO_MAX:
            memo.clear()
        for addr in dirty:
            acc = accounts[addr]
            if acc is None:
                continue
            raw = acc.encode()
            key = keys.get(addr)
            if key is None or key[0] is not PARTITION_NS[acc.partition]:
                key = _account_key(addr, acc.partition)
            writes[key] = raw
            if memo is not None:  # _memoize(raw, acc), inline
                b = acc.balances
                if len(b) > 1 or acc.held or acc.locked or len(acc.enabled) > 1 or 0 in b.values():
                    _normalise(acc)
                memo[raw] = acc
        dirty.clear()
        if final:
            self._accounts.clear()
        return self.writes
