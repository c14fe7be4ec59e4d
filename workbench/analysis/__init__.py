"""The analysis layer: profile the data and infer, map and check a Datalevin schema."""
