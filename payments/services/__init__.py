"""Use cases of the money side, one module per concern; callers import the module they use."""
