"""The performance benchmark (`make bench`): a tool, not a test. See docs/performance.md."""
