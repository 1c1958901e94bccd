"""govctl: declarative governance for machine-learning platforms.

Kept import-light on purpose: `govctl --version` must not pay for tree-sitter,
pydantic or any cloud SDK.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
