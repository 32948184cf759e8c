"""costs."""

__all__: list[str] = []
