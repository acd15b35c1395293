"""datawash: screen a police workforce against national records, review the hits, keep the
misconduct register and answer Freedom of Information requests from it."""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datawash.config import Settings, get_settings

__all__ = ["Settings", "__version__", "get_settings"]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Settings load pydantic-settings: imported when first asked for, so that
    # `datawash --help` stays fast.
    if name in ("Settings", "get_settings"):
        from datawash import config

        return getattr(config, name)
    raise AttributeError(name)
