"""One module per command: each takes an options object and returns an exit code.

Printing goes through govctl.render; nothing here parses flags.
"""
