"""One module per export family; each exposes FORMATS."""
