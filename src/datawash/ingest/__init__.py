"""Reading input files: formats, column mapping, validation and normalisation."""
