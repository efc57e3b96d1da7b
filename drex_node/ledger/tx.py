"""Canonical transaction encoding, hashing, signing and strict decoding.

Wire format (docs/protocol/transactions.md, ADR 0001)::

    signed_tx = [body, [[pubkey32, sig64], ...]]              msgpack array
    body      = [version, chain_id, type, fields, nonce, expiry (, op_id)]
    tx_hash   = BLAKE2b-256("drex:tx:v1" || msgpack(body) || pubkey_1 || ... || pubkey_n)
    signature = Ed25519(sk, "drex:sig:v1" || tx_hash)

Decoding accepts only the canonical encoding: the bytes must equal the
re-encoding of what they decode to (minimal integer widths, bin for bytes, str for
text, no maps, floats or extension types), within explicit size limits.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

import msgpack
import nacl.bindings
import nacl.exceptions

from drex_node.ledger.codes import MAX_AMOUNT, RESERVED_TYPES, Reason, TxType

VERSION = 1
MAX_TX_BYTES = 16 * 1024
MAX_SIGNERS = 16
MAX_STR = 64
MAX_MEMO = 128
MAX_LEGS = 16
MAX_PARAMS = 32
MAX_OP_ID = 32
MAX_MEMBERS = 64
MAX_U64 = (1 << 64) - 1
TX_DOMAIN = b"drex:tx:v1"
SIG_DOMAIN = b"drex:sig:v1"
ADDR_DOMAIN = b"drex:addr:v1"


class TxDecodeError(Exception):
    """Bytes that are not a valid transaction; ``reason`` is the receipt code."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason.name}: {detail}")
        self.reason = reason
        self.detail = detail


def address_of(pubkey: bytes) -> bytes:
    """The 32-byte account address of an Ed25519 public key."""
    return hashlib.blake2b(ADDR_DOMAIN + pubkey, digest_size=32).digest()


def raw_hash(data: bytes) -> bytes:
    """Identifier for bytes that could not be decoded (receipts of garbage)."""
    return hashlib.blake2b(b"drex:raw:v1" + data, digest_size=32).digest()


class Tx(NamedTuple):
    """A decoded, shape-checked transaction (signatures not yet verified).

    A NamedTuple rather than a frozen dataclass: it is built once per transaction on the
    hot path, and tuple construction is several times cheaper."""

    raw: bytes
    hash: bytes
    version: int
    chain_id: str
    type: TxType
    fields: tuple[Any, ...]
    nonce: int
    expiry: int
    signatures: tuple[tuple[bytes, bytes], ...]
    sender: bytes  # address of the first signer: the account whose nonce is used
    op_id: bytes | None = None  # client operation id (idempotent submission)

    @property
    def signers(self) -> tuple[bytes, ...]:
        return tuple(pk for pk, _ in self.signatures)


# ---------------------------------------------------------------- field schemas
def _bin32(v: Any) -> bytes:
    if type(v) is not bytes or len(v) != 32:
        raise ValueError("expected 32 bytes")
    return v


def _name(v: Any) -> str:
    if type(v) is not str or not 0 < len(v) <= MAX_STR or not v.isprintable():
        raise ValueError(f"expected a printable string of 1..{MAX_STR} characters")
    return v


def _amount(v: Any) -> int:
    if type(v) is not int or not 0 < v <= MAX_AMOUNT:
        raise ValueError("expected a positive integer amount")
    return v


def _amount0(v: Any) -> int:
    if type(v) is not int or not 0 <= v <= MAX_AMOUNT:
        raise ValueError("expected a non-negative integer amount")
    return v


def _opt_name(v: Any) -> str:
    return "" if v == "" else _name(v)


def _members(v: Any) -> tuple[tuple[str, bytes, int, str], ...]:
    if type(v) is not list or not 1 <= len(v) <= MAX_MEMBERS:
        raise ValueError(f"expected 1..{MAX_MEMBERS} members")
    out = []
    for m in v:
        if type(m) is not list or len(m) != 4 or type(m[3]) is not str or len(m[3]) > 255:
            raise ValueError("a member is [id, pubkey32, weight, address]")
        weight = _u64(m[2])
        if weight < 1:
            raise ValueError("weights are >= 1")
        out.append((_name(m[0]), _bin32(m[1]), weight, m[3]))
    if len({m[0] for m in out}) != len(out) or len({m[1] for m in out}) != len(out):
        raise ValueError("member ids and keys must be unique")
    return tuple(out)


def _u64(v: Any) -> int:
    if type(v) is not int or not 0 <= v <= MAX_U64:
        raise ValueError("expected an unsigned 64-bit integer")
    return v


def _memo(v: Any) -> bytes:
    if type(v) is not bytes or len(v) > MAX_MEMO:
        raise ValueError(f"expected at most {MAX_MEMO} bytes")
    return v


def _legs(v: Any) -> tuple[tuple[bytes, bytes, str, int], ...]:
    if type(v) is not list or not 1 <= len(v) <= MAX_LEGS:
        raise ValueError(f"expected 1..{MAX_LEGS} legs")
    out = []
    for leg in v:
        if type(leg) is not list or len(leg) != 4:
            raise ValueError("a leg is [from, to, asset, amount]")
        out.append((_bin32(leg[0]), _bin32(leg[1]), _name(leg[2]), _amount(leg[3])))
    return tuple(out)


def _params(v: Any) -> tuple[tuple[str, int], ...]:
    if type(v) is not list or len(v) > MAX_PARAMS:
        raise ValueError(f"expected at most {MAX_PARAMS} [name, value] pairs")
    out = []
    for p in v:
        if type(p) is not list or len(p) != 2 or type(p[1]) is not int:
            raise ValueError("a parameter is [name, integer]")
        if not -(1 << 63) <= p[1] <= MAX_U64:
            raise ValueError("parameter value out of range")
        out.append((_name(p[0]), p[1]))
    names = [n for n, _ in out]
    if names != sorted(set(names)):
        raise ValueError("parameter names must be unique and sorted")
    return tuple(out)


SCHEMAS: dict[TxType, tuple[Any, ...]] = {
    TxType.CREATE_ACCOUNT: (_bin32, _name, _u64, _u64),  # owner key, partition, tier, flags
    TxType.TRANSFER: (_bin32, _name, _amount, _memo),  # to, asset, amount, memo
    TxType.SETTLE: (_legs,),
    TxType.MINT: (_bin32, _name, _amount),  # to, asset, amount
    TxType.BURN: (_name, _amount),  # asset, amount (from the issuer's own account)
    TxType.FREEZE: (_bin32, _u64),  # target address, reason code
    TxType.UNFREEZE: (_bin32, _u64),
    TxType.POLICY_UPDATE: (_name, _params, _u64),  # module, params, effective height
    TxType.COMMITTEE_CHANGE: (_u64, _members),  # epoch, [[id, pubkey, weight, address]]
    TxType.PAUSE: (_name,),  # asset
    TxType.UNPAUSE: (_name,),
    TxType.ENABLE_HOLDER: (_bin32, _name),  # account, asset
    TxType.DISABLE_HOLDER: (_bin32, _name),
    TxType.SWAP: (_bin32, _name, _name, _amount),  # payee, from asset, to asset, amount
    # counterparty, give asset, give amount, want asset ("" = none), want amount,
    # expiry in blocks (0 = none), expiry in ms of consensus time (0 = none)
    TxType.PROPOSE: (_bin32, _name, _amount, _opt_name, _amount0, _u64, _u64),
    TxType.ACCEPT: (_bin32,),  # proposal id (= hash of the Propose transaction)
    TxType.CANCEL: (_bin32, _u64),  # proposal id, reason code
    # operation id, counterparty, side (0 delivers the bond, 1 pays), bond asset, quantity,
    # cash asset, cash amount, expiry in blocks
    TxType.DVP_LEG: (_name, _bin32, _u64, _name, _amount, _name, _amount, _u64),
    TxType.DVP_CANCEL: (_name, _bin32),  # operation id, counterparty
    TxType.LOCK: (_bin32, _name, _amount, _u64),  # target, asset, amount, reason code
    TxType.UNLOCK: (_bin32, _name, _amount, _u64),
    TxType.FORCE_MOVE: (_bin32, _bin32, _name, _amount, _name),  # from, to, asset, amt, order
}


def _check_transfer(f: list[Any]) -> tuple[bytes, str, int, bytes]:
    """TRANSFER's schema ``(_bin32, _name, _amount, _memo)`` checked inline (the most
    frequent type: four calls fewer per transaction); on a bad field the schema's own
    checker runs and raises, so verdicts and messages are the same."""
    to, asset, amount, memo = f
    if type(to) is not bytes or len(to) != 32:
        _bin32(to)
    if type(asset) is not str or not 0 < len(asset) <= MAX_STR or not asset.isprintable():
        _name(asset)
    if type(amount) is not int or not 0 < amount <= MAX_AMOUNT:
        _amount(amount)
    if type(memo) is not bytes or len(memo) > MAX_MEMO:
        _memo(memo)
    return (to, asset, amount, memo)


def _fields_checker(schema: tuple[Any, ...]) -> Any:
    """One function checking a whole field list against ``schema`` (no per-field loop
    for the common short schemas: decoding is on the hot path)."""
    if schema == SCHEMAS[TxType.TRANSFER]:
        return _check_transfer
    if len(schema) == 1:
        (a,) = schema
        return lambda f: (a(f[0]),)
    if len(schema) == 2:
        a, b = schema
        return lambda f: (a(f[0]), b(f[1]))
    if len(schema) == 3:
        a, b, c = schema
        return lambda f: (a(f[0]), b(f[1]), c(f[2]))
    if len(schema) == 4:
        a, b, c, d = schema
        return lambda f: (a(f[0]), b(f[1]), c(f[2]), d(f[3]))
    if len(schema) == 5:
        a, b, c, d, e = schema
        return lambda f: (a(f[0]), b(f[1]), c(f[2]), d(f[3]), e(f[4]))
    if len(schema) == 7:  # PROPOSE
        a, b, c, d, e, g, h = schema
        return lambda f: (a(f[0]), b(f[1]), c(f[2]), d(f[3]), e(f[4]), g(f[5]), h(f[6]))
    if len(schema) == 8:  # DVP_LEG
        a, b, c, d, e, g, h, i = schema
        return lambda f: (
            a(f[0]),
            b(f[1]),
            c(f[2]),
            d(f[3]),
            e(f[4]),
            g(f[5]),
            h(f[6]),
            i(f[7]),
        )
    return lambda f: tuple([check(v) for check, v in zip(schema, f, strict=True)])


_CHECKERS = {t: (len(schema), _fields_checker(schema)) for t, schema in SCHEMAS.items()}


def _reject_ext(code: int, data: bytes) -> Any:
    raise ValueError("extension types are not allowed")


def _unpack(data: bytes) -> Any:
    """msgpack with the strict limits. ``raw=False``, ``use_list``, ``strict_map_key`` are
    unpackb's defaults, and so, in effect, are bin and str lengths capped at
    ``MAX_TX_BYTES``: unpackb caps them at ``len(data)``, never more (checked by the
    caller); fewer keyword arguments are cheaper to parse on every transaction."""
    return _unpackb(data, max_array_len=1024, max_map_len=0, max_ext_len=0, ext_hook=_reject_ext)


_unpackb = msgpack.unpackb


_TYPES = {t.value: t for t in TxType}
_local = threading.local()


def _pack(obj: Any) -> bytes:
    packer = getattr(_local, "packer", None)
    if packer is None:
        packer = _local.packer = msgpack.Packer(use_bin_type=True)
    return packer.pack(obj)  # type: ignore[no-any-return]


def _pack_decoded(obj: Any) -> bytes:
    """:func:`_pack` for what ``unpackb`` returns (exact lists, ints, str, bytes, floats,
    None, booleans), with this thread's strict-types packer: no ``isinstance(o,
    ExtType)`` check per list, the same bytes. Anything else (never produced by a
    decode) is handed to the lenient packer."""
    try:
        packer = _local.exact
    except AttributeError:
        packer = _local.exact = msgpack.Packer(use_bin_type=True, strict_types=True)
    try:
        return packer.pack(obj)  # type: ignore[no-any-return]
    except TypeError:
        return _pack(obj)


_RESERVED = frozenset(int(t) for t in RESERVED_TYPES)


def decode(data: bytes, *, chain_id: str | None = None) -> Tx:
    """Strictly decode one signed transaction; raise :class:`TxDecodeError` otherwise."""
    if type(data) is not bytes:
        if not isinstance(data, bytearray | memoryview):
            raise TxDecodeError(Reason.MALFORMED, "not bytes")
        data = bytes(data)
    if len(data) > MAX_TX_BYTES:
        raise TxDecodeError(Reason.OVERSIZED, f"{len(data)} bytes > {MAX_TX_BYTES}")
    try:
        obj = _unpack(data)
    except Exception as exc:  # msgpack raises several unrelated types on garbage
        raise TxDecodeError(Reason.MALFORMED, f"not msgpack: {type(exc).__name__}") from None
    if type(obj) is not list or len(obj) != 2 or type(obj[0]) is not list:
        raise TxDecodeError(Reason.MALFORMED, "expected [body, signatures]")
    body, sigs = obj
    if len(body) not in (6, 7):
        raise TxDecodeError(Reason.MALFORMED, "body must have 6 or 7 elements")
    # Canonical iff the bytes are 0x92 || pack(body) || pack(sigs).
    body_bytes = _pack_decoded(body)
    s0 = sigs[0] if type(sigs) is list and len(sigs) == 1 else None
    if (  # one signer, well formed: the common case, checked inline
        type(s0) is list
        and len(s0) == 2
        and type(pk0 := s0[0]) is bytes
        and len(pk0) == 32
        and type(sig0 := s0[1]) is bytes
        and len(sig0) == 64
    ):
        pairs: tuple[tuple[bytes, bytes], ...] | None = ((pk0, sig0),)
        canonical = data == _ONE_SIGNER % (body_bytes, pk0, sig0)
    else:
        pairs = _sig_pairs(sigs)
        sigs_bytes = _pack(sigs) if pairs is None else _sigs_bytes(pairs)
        n = len(body_bytes) + 1
        canonical = data[0] == 0x92 and data[1:n] == body_bytes and data[n:] == sigs_bytes
    if not canonical:
        raise TxDecodeError(Reason.NON_CANONICAL, "bytes are not the canonical encoding")
    version, chain, ttype, fields, nonce, expiry = body[:6]
    op_id = body[6] if len(body) == 7 else None
    if op_id is not None and (type(op_id) is not bytes or not 0 < len(op_id) <= MAX_OP_ID):
        raise TxDecodeError(Reason.MALFORMED, f"operation id must be 1..{MAX_OP_ID} bytes")
    if type(version) is not int or version != VERSION:
        raise TxDecodeError(Reason.BAD_VERSION, f"version {version!r} is not {VERSION}")
    if type(chain) is not str or not chain:
        raise TxDecodeError(Reason.MALFORMED, "chain id must be a string")
    if chain_id is not None and chain != chain_id:
        raise TxDecodeError(Reason.WRONG_CHAIN, f"chain id {chain!r} is not {chain_id!r}")
    txtype = _TYPES.get(ttype) if type(ttype) is int else None
    if txtype is None:
        raise TxDecodeError(Reason.UNKNOWN_TYPE, f"unknown type {ttype!r}")
    if ttype in _RESERVED:
        raise TxDecodeError(Reason.UNSUPPORTED_TYPE, f"{txtype.name} is reserved")
    if type(nonce) is not int or not 0 < nonce <= MAX_U64:
        raise TxDecodeError(Reason.MALFORMED, "nonce must be a positive 64-bit integer")
    if type(expiry) is not int or not 0 <= expiry <= MAX_U64:
        raise TxDecodeError(Reason.MALFORMED, "expiry must be an unsigned 64-bit integer")
    arity, check_fields = _CHECKERS[txtype]
    if type(fields) is not list or len(fields) != arity:
        raise TxDecodeError(Reason.BAD_FIELDS, f"{txtype.name} takes {arity} fields")
    try:
        checked = check_fields(fields)
    except ValueError as exc:
        raise TxDecodeError(Reason.BAD_FIELDS, f"{txtype.name}: {exc}") from None
    if type(sigs) is not list or not 1 <= len(sigs) <= MAX_SIGNERS:
        raise TxDecodeError(Reason.MALFORMED, f"1..{MAX_SIGNERS} signatures required")
    if pairs is None:
        raise TxDecodeError(Reason.MALFORMED, "a signature is [pubkey32, sig64]")
    if len(pairs) > 1 and len({pk for pk, _ in pairs}) != len(pairs):
        raise TxDecodeError(Reason.MALFORMED, "duplicate signer")
    first = pairs[0][0]
    h = _TX_HASHER.copy()
    h.update(body_bytes)
    if len(pairs) == 1:
        h.update(first)
    else:
        for pk, _sig in pairs:
            h.update(pk)
    txh = h.digest()
    sender = _ADDRESSES.get(first)
    if sender is None:
        sender = address_of(first)
        if len(_ADDRESSES) >= _ADDRESS_CACHE:
            _ADDRESSES.clear()
        _ADDRESSES[first] = sender
    return _new_tx(
        Tx, (data, txh, version, chain, txtype, checked, nonce, expiry, pairs, sender, op_id)
    )


# [body, [[pubkey, signature]]] with one signer: 0x92, the body, then the signature list
_ONE_SIGNER = b"\x92%b\x91\x92\xc4\x20%b\xc4\x40%b"
_new_tx = tuple.__new__  # every field given: skips the NamedTuple's Python-level __new__
_TX_HASHER = hashlib.blake2b(TX_DOMAIN, digest_size=32)  # copied per transaction
_ADDRESS_CACHE = 1 << 18
_ADDRESSES: dict[bytes, bytes] = {}  # pubkey -> address (a pure function, memoised)


def _sig_pairs(sigs: Any) -> tuple[tuple[bytes, bytes], ...] | None:
    """``sigs`` as (pubkey, signature) pairs, or None unless it is a list of
    ``[bytes32, bytes64]`` lists (the count is checked by the caller)."""
    if type(sigs) is not list:
        return None
    pairs = []
    for s in sigs:
        if (
            type(s) is not list
            or len(s) != 2
            or type(s[0]) is not bytes
            or len(s[0]) != 32
            or type(s[1]) is not bytes
            or len(s[1]) != 64
        ):
            return None
        pairs.append((s[0], s[1]))
    return tuple(pairs)


def _sigs_bytes(pairs: tuple[tuple[bytes, bytes], ...]) -> bytes:
    """The canonical msgpack encoding of well-formed signature pairs (what
    ``packb`` gives, built without a packer)."""
    count = len(pairs)
    header = bytes([0x90 | count]) if count < 16 else b"\xdc" + count.to_bytes(2, "big")
    return header + b"".join(b"\x92\xc4\x20" + pk + b"\xc4\x40" + sig for pk, sig in pairs)


def verify_signatures(tx: Tx) -> bool:
    """True when every signature is a valid Ed25519 signature of the transaction hash."""
    msg = SIG_DOMAIN + tx.hash
    for pk, sig in tx.signatures:
        try:
            nacl.bindings.crypto_sign_open(sig + msg, pk)
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError):
            return False
    return True


# ---------------------------------------------------------------- building
def _wire(v: Any) -> Any:
    if isinstance(v, tuple | list):
        return [_wire(x) for x in v]
    return v


def encode_body(
    chain_id: str,
    txtype: TxType,
    fields: Sequence[Any],
    nonce: int,
    expiry: int,
    op_id: bytes | None = None,
) -> list[Any]:
    """The body array of a transaction (not yet signed); ``op_id`` makes it idempotent."""
    body = [VERSION, chain_id, int(txtype), _wire(fields), nonce, expiry]
    return body if op_id is None else [*body, op_id]


def body_hash(body: list[Any], signers: Sequence[bytes]) -> bytes:
    """``tx_hash`` of a body array signed by ``signers`` (public keys, sender first).

    The signers are part of the hash: the same body sent by two accounts is two
    different transactions."""
    return hashlib.blake2b(
        TX_DOMAIN + msgpack.packb(body, use_bin_type=True) + b"".join(signers), digest_size=32
    ).digest()


def sign_body(body: list[Any], signing_keys: Sequence[bytes]) -> bytes:
    """Sign ``body`` with each 32-byte Ed25519 seed, in order, and return the wire bytes."""
    keys = [nacl.bindings.crypto_sign_seed_keypair(seed) for seed in signing_keys]
    msg = SIG_DOMAIN + body_hash(body, [pk for pk, _ in keys])
    sigs = [[pk, nacl.bindings.crypto_sign(msg, sk)[:64]] for pk, sk in keys]
    return bytes(msgpack.packb([body, sigs], use_bin_type=True))


def build(
    chain_id: str,
    txtype: TxType,
    fields: Sequence[Any],
    nonce: int,
    expiry: int,
    signing_keys: Sequence[bytes],
    op_id: bytes | None = None,
) -> bytes:
    """Encode and sign a transaction; ``signing_keys`` are Ed25519 seeds, sender first."""
    return sign_body(encode_body(chain_id, txtype, fields, nonce, expiry, op_id), signing_keys)


def public_key(seed: bytes) -> bytes:
    """The Ed25519 public key of a 32-byte seed."""
    return bytes(nacl.bindings.crypto_sign_seed_keypair(seed)[0])
