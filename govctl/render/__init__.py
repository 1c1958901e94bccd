"""Renderers: turn results into text for people (terminal) and machines."""
