"""Document uploads of a claim: streaming intake, isolated checking and merging, storage."""
