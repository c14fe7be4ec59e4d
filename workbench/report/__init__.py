"""The report layer: run the notebooks, collect their findings, write the index."""
