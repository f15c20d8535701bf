"""adapters.erp."""
