"""adapters.groupware."""
