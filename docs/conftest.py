"""The docs build's griffe extension needs the docs extras; it is not a doctest module."""

collect_ignore = ["_ext"]
