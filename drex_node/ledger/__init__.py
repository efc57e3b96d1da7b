"""The ledger state machine: transaction format, state model, pure block execution."""
