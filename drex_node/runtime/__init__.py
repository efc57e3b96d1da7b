"""The asyncio runtime: consensus driver, admission, block commit, sync, transport."""
