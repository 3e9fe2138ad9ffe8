"""Imported by the synthesis forkserver only (``set_forkserver_preload``): the forkserver dies
with the process that started it, and its workers die with it (see ``cleanup.die_with_parent``)."""

from audiogen.cleanup import die_with_parent

die_with_parent()
