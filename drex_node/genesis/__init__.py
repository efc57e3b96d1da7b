"""Genesis: the file format, its validator and the initial state it produces."""

from drex_node.genesis.model import Genesis, GenesisError, load_genesis, parse_genesis
from drex_node.genesis.state import genesis_writes, init_store

__all__ = [
    "Genesis",
    "GenesisError",
    "genesis_writes",
    "init_store",
    "load_genesis",
    "parse_genesis",
]
