"""StateView behaviour beyond plain reads and writes."""

from __future__ import annotations

from drex_node.storage import MemoryStore


def test_view_append_encodes_once_and_reads_back_consistently() -> None:
    """``StateView.append`` equals read-unpack-append-pack-put, however reads, puts and
    deletes interleave with it."""
    from drex_node.ledger.state import META, StateView, pack, unpack

    store = MemoryStore()
    store.create_namespace(META)
    store.put(META, b"l", pack([["p", b"0"]]))
    view = StateView(store)
    for i in range(1, 4):
        view.append(META, b"l", ["d", bytes([i])])
    assert unpack(view.get(META, b"l")) == [
        ["p", b"0"],
        ["d", b"\x01"],
        ["d", b"\x02"],
        ["d", b"\x03"],
    ]
    view.append(META, b"l", ["p", b"4"])  # after a read
    view.append(META, b"new", ["p", b"5"])
    view.put(META, b"new", pack([["x", b"6"]]))  # a put replaces pending appends
    view.append(META, b"gone", ["p", b"7"])
    view.delete(META, b"gone")
    writes = view.flush()
    assert (
        unpack(writes[(META, b"l")])[-1] == ["p", b"4"] and len(unpack(writes[(META, b"l")])) == 5
    )
    assert unpack(writes[(META, b"new")]) == [["x", b"6"]]
    assert writes[(META, b"gone")] is None
