"""Pure functions from results to text: tables, markdown, csv, json, html, and SVG plots."""
