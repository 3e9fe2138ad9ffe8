#!/usr/bin/env python3
"""Benchmark audiogen against the encoder floor and a straightforward script (issue 5).

One invocation generates long articles (seeded, made-up English prose), then measures:
- floor: a bare ffmpeg encode of a WAV as long as audiogen's output, with the exact
  encoder settings audiogen uses (``audiogen.audio.mix.encoder_args``), in one process;
- naive: ``scripts/naive_render.py`` (pyttsx3 per paragraph, pydub ``+=``, export);
- cold: ``audiogen episode`` with an empty clip cache;
- edit: ``audiogen episode`` again after one paragraph was edited (warm cache);
- ``audiogen --help`` start time.
Peak memory is read per process from /proc/<pid>/status (VmHWM, exact high-water
mark) for the command and all its descendants, polled every 100 ms (lightly: the
poller shares the 2 cores with what it measures); the sum of PSS over the process
tree (shared pages counted once) is sampled too. Total CPU is the larger of
getrusage(RUSAGE_CHILDREN) and the per-process samples; the split by process kind
(encoder, workers...) is from the samples.

    python scripts/bench.py                 # 8,000 and 60,000 words (naive at 8k only)
    python scripts/bench.py --quick         # 2,000 words smoke run
    python scripts/bench.py --naive-all     # the naive script at every length (slow)
    python scripts/bench.py --json out.json
    python scripts/bench.py --only-one-paragraph   # 40,000 words as one paragraph vs as paragraphs
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ------------------------------------------------------------------ text generator

_NAMES = ["Maria Okafor", "Tomas Lindqvist", "Priya Raman", "Daniel Achterberg", "Hannah Ueda", "Samuel Brightwater",
          "Leonie Fischer", "Kwame Mensah", "Ines Carvalho", "Arthur Penhallow", "Yusuf Demir", "Clara Whitcombe"]
_ROLES = ["a hydrologist at the regional water board", "the mayor", "a retired ferry captain", "an economist",
          "the head of the parents' association", "a structural engineer", "the owner of the corner bakery",
          "a historian who has written about the valley", "a nurse on the night shift", "the project manager"]
_PLACES = ["Harwick", "the river delta", "Eastmoor", "the old mill district", "Port Alder", "the northern plateau",
           "Kessel Bay", "the market square", "Bramley Junction", "the harbour front"]
_SUBJECTS = ["the council", "the new bridge", "the farmers' cooperative", "the night train", "the library",
             "the water authority", "the school board", "the fishing fleet", "the hospital", "the museum",
             "the local newspaper", "the ferry service", "the housing association", "the weather station"]
_VERBS = ["approved", "postponed", "rebuilt", "questioned", "expanded", "measured", "abandoned", "restored",
          "financed", "criticised", "studied", "reopened", "replaced", "welcomed", "delayed"]
_OBJECTS = ["a plan to widen the canal", "the budget for next year", "the flood defences", "a survey of the coast",
            "the timetable", "two new classrooms", "the heating system", "a long-term lease", "the storm drains",
            "a pilot project for electric buses", "the old signal box", "a programme of evening classes"]
_ADVERBS = ["quietly", "slowly", "unexpectedly", "after a long debate", "once again", "at last", "in the end",
            "without much fuss", "despite the cost", "for the first time"]
_CLAUSES = ["although nobody could agree on the details", "which surprised almost everyone",
            "because the winter had been unusually wet", "as the deadline approached",
            "while the rest of the town watched", "even though the numbers did not quite add up",
            "after years of argument", "before the summer crowds arrived"]
_OPENERS = ["In the spring,", "By the end of the decade,", "For most residents,", "On paper,", "Today,",
            "Not long ago,", "In practice,", "According to the minutes,", "Still,", "Meanwhile,"]
_QUOTES = ["We have waited long enough, and people deserve an answer", "Nobody here wants to be the last to know",
           "It is not a question of money, it is a question of time", "I have seen three floods in this street",
           "The numbers tell one story and the neighbours tell another", "If we do nothing, the river decides for us",
           "We made mistakes, and we will fix them", "This is the most important vote in a generation"]
_HEADINGS = ["The Long Winter", "What the Records Show", "A Town Divided", "Counting the Cost", "The View from the Harbour",
             "Old Promises", "Building Again", "Voices from the Market", "The Numbers", "What Comes Next",
             "A Question of Trust", "The Night Shift", "Lessons from Elsewhere", "The Second Vote", "After the Storm"]


def _number(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return f"{rng.randint(2, 98)} percent"
    if kind == 1:
        return f"${rng.randint(1, 90)}.{rng.randint(1, 9)} million"
    if kind == 2:
        return f"{rng.randint(1000, 99999):,} people"
    if kind == 3:
        return f"in {rng.randint(1952, 2024)}"
    if kind == 4:
        return f"{rng.randint(2, 40)} kilometres"
    return f"on {rng.choice(['March', 'June', 'October', 'January'])} {rng.randint(1, 28)}"


def _sentence(rng: random.Random) -> str:
    s = f"{rng.choice(_OPENERS)} {rng.choice(_SUBJECTS)} {rng.choice(_ADVERBS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}"
    r = rng.random()
    if r < 0.35:
        s += f", {rng.choice(_CLAUSES)}"
    elif r < 0.6:
        s += f" {_number(rng)}"
    if rng.random() < 0.25:
        s += f" in {rng.choice(_PLACES)}"
    return s + "."


def _quote(rng: random.Random) -> str:
    name, role = rng.choice(_NAMES), rng.choice(_ROLES)
    return f"\u201c{rng.choice(_QUOTES)},\u201d said {name}, {role}."


def generate_article(words: int, seed: int = 5) -> str:
    """Markdown article of about ``words`` words: title, byline, sections, paragraphs, quotes, numbers."""
    rng = random.Random(seed)
    out = [f"# The River and the Town: A Report in {words:,} Words", "", f"By {rng.choice(_NAMES)}", ""]
    count = 0
    section = 0
    while count < words:
        if section == 0 or rng.random() < 0.12:
            out += [f"## {_HEADINGS[section % len(_HEADINGS)]}" + (f" {section // len(_HEADINGS) + 1}" if section >= len(_HEADINGS) else ""), ""]
            section += 1
        sentences = [_quote(rng) if rng.random() < 0.15 else _sentence(rng) for _ in range(rng.randint(3, 7))]
        para = " ".join(sentences)
        out += [para, ""]
        count += len(para.split())
    return "\n".join(out)


def edit_one_paragraph(text: str) -> str:
    """Change one word of the paragraph nearest the middle (what a user fixing a typo does)."""
    blocks = text.split("\n\n")
    mid = len(blocks) // 2
    while blocks[mid].startswith("#"):
        mid += 1
    blocks[mid] = blocks[mid].replace(" the ", " that very ", 1)
    return "\n\n".join(blocks)


# ------------------------------------------------------------------ measuring


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds a live process has used so far."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return 0.0
    f = stat[stat.rfind(b")") + 2:].split()
    return (int(f[11]) + int(f[12])) / _TICKS


_TICKS = os.sysconf("SC_CLK_TCK")


def _role(pid: int, root: int, parent_role: str) -> str:
    """What a process of the tree is, from its command line (for the CPU breakdown)."""
    if pid == root:
        return "main process"
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        name = _status_kb(pid)[2]
    except OSError:
        return "other"
    if name.startswith("agw-"):  # a synthesis worker names itself after its engine
        return f"synthesis: {name[4:]}"
    if "libmp3lame" in cmd:
        return "ffmpeg encoder"
    if "ebur128" in cmd:
        return "ffmpeg loudness meter"
    if "ffmpeg" in cmd:
        return "ffmpeg (other)"
    if "forkserver" in cmd and parent_role == "multiprocessing helpers":
        return "python workers"  # forked by the fork server, so they keep its command line
    if "forkserver" in cmd or "resource_tracker" in cmd:
        return "multiprocessing helpers"
    if "python" in cmd:
        return "python workers"
    return "other"


def _pss_kb(pid: int) -> int:
    """Proportional set size: RSS with shared pages split among the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _status_kb(pid: int) -> tuple[int, int, str]:
    """(VmHWM kB, VmRSS kB, name) of a live process, or zeros."""
    hwm = rss = 0
    name = "?"
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("Name:"):
                    name = line.split(None, 1)[1].strip()
    except OSError:
        pass
    return hwm, rss, name


@dataclass
class Run:
    wall: float
    rc: int
    stdout: str
    stderr: str
    parent_mb: float  # peak RSS of the command's own process
    child_mb: float  # largest peak RSS of any descendant
    child_name: str
    tree_mb: float  # largest sum of PSS over the whole tree at one instant (shared pages counted once)
    cpu_s: float  # user + system CPU of the whole tree (last sample of each process)
    cpu_by_role: dict[str, float] = field(default_factory=dict)


def run_measured(cmd: list[str], env: dict[str, str] | None = None, poll: float = 0.1,
                 timeout: float = 3600.0) -> Run:
    """Run ``cmd``, timing it and polling the memory of it and every descendant.

    A run still going after ``timeout`` seconds (a hung engine) is killed, tree and all.
    """
    hwm: dict[int, tuple[int, str]] = {}
    cpu: dict[int, float] = {}
    roles: dict[int, str] = {}
    tree_peak = 0
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k=k, s=s: out.__setitem__(k, s.read()), daemon=True)
               for k, s in (("out", proc.stdout), ("err", proc.stderr))]
    for t in readers:
        t.start()
    while proc.poll() is None:
        kids = _children_map()
        todo, tree, total = [proc.pid], [], 0
        parent_of: dict[int, int] = {}
        while todo:
            pid = todo.pop()
            tree.append(pid)
            for kid in kids.get(pid, ()):
                parent_of[kid] = pid
                todo.append(kid)
        for pid in tree:
            h, r, name = _status_kb(pid)
            c = _cpu_s(pid)
            if pid not in roles:
                roles[pid] = _role(pid, proc.pid, roles.get(parent_of.get(pid, -1), ""))
            if c:
                cpu[pid] = max(c, cpu.get(pid, 0.0))
            if h:
                hwm[pid] = (max(h, hwm.get(pid, (0, ""))[0]), name)
            total += _pss_kb(pid) or r
        tree_peak = max(tree_peak, total)
        if time.perf_counter() - t0 > timeout:
            for pid in reversed(tree):
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
        time.sleep(poll)
    wall = time.perf_counter() - t0
    for t in readers:
        t.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # every descendant that was waited for
    # Pool workers are children of multiprocessing's fork server, which nobody waits for:
    # they are missing from RUSAGE_CHILDREN, and the per-process samples miss the last
    # < 100 ms of each process. Take the larger.
    total_cpu = max((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), sum(cpu.values()))
    by_role: dict[str, float] = {}
    for pid, c in cpu.items():
        by_role[roles.get(pid, "other")] = round(by_role.get(roles.get(pid, "other"), 0.0) + c, 2)
    parent = hwm.pop(proc.pid, (0, ""))[0]
    child_kb, child_name = max(hwm.values(), default=(0, ""))
    return Run(wall, proc.returncode, out.get("out", b"").decode("utf-8", "replace"),
               out.get("err", b"").decode("utf-8", "replace"), parent / 1024, child_kb / 1024, child_name,
               tree_peak / 1024, total_cpu, by_role)


def encoder_command(out_path: Path, channels: int = 1, kbps: int = 64) -> list[str]:
    """ffmpeg reading raw PCM on stdin with exactly the LAME settings audiogen encodes with."""
    from audiogen.audio import ffmpeg, mix
    from audiogen.audio.segment import MASTER_RATE

    return [ffmpeg.ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-f", "s16le", "-ar", str(MASTER_RATE),
            "-ac", str(channels), "-i", "pipe:0", "-loglevel", "error", *mix.encoder_args(channels, kbps),
            "-y", str(out_path)]


def floor_command(cmd: list[str], wav: Path) -> list[str]:
    """Encoder command reading ``wav`` instead of raw PCM on stdin, same codec options."""
    i = cmd.index("-f")  # the input format options precede "-i pipe:0"
    j = cmd.index("pipe:0")
    return [*cmd[:i], "-i", str(wav), *cmd[j + 1:]]


# ------------------------------------------------------------------ the cases


@dataclass
class Row:
    case: str
    words: int
    audio_s: float
    wall_s: float
    ratio: float | None
    x_realtime: float
    parent_mb: float
    child_mb: float
    tree_mb: float
    cpu_s: float
    note: str = ""


@dataclass
class Report:
    machine: dict
    rows: list[Row] = field(default_factory=list)
    extras: dict = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _ffmpeg() -> str:
    from audiogen.audio.ffmpeg import ffmpeg_exe

    return ffmpeg_exe()


def _duration(mp3: Path) -> float:
    err = subprocess.run([_ffmpeg(), "-hide_banner", "-i", str(mp3), "-f", "null", "-"],
                         capture_output=True, text=True).stderr
    times = re.findall(r"time=(\d+):(\d+):([\d.]+)", err)
    h, m, s = times[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def machine_info() -> dict:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    except (OSError, AttributeError):
        mem_kb = 0
    ff = subprocess.run([_ffmpeg(), "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"nproc": os.cpu_count(), "cpu": model, "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "loadavg_at_start": os.getloadavg()[0], "python": platform.python_version(), "kernel": platform.release(), "ffmpeg": ff}


def _stages(r: Run, audio_s: float) -> dict[str, float]:
    """CPU seconds per minute of audio, by stage (synthesis per engine, encode, the rest)."""
    per_min = {k: round(v / (audio_s / 60), 3) for k, v in sorted(r.cpu_by_role.items())}
    per_min["total"] = round(r.cpu_s / (audio_s / 60), 3)
    return per_min


def bench_length(words: int, work: Path, report: Report, *, naive: bool, extras: bool, log,
                 engine: str = "default", floor_too: bool = True) -> None:
    text = generate_article(words)
    art = work / f"article-{words}.md"
    art.write_text(text, encoding="utf-8")
    nwords = len(text.split())
    env = dict(os.environ)
    env["AUDIOGEN_CACHE_DIR"] = str(work / f"cache-{words}-{engine}")
    shutil.rmtree(env["AUDIOGEN_CACHE_DIR"], ignore_errors=True)
    out_dir = work / f"out-{words}-{engine}"
    ag = [sys.executable, "-m", "audiogen", "episode", str(art), "-o", str(out_dir), "--json", "-q"]
    if engine != "default":
        ag += ["--engine", engine]
    label = "audiogen" if engine == "default" else f"audiogen --engine {engine}"

    log(f"[{words}] {label} cold ...")
    cold = run_measured(ag, env)
    if cold.rc != 0:
        report.failures.append(f"{words} words, {label} cold: exit {cold.rc}: {cold.stderr.strip()[-300:]}")
        return
    data = json.loads(cold.stdout)
    mp3 = Path(data["mp3"])
    audio = float(data["duration"])
    voices = ", ".join(f"{role} {data['voices'].get(role)} ({eng})" for role, eng in data.get("engines", {}).items())

    log(f"[{words}] floor: decode to WAV (untimed), encode with audiogen's encoder settings ...")
    wav = work / f"floor-{words}.wav"
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-i", str(mp3), "-ac", "1", "-ar", "44100", str(wav)], check=True)
    enc = encoder_command(work / "probe.mp3")
    floor_mp3 = work / f"floor-{words}.mp3"
    floor = run_measured(floor_command(enc, wav)[:-1] + [str(floor_mp3)])
    if floor.rc != 0:
        raise SystemExit(f"floor encode failed: {floor.stderr[-300:]}")

    def row(case: str, r: Run, secs: float, note: str = "") -> Row:
        log(f"  {case}: {r.wall:.2f} s wall, {r.cpu_s:.1f} s CPU, peak {r.parent_mb:.0f}/{r.child_mb:.0f} MB")
        return Row(case, nwords, round(secs, 1), round(r.wall, 2), round(r.wall / floor.wall, 2),
                   round(secs / r.wall, 1), round(r.parent_mb, 1), round(r.child_mb, 1), round(r.tree_mb, 1),
                   round(r.cpu_s, 1), note)

    if floor_too:
        report.rows.append(row("floor: bare ffmpeg encode", floor, audio,
                               " ".join(enc[enc.index("-c:a"):enc.index("-write_xing")])))
    report.rows.append(row(f"{label} cold", cold, audio, f"{voices}; largest child: {cold.child_name}"))
    report.extras[f"{words} words, {label} cold: CPU s by process"] = cold.cpu_by_role
    report.extras[f"{words} words, {label} cold: CPU s per audio minute by stage"] = _stages(cold, audio)
    report.extras[f"{words} words, {label} cold: audio s per wall s"] = round(audio / cold.wall, 1)
    report.extras[f"{words} words, {label} cold: peak RSS MB, largest process / tree"] = (
        round(max(cold.parent_mb, cold.child_mb)), round(cold.tree_mb))

    log(f"[{words}] {label} after a one-paragraph edit ...")
    art.write_text(edit_one_paragraph(text), encoding="utf-8")
    warm = run_measured(ag, env)
    if warm.rc != 0:
        report.failures.append(f"{words} words, {label} edit: exit {warm.rc}: {warm.stderr.strip()[-300:]}")
    else:
        report.rows.append(row(f"{label} one-paragraph edit", warm, audio,
                           f"{warm.wall / cold.wall:.0%} of cold"))
    report.extras[f"{words} words, {label} edit: CPU s by process"] = warm.cpu_by_role
    art.write_text(text, encoding="utf-8")

    if naive:
        log(f"[{words}] naive script ...")
        naive_mp3 = work / f"naive-{words}.mp3"
        nv = run_measured([sys.executable, str(HERE / "naive_render.py"), str(art), str(naive_mp3)])
        if nv.rc != 0:
            report.failures.append(f"{words} words, naive script: exit {nv.rc}: {nv.stderr.strip()[-300:]}")
        else:
            report.rows.append(row("naive script", nv, _duration(naive_mp3), f"largest child: {nv.child_name}"))

    if extras:
        log(f"[{words}] extras: encoder settings, meter, upsampling ...")
        ex: dict[str, float] = {}
        for q in (0, 2, 5, 7, 9):
            c = floor_command(enc, wav)
            c[c.index("-compression_level") + 1] = str(q)
            ex[f"encode compression_level {q} s"] = round(run_measured(c[:-1] + [str(work / "q.mp3")]).wall, 2)
        meter = [_ffmpeg(), "-hide_banner", "-nostdin", "-nostats", "-i", str(wav),
                 "-af", "ebur128=framelog=quiet:peak=true", "-f", "null", "-"]
        ex["ebur128 meter (true peak) s"] = round(run_measured(meter).wall, 2)
        meter[meter.index("-af") + 1] = "ebur128=framelog=quiet:peak=sample"
        ex["ebur128 meter (sample peak) s"] = round(run_measured(meter).wall, 2)
        ex.update(_dsp_costs(wav))
        ex.update(_chunked_encode(wav, enc, work, audio))
        report.extras[f"{words} words, extras"] = ex


ONE_PARAGRAPH_TIME = 1.3  # a single huge paragraph may take at most this times the paragraphed text
ONE_PARAGRAPH_RSS_MB = 50.0  # ... and peak RSS at most this much more


def bench_one_paragraph(words: int, work: Path, report: Report, log) -> None:
    """The same text as paragraphs and as one paragraph with no blank line (a pasted
    transcript): time and memory must not depend on the shape (issue 12)."""
    text = generate_article(int(words * 1.2))
    body: list[str] = []
    count = 0
    for block in text.split("\n\n"):  # paragraphs only (no headings, no byline), to ``words`` words
        if block and not block.startswith(("#", "By ")) and count < words:
            body.append(block)
            count += len(block.split())
    title = "# The River and the Town, Unbroken"
    shapes = {"paragraphs": title + "\n\n" + "\n\n".join(body) + "\n",
              "one paragraph": title + "\n\n" + " ".join(body) + "\n"}
    runs: dict[str, Run] = {}
    for shape, content in shapes.items():
        slug = shape.replace(" ", "-")
        art = work / f"shape-{words}-{slug}.md"
        art.write_text(content, encoding="utf-8")
        env = dict(os.environ)
        env["AUDIOGEN_CACHE_DIR"] = str(work / f"cache-shape-{words}-{slug}")
        shutil.rmtree(env["AUDIOGEN_CACHE_DIR"], ignore_errors=True)
        log(f"[{words}] {shape}: audiogen cold ...")
        r = run_measured([sys.executable, "-m", "audiogen", "episode", str(art), "-o", str(work / f"out-shape-{slug}"),
                          "--json", "-q"], env)
        if r.rc != 0:
            report.failures.append(f"{words} words as {shape}: exit {r.rc}: {r.stderr.strip()[-300:]}")
            return
        audio = float(json.loads(r.stdout)["duration"])
        runs[shape] = r
        log(f"  {shape}: {r.wall:.2f} s wall, peak {r.parent_mb:.0f}/{r.child_mb:.0f}/{r.tree_mb:.0f} MB")
        report.rows.append(Row(f"audiogen cold, {shape}", len(content.split()), round(audio, 1), round(r.wall, 2),
                               0.0, round(audio / r.wall, 1), round(r.parent_mb, 1), round(r.child_mb, 1),
                               round(r.tree_mb, 1), round(r.cpu_s, 1), "shape case"))
    a, b = runs["paragraphs"], runs["one paragraph"]
    ratio = b.wall / a.wall
    peak = lambda r: max(r.parent_mb, r.child_mb)  # noqa: E731 - the largest single process
    rss = peak(b) - peak(a)
    ok = ratio <= ONE_PARAGRAPH_TIME and rss <= ONE_PARAGRAPH_RSS_MB
    report.extras[f"{words} words as one paragraph vs paragraphs"] = (
        f"time {ratio:.2f}x (limit {ONE_PARAGRAPH_TIME}x), largest process {rss:+.0f} MB "
        f"(limit +{ONE_PARAGRAPH_RSS_MB:.0f} MB), whole tree {b.tree_mb - a.tree_mb:+.0f} MB: {'ok' if ok else 'MISSED'}")
    if not ok:
        report.failures.append(f"{words} words as one paragraph: {ratio:.2f}x the time, {rss:+.0f} MB")


def _chunked_encode(wav: Path, enc: list[str], work: Path, audio: float, chunk_s: float = 60.0) -> dict[str, float]:
    """What re-encoding only a changed part would cost: the episode encoded as 1-minute
    MP3 chunks (each alone, and all on 2 processes), then joined by stream copy."""
    from concurrent.futures import ThreadPoolExecutor

    folder = work / "chunks"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    n = int(audio // chunk_s) + 1

    def one(k: int) -> float:
        c = floor_command(enc, wav)
        i = c.index("-i")
        c[i:i] = ["-ss", str(k * chunk_s), "-t", str(chunk_s)]
        c[c.index("-write_xing") + 1] = "0"
        t0 = time.perf_counter()
        subprocess.run(c[:-1] + [str(folder / f"c{k:05d}.mp3")], check=True, capture_output=True)
        return time.perf_counter() - t0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as ex:
        per_chunk = list(ex.map(one, range(n)))
    parallel = time.perf_counter() - t0
    t0 = time.perf_counter()
    raw = folder / "joined-raw.mp3"
    with open(raw, "wb") as out:  # CBR frames join byte by byte; one Xing/Info header is added after
        for part in sorted(folder.glob("c*.mp3")):
            out.write(part.read_bytes())
    subprocess.run([_ffmpeg(), "-v", "error", "-y", "-i", str(raw), "-c", "copy", "-write_xing", "1",
                    "-id3v2_version", "0", str(folder / "joined.mp3")], check=True)
    concat = time.perf_counter() - t0
    gap = _duration(folder / "joined.mp3") - audio
    return {f"chunked: {n} x {chunk_s:.0f} s chunks on 2 processes, wall s": round(parallel, 2),
            "chunked: median one-chunk encode s": round(statistics.median(per_chunk), 2),
            "chunked: join by stream copy s": round(concat, 2),
            "chunked: added duration from encoder delay/padding s": round(gap, 2)}


def _dsp_costs(wav: Path) -> dict[str, float]:
    """CPU seconds of the renderer's per-clip DSP on this much audio, in 5 s clips."""
    import numpy as np

    from audiogen.audio import mix

    raw = subprocess.run([_ffmpeg(), "-v", "error", "-i", str(wav), "-ar", "22050", "-f", "s16le", "-"],
                         capture_output=True, check=True).stdout
    x22 = np.frombuffer(raw, dtype="<i2")
    clip = 22050 * 5
    t0 = time.process_time()
    masters = [mix.to_master(x22[i:i + clip], 22050) for i in range(0, len(x22), clip)]
    up = time.process_time() - t0
    t0 = time.process_time()
    for m in masters:
        mix.fade_edges(mix.limit(m * np.float32(1.4), -2.5))
    lim = time.process_time() - t0
    t0 = time.process_time()
    for m in masters:
        mix.to_pcm(m, 1)
    pcm = time.process_time() - t0
    t0 = time.process_time()
    step = 22050 * 90  # about one chunk
    for i in range(0, len(x22), step):
        mix.true_peak(x22[i:i + step], 22050)
    tp = time.process_time() - t0
    return {"upsample 22.05->44.1 kHz (CPU s)": round(up, 2), "limiter+fades, +3 dB hot (CPU s)": round(lim, 2),
            "float->s16 (CPU s)": round(pcm, 2), "audiogen true peak, 90 s chunks (CPU s)": round(tp, 2)}


def help_time(runs: int = 7) -> tuple[float, float]:
    """Median wall and CPU seconds of ``audiogen --help`` (the installed console script)."""
    script = Path(sys.executable).with_name("audiogen")
    cmd = [str(script), "--help"] if script.exists() else [sys.executable, "-m", "audiogen", "--help"]
    walls, cpus = [], []
    for _ in range(runs):
        before = os.times()
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        walls.append(time.perf_counter() - t0)
        after = os.times()
        cpus.append(after.children_user - before.children_user + after.children_system - before.children_system)
    return statistics.median(walls), statistics.median(cpus)


# ------------------------------------------------------------------ output


def table(report: Report) -> str:
    head = ("| case | words | audio | wall s | / floor | x real time | CPU s | peak RSS MB: main process / largest child / whole tree (PSS) | note |\n"
            "|---|---:|---:|---:|---:|---:|---:|---|---|")
    lines = [head]
    for r in report.rows:
        mins, secs = divmod(int(round(r.audio_s)), 60)
        lines.append(f"| {r.case} | {r.words:,} | {mins}:{secs:02d} | {r.wall_s:.2f} | {r.ratio:.2f} | {r.x_realtime:.0f} | {r.cpu_s:.1f} | "
                     f"{r.parent_mb:.0f} / {r.child_mb:.0f} / {r.tree_mb:.0f} | {r.note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark audiogen (issue 5).")
    ap.add_argument("--quick", action="store_true", help="One 2,000-word article (smoke run).")
    ap.add_argument("--words", type=int, nargs="*", default=None, help="Article lengths (default: 8000 60000).")
    ap.add_argument("--naive-all", action="store_true", help="Run the naive script at every length (slow).")
    ap.add_argument("--no-naive", action="store_true", help="Skip the naive script.")
    ap.add_argument("--extras", action="store_true",
                    help="Also time encoder settings, the meter and the DSP (first length only).")
    ap.add_argument("--one-paragraph", type=int, nargs="?", const=40000, default=None, metavar="WORDS",
                    help="Also render WORDS (default 40,000) as one paragraph and as paragraphs: "
                         f"<= {ONE_PARAGRAPH_TIME}x the time, peak RSS within {ONE_PARAGRAPH_RSS_MB:.0f} MB.")
    ap.add_argument("--only-one-paragraph", action="store_true", help="Run only the one-paragraph case.")
    ap.add_argument("--keep", type=Path, default=None, help="Work in this folder and keep it.")
    ap.add_argument("--json", type=Path, default=None, help="Also write the results as JSON to this file.")
    ap.add_argument("--engines", nargs="+", default=["default", "pyttsx3"],
                    help="Engines to render with ('default' = audiogen's default natural voices; "
                         "default: default pyttsx3).")
    args = ap.parse_args(argv)
    lengths = args.words or ([2000] if args.quick else [8000, 60000])

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    report = Report(machine_info())
    work_ctx = tempfile.TemporaryDirectory(prefix="audiogen-bench-") if args.keep is None else None
    work = Path(work_ctx.name) if work_ctx else args.keep
    work.mkdir(parents=True, exist_ok=True)
    try:
        for i, words in enumerate([] if args.only_one_paragraph else lengths):
            for k, engine in enumerate(args.engines):
                naive = not args.no_naive and (args.naive_all or i == 0) and k == 0
                bench_length(words, work, report, naive=naive, extras=args.extras and i == 0 and k == 0, log=log,
                             engine=engine, floor_too=k == 0)
        if args.one_paragraph or args.only_one_paragraph:
            bench_one_paragraph(args.one_paragraph or 40000, work, report, log)
        wall, cpu = help_time()
        report.extras["audiogen --help s (median of 7): wall"] = round(wall, 3)
        report.extras["audiogen --help s (median of 7): CPU"] = round(cpu, 3)
        report.extras["load average at end"] = os.getloadavg()[0]
    finally:
        if work_ctx:
            work_ctx.cleanup()
    m = report.machine
    print(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}, {m['ffmpeg']}, "
          f"load average {m['loadavg_at_start']:.1f} at start")
    print()
    print(table(report))
    print()
    for k, v in report.extras.items():
        print(f"- {k}: {v}")
    for f in report.failures:
        print(f"- FAILED: {f}")
    lens = sorted({r.words for r in report.rows})
    colds = {r.words: r.wall_s for r in report.rows if r.case == "audiogen cold"}
    floors = {r.words: r.wall_s for r in report.rows if r.case.startswith("floor")}
    for r in report.rows:
        if r.case.endswith(" cold") and r.words in floors:
            print(f"- {r.case}, {r.words:,} words: {r.wall_s / floors[r.words]:.2f}x the bare encode")
    if len(lens) >= 2 and all(w in colds for w in lens):
        a, b = lens[0], lens[-1]
        print(f"- growth: {b / a:.1f}x the words -> {colds[b] / colds[a]:.2f}x the time")
    if args.json:
        args.json.write_text(json.dumps(asdict(report), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
