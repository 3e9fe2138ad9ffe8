"""Stage 2, rendering: a Script planned, synthesized, assembled, encoded and tagged into an Episode."""
