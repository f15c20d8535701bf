"""adapters.teams."""
