"""survival."""

__all__: list[str] = []
