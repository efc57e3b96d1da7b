"""Make unsynced RocksDB writes durable with ``os.fsync``, which releases the GIL.

rocksdict holds the GIL for the whole of a synced ``write``, fsync included: every
group-commit fsync of the engine and every block commit froze the event loop (and every
other thread) for the fsync's duration, 5–15 ms on a busy disk, hundreds of times a
second under load (ADR 0070). A write with ``sync=False`` is appended to RocksDB's
write-ahead log and handed to the OS before ``write`` returns (the default, without
``manual_wal_flush``); fsyncing the log files and the directory afterwards makes it
exactly as durable as a synced write would have, and ``os.fsync`` lets the event loop run
meanwhile. Recovery is RocksDB's own: it replays the log up to its last complete record.

When the directory holds no log file (another layout, another backend) ``sync`` says
so and the caller falls back to a synced write through the store.
"""

from __future__ import annotations

import os

WAL_SUFFIX = ".log"  # RocksDB names its write-ahead logs NNNNNN.log in the database directory


class WalSync:
    """fsync of the write-ahead log files of one RocksDB directory."""

    def __init__(self, db_dir: str | os.PathLike[str]) -> None:
        self.db_dir = os.fspath(db_dir)
        # The log files whose directory entries a directory fsync has made durable: the
        # directory needs syncing again only once a new log file appears (RocksDB creates
        # one when it switches memtables), not on every sync (about a third of the time
        # of each group commit's fsync under load).
        self._dir_synced: frozenset[str] = frozenset()
        self.dir_syncs = 0

    def logs(self) -> list[str]:
        """Paths of the write-ahead log files present now."""
        try:
            names = os.listdir(self.db_dir)
        except FileNotFoundError:
            return []
        return [os.path.join(self.db_dir, n) for n in sorted(names) if n.endswith(WAL_SUFFIX)]

    def sync(self) -> bool:
        """Make every write handed to the store before this call durable; False (nothing
        done) when there is no log file to sync: the caller must write synced instead."""
        logs = self.logs()
        if not logs:
            return False
        for path in logs:
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue  # a log is deleted only after its memtable was flushed and synced
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        names = frozenset(logs)
        if not names <= self._dir_synced:  # a log created since the last directory sync
            fd = os.open(self.db_dir, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            self._dir_synced = names
            self.dir_syncs += 1
        return True
