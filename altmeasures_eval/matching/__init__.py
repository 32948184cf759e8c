"""matching."""

__all__: list[str] = []
