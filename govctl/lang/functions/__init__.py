"""Built-in functions. Importing this package registers all of them."""

from govctl.lang.functions import base
from govctl.lang.functions.base import FUNCTIONS, CallContext, Function, FunctionError, Param

_MODULES = ("numeric", "strings", "collections", "encoding", "filesystem", "datetime",
            "crypto", "network", "conversion")


def load_all() -> dict[str, Function]:
    """Import every function module once (they register on import)."""
    import importlib

    for name in _MODULES:
        try:
            importlib.import_module(f"govctl.lang.functions.{name}")
        except ModuleNotFoundError as exc:  # a module not written yet
            if exc.name != f"govctl.lang.functions.{name}":
                raise
    return FUNCTIONS


__all__ = ["FUNCTIONS", "CallContext", "Function", "FunctionError", "Param", "base", "load_all"]
