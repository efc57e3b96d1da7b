"""Errors of the local-network tools, in a module that imports nothing heavy (``drex-node
run`` must not import grpc before it has set grpc's process settings, ADR 0089)."""


class LayoutError(ValueError):
    """A network directory, ``network.json`` or network parameter that cannot be used;
    the message names the file or the parameter."""
