"""Configuration: HCL files -> a checked module tree, and its evaluation."""
