"""The platform-neutral core: message/card model, registry, ports and feature handlers."""
