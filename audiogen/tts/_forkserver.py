"""Imported by the synthesis forkserver only (``set_forkserver_preload``): the forkserver dies
with the process that started it, and its workers die with it (see ``cleanup.die_with_parent``).
What every worker needs and is slow to import is imported here, once for all of them."""

from audiogen.cleanup import die_with_parent

die_with_parent()

# Each worker levels its clips with scipy.signal's sosfilt (audio.mix): ~0.8 CPU-s to import.
import scipy.signal  # noqa: E402,F401
