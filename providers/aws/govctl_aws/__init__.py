"""govctl's AWS provider, registered under the `govctl.providers` entry point."""

__version__ = "0.1.0"
