"""The long-running per-user daemon: sessions, project registry, watcher, jobs."""
