"""datawash: screen a police workforce against national records, review the hits, keep the
misconduct register and answer Freedom of Information requests from it."""

from datawash.config import Settings, get_settings

__all__ = ["Settings", "__version__", "get_settings"]

__version__ = "0.1.0"
