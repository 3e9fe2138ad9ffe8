"""Make eSpeak NG available to pyttsx3 from PyPI alone.

pyttsx3's espeak driver opens ``libespeak-ng.so.1`` by name. We load the copy
shipped by ``espeakng-loader`` first (the driver's dlopen then finds the
already-loaded library by its soname) and point ESPEAK_DATA_PATH at its data.
A system eSpeak NG is used only when the wheel is missing.

The library is loaded RTLD_LOCAL: Piper links its own eSpeak NG statically, and a
global libespeak-ng would interpose its ``espeak_*`` symbols (a crash when both
engines run in one process).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

from audiogen.errors import EngineError

_loaded: str | None = None


def ensure_espeak() -> str:
    """Load eSpeak NG once per process; return where it came from."""
    global _loaded
    if _loaded is not None:
        return _loaded
    try:
        import espeakng_loader  # optional: else the system's eSpeak NG
    except ImportError:
        espeakng_loader = None
    if espeakng_loader is not None:
        os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_LOCAL)
        _loaded = espeakng_loader.get_library_path()
        return _loaded
    system = ctypes.util.find_library("espeak-ng")
    if system:
        ctypes.CDLL(system, mode=ctypes.RTLD_LOCAL)
        _loaded = system
        return _loaded

    raise EngineError("eSpeak NG is not available: reinstall audiogen (pip install .) to get espeakng-loader")


def data_path() -> str | None:
    return os.environ.get("ESPEAK_DATA_PATH")


def variants() -> list[str]:
    """Names of eSpeak voice variants (``+f3``, ``+m1``...) in the data folder."""
    base = data_path()
    if not base:
        return []
    folder = os.path.join(base, "voices", "!v")
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []
