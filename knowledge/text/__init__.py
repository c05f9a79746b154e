"""Chinese text handling shared by indexing and querying: normalisation and tokenisation."""
