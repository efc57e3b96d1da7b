"""Node configuration: TOML per node, with defaults, test defaults and validation."""

from drex_node.config.load import dump_config, load_config, parse_config
from drex_node.config.model import (
    AdmissionConfig,
    ConfigError,
    ConsensusSection,
    MetricsConfig,
    NetworkConfig,
    NodeConfig,
    NodeSection,
)

__all__ = [
    "AdmissionConfig",
    "ConfigError",
    "ConsensusSection",
    "MetricsConfig",
    "NetworkConfig",
    "NodeConfig",
    "NodeSection",
    "dump_config",
    "load_config",
    "parse_config",
]
