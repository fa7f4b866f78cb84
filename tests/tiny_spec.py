"""A tiny spec shared by the memory, fit and ledger tests: one layer of each memory rule."""

TINY = """\
cnncost: 1
name: tiny
input: [3, 8, 8]
layers:
  - conv: {c: 4, k: 3, p: 1}
  - bn
  - relu
  - maxpool: {k: 2}
  - flatten
  - dropout: {p: 0.5}
  - linear: {out: 10}
"""
