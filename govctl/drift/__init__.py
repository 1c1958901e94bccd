"""Drift audits: what changed outside govctl, what exists that no state
manages, and which of it a reviewed, dated waiver accepts (`govctl drift`)."""
