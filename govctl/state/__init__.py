"""State: what govctl remembers between runs (model), its file format
(statefile), where it is kept (local backend, with lock and journal) and the
`state`/`output` commands. Submodules are imported directly; this package
imports nothing so that `govctl --version` stays light."""
