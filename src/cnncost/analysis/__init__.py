"""Analyses built on the expanded graph: training compute and the time model."""
