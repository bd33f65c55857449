"""Differentiable primitives: each op is one ``Function`` subclass."""
