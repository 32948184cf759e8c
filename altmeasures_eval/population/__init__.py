"""population."""

__all__: list[str] = []
