"""What comes in: a period's raw data and the contracts it is checked against.

periods (period.yml), codebook (schemas/*.yml: the raw files' contracts), validation and rawtext
(reading what observers deliver), gazetteer (place names), io (reading raw and processed tables,
writing tables), privacy (small counts), synthetic and reconstruct (made-up and rebuilt periods).
Nothing here imports from the parts, the outputs or the run machinery.
"""
