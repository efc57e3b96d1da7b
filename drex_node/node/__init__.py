"""The node composition root: wires config, storage, ledger, consensus, services."""
