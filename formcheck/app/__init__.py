"""The Streamlit app's back-end: upload checks, samples, tables for the pages, and the live camera board."""
