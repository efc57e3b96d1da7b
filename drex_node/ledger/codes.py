"""Transaction type codes, receipt reason codes and account flags (wire constants).

These numbers are part of the protocol (docs/protocol/transactions.md): never reuse or
renumber one; add new ones at the end.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag


class TxType(IntEnum):
    CREATE_ACCOUNT = 1
    TRANSFER = 2
    SETTLE = 3
    MINT = 4
    BURN = 5
    FREEZE = 6
    UNFREEZE = 7
    POLICY_UPDATE = 8
    COMMITTEE_CHANGE = 9  # reserved: arrives with the node/consensus integration
    Z_REGISTER = 10  # reserved: confidential transfers
    Z_FUND = 11
    Z_TRANSFER = 12
    Z_BURN = 13
    PAUSE = 14  # asset-level pause (authority)
    UNPAUSE = 15
    ENABLE_HOLDER = 16  # issuer enables an account to hold its restricted asset
    DISABLE_HOLDER = 17
    SWAP = 18  # interbank swap in one step
    PROPOSE = 19  # two-step settlement: escrow and offer
    ACCEPT = 20
    CANCEL = 21
    DVP_LEG = 22  # bond DvP by double command
    DVP_CANCEL = 23
    LOCK = 24  # partial freeze of an amount (authority or regulator)
    UNLOCK = 25
    FORCE_MOVE = 26  # court-ordered move (authority)


RESERVED_TYPES = frozenset({TxType.Z_REGISTER, TxType.Z_FUND, TxType.Z_TRANSFER, TxType.Z_BURN})


class Reason(IntEnum):
    """Why a transaction was rejected (0 = applied). Stable, machine-readable."""

    OK = 0
    MALFORMED = 1  # not a msgpack transaction of the expected shape
    NON_CANONICAL = 2  # decodes, but is not the canonical encoding
    OVERSIZED = 3  # larger than MAX_TX_BYTES or a field over its limit
    BAD_VERSION = 4
    WRONG_CHAIN = 5
    UNKNOWN_TYPE = 6
    UNSUPPORTED_TYPE = 7  # reserved type code, not enabled yet
    BAD_FIELDS = 8  # fields of the wrong shape for the type
    BAD_SIGNATURE = 9
    MISSING_SIGNATURE = 10  # a required signer did not sign
    EXPIRED = 11
    NONCE_REPLAY = 12  # nonce already used (replay or duplicate)
    NONCE_GAP = 13  # nonce ahead of the account's next nonce
    UNKNOWN_ACCOUNT = 14
    ACCOUNT_EXISTS = 15
    UNKNOWN_ASSET = 16
    UNKNOWN_PARTITION = 17
    INVALID_AMOUNT = 18
    INSUFFICIENT_FUNDS = 19
    ACCOUNT_FROZEN = 20
    UNAUTHORIZED = 21  # signer lacks the role for this operation
    POLICY_REJECTED = 22  # a regulatory rule rejected it (detail in the receipt)
    CREDIT_REFUSED = 23  # cross-partition credit refused; the debit was refunded
    UNKNOWN_POLICY = 24
    BAD_POLICY_PARAMS = 25
    SELF_TRANSFER = 26
    TOO_LATE = 27  # effective height already passed
    OVERFLOW = 28  # a balance or supply would exceed the 2^128 - 1 cap
    ASSET_PAUSED = 29
    NOT_ENABLED = 30  # the receiver may not hold this asset (wholesale / deposit rules)
    UNKNOWN_OPERATION = 31  # no such proposal or DvP operation
    NOT_COUNTERPARTY = 32  # only the named counterparty may accept
    OPERATION_CLOSED = 33  # already settled, cancelled or expired
    MISMATCHED_LEGS = 34  # the two DvP legs do not describe the same trade
    DUPLICATE_OPERATION = 35  # client operation id already used (detail: original tx hash)
    OPERATION_ID_IN_USE = 36  # a DvP operation id belongs to another pair
    FUNDS_LOCKED = 37  # enough balance, but part of it is locked or escrowed
    NOT_INITIATOR = 38  # only the proposer / initiator may cancel
    BAD_EXPIRY = 39
    BAD_COMMITTEE = 40


class AccountFlag(IntFlag):
    """Roles and capabilities of an account (bitmask, stored in the account)."""

    NONE = 0
    AUTHORITY = 1  # the central bank's authority key
    REGULATOR = 2  # may freeze / unfreeze
    BANK_TIER1 = 4  # may create accounts (did the KYC)
    BANK_TIER2 = 8
    RESERVE_HOLDER = 16  # may hold wholesale BRL
    TREASURY = 32
    INSTITUTION = 64


class AccountStatus(IntEnum):
    ACTIVE = 0
    FROZEN = 1


# The largest amount, balance and supply counter: msgpack's largest unsigned integer, so
# every value the ledger may store encodes (a larger cap let two mints build a balance
# that failed to encode at the end of the block, which would have halted the chain).
MAX_AMOUNT = (1 << 64) - 1
