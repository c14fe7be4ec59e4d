"""The memory layer: load a memory.edn, classify its entries, query and generate memories."""
