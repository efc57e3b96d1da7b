"""Client-side access to the generated messages and stubs for the rest of the node.

Only ``drex_node.api`` and ``drex_node.net`` import generated code (DESIGN §2); runtime,
tools and CLIs import the modules they need from here.
"""

from drex_node.api._generated.drex.admin.v1 import admin_pb2, admin_pb2_grpc
from drex_node.api._generated.drex.audit.v1 import audit_pb2, audit_pb2_grpc
from drex_node.api._generated.drex.consensus.v1 import consensus_pb2, consensus_pb2_grpc
from drex_node.api._generated.drex.ledger.v1 import ledger_pb2, ledger_pb2_grpc, types_pb2

__all__ = [
    "admin_pb2",
    "admin_pb2_grpc",
    "audit_pb2",
    "audit_pb2_grpc",
    "consensus_pb2",
    "consensus_pb2_grpc",
    "ledger_pb2",
    "ledger_pb2_grpc",
    "types_pb2",
]
