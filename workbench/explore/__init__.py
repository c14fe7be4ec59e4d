"""Interactive exploration in JupyterLab (only notebooks import this)."""
