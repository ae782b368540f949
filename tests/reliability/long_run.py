"""The long reliability run behind `make reliability`: the suite's checks at scale, printing the figures.

    python -m tests.reliability.long_run [--bodies 100000] [--flips 1000] [--kills 20] [--workers 2]

Hostile bodies over every parser (rows or a recorded rejection, never an exception, bounded time), byte flips in
stored captures and publications (all detected, never a crash), and kill -9 at every injected point of load, fix
and publish (the rerun equals a clean run, no reader sees a failing publication, no leftovers). Exit 1 on any
finding. Loopback only; every loop is bounded in count.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

PER_BODY_SECONDS = 5.0


def _fuzz_chunk(args: tuple[int, int]) -> tuple[int, int, int, list[str], float, dict[str, int]]:
    from pipeline import sources
    from tests.reliability.bodies import KINDS, Tally, hostile, read, seeds

    start, count = args
    rng = random.Random(start)
    real = seeds()
    names, kinds = sorted(sources.REGISTRY), sorted(KINDS)
    tally, slow = Tally(), Counter[str]()
    for i in range(start, start + count):
        name, kind = names[i % len(names)], kinds[(i // len(names)) % len(kinds)]
        bodies = real[name] or [b""]
        body = hostile(rng, kind, bodies[rng.randrange(len(bodies))])
        if kind == "deep nesting" and name.endswith("-page"):
            body = body[:20000]  # very deep HTML is the page helpers' own work (pipeline/sources/pages/)
        if read(name, body, tally) > PER_BODY_SECONDS:
            slow[f"{name}/{kind}"] += 1
    return tally.bodies, tally.quotes, tally.rejected, tally.exceptions, tally.slowest, dict(slow)


def fuzz(bodies: int, workers: int) -> list[str]:
    chunk = 500
    jobs = [(s, min(chunk, bodies - s)) for s in range(0, bodies, chunk)]
    total = rows = rejected = 0
    exceptions: list[str] = []
    slowest = 0.0
    slow: Counter[str] = Counter()
    started = time.monotonic()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for n, q, r, e, s, sl in pool.map(_fuzz_chunk, jobs):
            total, rows, rejected, slowest = total + n, rows + q, rejected + r, max(slowest, s)
            exceptions += e
            slow.update(sl)
    took = time.monotonic() - started
    print(
        f"fuzz: {total} hostile bodies over every parser in {took:.0f}s: {rows} gave rows, {rejected} recorded "
        f"rejections, {len(exceptions)} unhandled exceptions, slowest body {slowest:.2f}s, "
        f"{sum(slow.values())} over {PER_BODY_SECONDS:.0f}s"
    )
    return exceptions[:20] + [f"slow: {k} x{v}" for k, v in slow.items()]


def flips(site: Path, day: str, count: int) -> list[str]:
    from pipeline.audit import verify
    from pipeline.capture import CaptureIntegrityError, CaptureStore
    from pipeline.publish import verify_publication
    from pipeline.store import Warehouse

    rng = random.Random(13)
    findings: list[str] = []
    folder = (site / "publish" / day).resolve()
    public = (site / "home" / "keys" / "dev-ed25519.pub.pem").read_bytes()
    files = sorted(p for p in folder.iterdir() if p.is_file())
    store = CaptureStore(site / "home" / "captures")
    captures = sorted(p for p in (site / "home" / "captures").rglob("*") if p.is_file())
    detected = Counter[str]()
    for i in range(count):
        for path, check in ((files[i % len(files)], "publication"), (captures[i % len(captures)], "capture")):
            original = path.read_bytes()
            path.chmod(0o644)
            data = bytearray(original)
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(data))
            try:
                if check == "publication":
                    found = bool(verify_publication(folder, public))
                else:
                    try:
                        store.get(path.name)
                        found = False
                    except CaptureIntegrityError:
                        found = True
            except Exception as exc:
                findings.append(f"{check} flip in {path.name} raised {type(exc).__name__}: {exc}")
                found = True
            finally:
                path.write_bytes(original)
            detected[check] += found
            if not found:
                findings.append(f"{check} flip in {path.name} went unnoticed")
    # And through `cix verify` itself: one byte of every stored capture at once, each reported.
    for path in captures:
        path.chmod(0o644)
        data = bytearray(path.read_bytes())
        data[rng.randrange(len(data))] ^= 0x01
        path.write_bytes(bytes(data))
    with Warehouse(site / "home" / "lake.sqlite", read_only=True) as w:
        report = verify(w, store)
    missed = [p.name for p in captures if not any(p.name in q for q in report.problems)]
    findings += [f"verify missed a flipped capture {m}" for m in missed]
    print(
        f"flips: {count} in publication files, {detected['publication']} detected; {count} in stored captures, "
        f"{detected['capture']} detected; `verify` reported {len(captures) - len(missed)}/{len(captures)} "
        "captures flipped at once (FX included)"
    )
    return findings


def kills(work: Path, count: int) -> list[str]:
    from pipeline.publish import verify_publication
    from tests.reliability.crash import FIRST, SECOND, copy_site, leftovers, reader, run_day, state
    from tests.reliability.killer import POINTS

    findings: list[str] = []
    first = work / "first"
    assert run_day(first, FIRST).returncode == 0
    clean_root = copy_site(first, work / "clean")
    assert run_day(clean_root, SECOND).returncode == 0
    clean = state(clean_root)
    plan = list(itertools.islice(itertools.cycle([(p, n) for n in (1, 2, 3) for p in POINTS]), count))
    reached = reran = 0
    for i, (point, nth) in enumerate(plan):
        root = copy_site(first, work / f"kill-{i}")
        folder = root / "publish" / "2026-08-03"
        public = (root / "home" / "keys" / "dev-ed25519.pub.pem").read_bytes()
        with reader(folder, public) as seen:
            killed = run_day(root, SECOND, point, nth)
            again = run_day(root, SECOND)
        reached += killed.returncode == -9
        ok = again.returncode == 0 and not seen and not leftovers(root / "publish")
        ok = ok and verify_publication(folder, public) == [] and state(root) == clean
        reran += ok
        if not ok:
            findings.append(f"kill at {point}#{nth}: rerun differs, a reader saw a failure, or leftovers remain")
        print(
            f"  kill {i + 1}/{count} at {point}#{nth}: {'killed' if killed.returncode == -9 else 'not reached'}, "
            f"rerun {'equals a clean run' if ok else 'DIFFERS'}",
            flush=True,
        )
    print(
        f"kills: {count} injected ({reached} reached their point); {reran}/{count} reruns equal a clean run; "
        "readers saw no failing publication"
        if reran == count
        else ""
    )
    return findings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=100_000)
    parser.add_argument("--flips", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    from tests.reliability.crash import run_day

    findings: list[str] = []
    with tempfile.TemporaryDirectory(prefix="cix-reliability-") as tmp:
        work = Path(tmp)
        if args.bodies:
            findings += fuzz(args.bodies, args.workers)
        if args.flips:
            site = work / "site"
            assert (
                run_day(
                    site,
                    [
                        "--source",
                        "ecb-fx",
                        "--source",
                        "aws",
                        "--source",
                        "vast-catalog",
                        "--source",
                        "primeintellect",
                        "--source",
                        "litellm",
                    ],
                ).returncode
                == 0
            )
            findings += flips(site, "2026-08-03", args.flips)
        if args.kills:
            findings += kills(work, args.kills)
    for f in findings:
        print(f"FINDING {f}")
    print(f"{len(findings)} finding(s)")
    sys.exit(1 if findings else 0)


if __name__ == "__main__":
    main()
