"""gRPC API layer: error conventions, backend protocols and the servicers.

Servicers only convert between protobuf messages and the plain dataclasses of
:mod:`drex_node.api.backends`, and delegate to a backend; generated code lives in
``drex_node.api._generated`` and is imported only here and in ``drex_node.net``.
"""
