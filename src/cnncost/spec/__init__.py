"""Specs: strict YAML (``yamlio``) into line-marked containers (``marked``), their JSON parse
cache (``cache``), schema validation (``schema``), the zoo index (``zoo``), bindings of
``--set``/``--input`` (``bindings``) and expansion of a spec into a graph (``expand``, reusing
repeated block calls through ``reuse``)."""
