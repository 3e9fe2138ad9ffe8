"""Speech engines behind one small protocol and one registry.

An engine is a module of this package named ``*_engine.py`` (or any module, or an
``audiogen.engines`` entry point) that registers itself with one call::

    register("fake", FakeEngine)                       # FakeEngine() builds it, once per process
    register("piper", PiperEngine, natural=True, priority=10, aliases=("joe",))

``get_engine(name)`` builds it once per process; ``--engine`` offers every registered
name plus ``auto``. ``auto`` picks, per language and role, the voice of the best
*natural* (neural) engine that speaks the language, and eSpeak NG (pyttsx3) for
every other language. A resolved :class:`Voice` names the engine that speaks it, so
one episode can mix engines (say, a natural narrator and a natural quote voice from
another model).
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import threading
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Callable, Protocol, runtime_checkable

import numpy as np

from audiogen.errors import EngineError

AUTO = "auto"
FALLBACK = "pyttsx3"  # eSpeak NG speaks ~100 languages: the engine of last resort
ROLES = ("narrator", "quote")


@dataclass(frozen=True)
class Voice:
    """A resolved voice: the engine that speaks it, its engine-specific id and the
    settings that change the sound."""

    id: str
    rate: int = 175
    pitch: int | None = None
    name: str = ""
    engine: str = ""


@dataclass(frozen=True)
class VoiceInfo:
    """One entry of an engine's voice list, for ``audiogen voices``."""

    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


@dataclass(frozen=True)
class Audio:
    """Mono 16-bit PCM as produced by an engine."""

    samples: np.ndarray  # int16, 1-D
    rate: int


@runtime_checkable
class Engine(Protocol):
    """What every engine offers. Engines are built once per process and reused."""

    name: str

    def version(self) -> str:
        """Changes whenever the sound may change (package and model versions): clips are cached by it."""
        ...

    def languages(self) -> tuple[str, ...]:
        """Language codes this engine speaks well enough to be chosen for them (``en``, ``en-us``)."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def default_voice(self, role: str, language: str = "en") -> str | None:
        """This engine's voice for ``role`` in ``language``, or None when it has none it recommends."""
        ...

    def resolve(self, voice: str | None, *, role: str = "narrator", language: str = "en", rate: int = 175,
                pitch: int | None = None) -> Voice:
        """Turn a user's voice name (None = the default for role and language) into a Voice
        whose ``engine`` is this engine's name, or raise EngineError (never fall back silently)."""
        ...

    def synthesize(self, text: str, voice: Voice) -> Audio: ...


@dataclass(frozen=True)
class EngineSpec:
    """A registered engine: how to build it and how ``auto`` ranks it."""

    name: str
    factory: Callable[[], Engine]
    natural: bool = False  # a neural voice: preferred by ``auto`` for the languages it speaks
    priority: int = 0  # among natural engines, higher is asked first
    aliases: tuple[str, ...] = ()
    packages: tuple[str, ...] = ()  # PyPI distributions whose versions shape its sound
    description: str = ""

    @property
    def module(self) -> str:
        return getattr(self.factory, "__module__", "") or ""


_specs: dict[str, EngineSpec] = {}
_aliases: dict[str, str] = {}
_instances: dict[str, Engine] = {}
_lock = threading.RLock()
_discovered = False


def register(name: str, factory: Callable[[], Engine], *, natural: bool = False, priority: int = 0,
             aliases: tuple[str, ...] = (), packages: tuple[str, ...] = (), description: str = "") -> None:
    """Make an engine available as ``--engine name`` (one call per engine; registering a
    name again replaces it). ``factory()`` builds the engine; it may raise EngineError
    when the engine's packages are not installed."""
    key = name.lower()
    if key == AUTO:
        raise ValueError(f"{AUTO!r} is reserved")
    with _lock:
        _specs[key] = EngineSpec(key, factory, natural, priority, tuple(a.lower() for a in aliases),
                                 tuple(packages), description)
        _instances.pop(key, None)
        for alias in aliases:
            _aliases[alias.lower()] = key


def _discover() -> None:
    """Import this package's ``*_engine`` modules and the ``audiogen.engines`` entry points once."""
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        _discovered = True
        for info in pkgutil.iter_modules(__path__):
            if info.name.endswith("_engine"):
                importlib.import_module(f"{__name__}.{info.name}")
        # Engine modules named outside any package (test doubles, local experiments).
        for name in filter(None, (n.strip() for n in os.environ.get("AUDIOGEN_ENGINE_MODULES", "").split(","))):
            try:
                importlib.import_module(name)
            except Exception:  # like a broken plug-in: the built-in engines still work
                pass
        try:
            for ep in entry_points(group="audiogen.engines"):
                try:
                    ep.load()
                except Exception:  # a broken plug-in must not break the built-in engines
                    pass
        except Exception:
            pass


def specs() -> list[EngineSpec]:
    """Registered engines: natural ones by priority, then the others by name."""
    _discover()
    with _lock:
        return sorted(_specs.values(), key=lambda s: (not s.natural, -s.priority, s.name))


def engine_names() -> list[str]:
    """Names ``--engine`` accepts: ``auto``, each engine and its aliases."""
    names = [AUTO]
    for s in specs():
        names.extend([s.name, *s.aliases])
    return names


def canonical(name: str) -> str:
    """The registered name for ``name`` or one of its aliases (``auto`` stays ``auto``)."""
    _discover()
    key = (name or AUTO).lower()
    if key == AUTO:
        return AUTO
    key = _aliases.get(key, key)
    if key not in _specs:
        raise EngineError(f"unknown engine {name!r}; choose one of: {', '.join(engine_names())}")
    return key


def spec(name: str) -> EngineSpec:
    return _specs[canonical(name)]


def get_engine(name: str) -> Engine:
    """The engine called ``name`` (or an alias), built once per process."""
    key = canonical(name)
    if key == AUTO:
        raise EngineError("'auto' picks an engine per language: use resolve_voice() or choose_engine()")
    with _lock:
        engine = _instances.get(key)
        if engine is None:
            engine = _specs[key].factory()
            _instances[key] = engine
        return engine


def available(name: str) -> bool:
    """Whether the engine can be built here (its packages are installed)."""
    try:
        get_engine(name)
        return True
    except EngineError:
        return False


def modules() -> list[str]:
    """Modules that registered engines: worker processes import them to know the same engines."""
    specs()
    with _lock:
        return sorted({s.module for s in _specs.values() if s.module and s.module != "__main__"})


def _speaks(engine: Engine, language: str) -> bool:
    lang = (language or "en").lower().replace("_", "-")
    codes = {c.lower().replace("_", "-") for c in engine.languages()}
    return lang in codes or lang.split("-")[0] in {c.split("-")[0] for c in codes}


def choose_engine(name: str, language: str, role: str = "narrator") -> str:
    """The engine that speaks ``role`` in ``language`` under ``--engine name``.

    ``auto``: the highest-priority natural engine that is installed, speaks the language
    and has a voice for the role; else eSpeak NG (pyttsx3).
    """
    key = canonical(name)
    if key != AUTO:
        return key
    for s in specs():
        if not s.natural or not available(s.name):
            continue
        engine = get_engine(s.name)
        if _speaks(engine, language) and engine.default_voice(role, language) is not None:
            return s.name
    return FALLBACK


def resolve_voice(name: str, voice: str | None, *, role: str = "narrator", language: str = "en",
                  rate: int = 175, pitch: int | None = None) -> Voice:
    """Resolve ``voice`` for ``role`` under ``--engine name``.

    With ``auto`` and a voice name, the engine chosen for the language is asked first,
    then every other installed engine: ``--voice joe`` finds the Piper voice and
    ``--voice gmw/en-us`` the eSpeak one without naming the engine. An engine with a single
    voice (``--engine hibari``) leaves quotations to auto's quote voice when that is natural.
    """
    first = choose_engine(name, language, role)
    if (canonical(name) != AUTO and voice is None and role != "narrator" and pitch is None
            and get_engine(first).default_voice(role, language) is None):
        # The chosen engine has one voice (hibari): quotations get auto's other natural person, when
        # one is installed, rather than the narrator pitched down (--quote-voice still picks anything).
        other = choose_engine(AUTO, language, role)
        if other != first and spec(other).natural:
            name, first = AUTO, other
    if canonical(name) == AUTO and voice is None and role != "narrator" and first != choose_engine(name, language):
        # Another engine than the narrator's is already another person: use its own voice, unaltered
        # (an engine's default quote voice may be a variant of its narrator, made to contrast with it).
        engine = get_engine(first)
        own = engine.default_voice("narrator", language)
        return engine.resolve(own, role=role, language=language, rate=rate, pitch=pitch)
    if canonical(name) != AUTO or voice is None:
        return get_engine(first).resolve(voice, role=role, language=language, rate=rate, pitch=pitch)
    tried = [first] + [s.name for s in specs() if s.name != first]
    errors: list[EngineError] = []
    for engine_name in tried:
        if engine_name != first and not available(engine_name):
            continue
        try:
            return get_engine(engine_name).resolve(voice, role=role, language=language, rate=rate, pitch=pitch)
        except EngineError as exc:
            errors.append(exc)
    # An engine that knew the voice but not its variant says the most useful thing.
    specific = [e for e in errors if not str(e).startswith("unknown voice")]
    if specific:
        raise specific[0]
    raise EngineError(f"unknown voice {voice!r}: no installed engine has it; run 'audiogen voices' to list them")


def language_table(languages: list[str], name: str = AUTO) -> list[dict]:
    """For ``audiogen voices``: which engine and voice speak each role of each language."""
    rows = []
    for lang in languages:
        row: dict = {"language": lang}
        for role in ROLES:
            try:
                v = resolve_voice(name, None, role=role, language=lang)
                row[role] = {"engine": v.engine, "voice": v.id, "name": v.name}
            except EngineError as exc:
                row[role] = {"error": str(exc)}
        rows.append(row)
    return rows


def packages(name: str) -> tuple[str, ...]:
    """PyPI distributions whose versions shape the sound under ``--engine name`` (``auto``: all)."""
    key = canonical(name)
    chosen = specs() if key == AUTO else [_specs[key]]
    return tuple(dict.fromkeys(p for s in chosen for p in s.packages))
