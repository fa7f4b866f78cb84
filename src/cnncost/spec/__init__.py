"""Specs: strict YAML (``yamlio``), schema validation and the zoo index (``schema``), bindings of
``--set``/``--input`` (``bindings``) and expansion of a spec into a graph (``expand``)."""
