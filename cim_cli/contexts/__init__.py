"""JSON-LD contexts pinned in cim (byte for byte from their publishers; hashes in cim_cli/trust/jsonld.py)."""
