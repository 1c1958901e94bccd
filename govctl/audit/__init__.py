"""The tamper-evident audit log: every apply appends a hash-chained record.

`chain` writes and reads the log, `verify` checks it, `records` builds an
apply's record from its plan and result, and `recorder` is the one call the
apply command makes. docs/audit-log.md describes the format for people.
"""

from govctl.audit.records import file_digest, plan_digest

__all__ = ["file_digest", "plan_digest"]
