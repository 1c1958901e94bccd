"""Provider plugins: the protocol, discovery through entry points, schemas,
and an in-memory provider for tests (govctl.plugins.testing)."""
