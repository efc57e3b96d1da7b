"""drex-node: node software for a permissioned DAG ledger running a DREX-style CBDC."""

__version__ = "0.1.0"
