"""Stage 1, reading a source: an article file or page fetched, parsed, its language decided."""
