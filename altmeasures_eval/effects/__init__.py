"""effects."""

__all__: list[str] = []
