"""Policies as code: `policy` blocks checked against planned or live objects."""
