"""The order use cases, one module per concern; callers import the module they use."""
