"""The expression language: types, values with unknown and sensitive marks,
conversion, evaluation and built-in functions."""
