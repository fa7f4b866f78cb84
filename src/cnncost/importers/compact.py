def compact_spec(doc):
    return doc
