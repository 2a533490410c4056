"""How a period's raw data comes in: the data-entry workbook (template), KoboToolbox forms and
exports (kobo), synthetic periods (synthetic) and bulletin No. 5's reconstruction (reconstruct/).
The contracts they write to are pipeline/data/ (codebook, periods, validation)."""
