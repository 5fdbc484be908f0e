"""Thin command-line client: speaks JSON-RPC to the daemon, never imports the engine."""
