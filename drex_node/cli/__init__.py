"""Console entry points: drex-node, drex-testnet, drex-wallet."""
