"""A local multi-process network on loopback: layout, process control, load, status."""
