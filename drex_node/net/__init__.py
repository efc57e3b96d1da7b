"""gRPC transport: server bootstrap, client channels and interceptors."""
