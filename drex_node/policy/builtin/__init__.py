"""Built-in policy modules shipped with drex-node."""
