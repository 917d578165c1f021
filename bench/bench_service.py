"""Load run of ``ecredit serve`` on loopback: throughput and latency against in-process ``evaluate``.

Starts the real server on a free 127.0.0.1 port, sends ``--requests`` evaluate calls at
``--concurrency`` (seeded subjects from ``bench/generate.py``, cycled), checks every answer against
the report the library gives in this process for the same subject (the report byte for byte,
plus a decision id), and prints p50/p99 latency, requests/s, requests/s per worker and that as a
ratio of in-process ``evaluate`` on the same subjects (the figure that carries across machines).
Bounded: a fixed number of requests, each with a timeout, and the server is stopped at the end.

    .venv/bin/python bench/bench_service.py [--requests 2000] [--concurrency 32] [--workers 1]
                                            [--threads 4] [--engine durable] [--ruleset tuquan]

The load generator runs on the same machine and takes CPU from the server: the ratio is a floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

import ecredit_rules as ec
from bench.bench_engines import rate
from bench.generate import AS_OF, subjects_json

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, workers: int, threads: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "ecredit_rules", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers), "--threads", str(threads)], stdout=out, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit("the server did not start within 60 s")


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes,
                    ) -> tuple[int, bytes]:
    """One HTTP/1.1 request on a kept-alive connection; the status and the body of the answer."""
    writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return int(status_line.split()[1]), await reader.readexactly(length)


async def load(port: int, bodies: list[bytes], expected: list[bytes], total: int, concurrency: int,
               ) -> tuple[list[float], int, float]:
    """Send ``total`` requests over ``concurrency`` connections; latencies (s), wrong answers, wall time (s).

    A few lines of HTTP/1.1 over asyncio streams rather than an HTTP client library: the load
    generator shares the machine's cores with the server, and httpx spends more time per request
    than the server does.
    """
    latencies: list[float] = []
    wrong = 0
    next_index = 0
    head = (f"POST /v1/rulesets/{RULESET}/evaluate?as_of={AS_OF.isoformat()}&engine={ENGINE} HTTP/1.1\r\n"
            "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ").encode()

    async def caller() -> None:
        nonlocal next_index, wrong
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while next_index < total:
                k = next_index % len(bodies)
                next_index += 1
                start = time.perf_counter()
                status, text = await asyncio.wait_for(_exchange(reader, writer, head, bodies[k]), 30)
                latencies.append(time.perf_counter() - start)
                cut = text.rfind(b',"decision_id":"')
                if status != 200 or cut < 0 or text[:cut] + b"}" != expected[k]:
                    wrong += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(concurrency)))
    return latencies, wrong, time.perf_counter() - start


RULESET = "tuquan"
ENGINE = "durable"


def threaded_rate(rs: ec.Ruleset, texts: list[str], engine: str, threads: int) -> float:
    """In-process evaluate on ``threads`` threads, as a worker judges: durable-rules' native code runs
    outside the GIL, so threads alone use more than one core."""
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda t: ec.evaluate(rs, t, as_of=AS_OF, engine=engine), texts[:threads]))
        start = time.perf_counter()
        list(pool.map(lambda t: ec.evaluate(rs, t, as_of=AS_OF, engine=engine), texts))
        return len(texts) / (time.perf_counter() - start)


def main() -> None:
    global RULESET, ENGINE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4, help="judging threads per worker (serve's default: 4)")
    parser.add_argument("--engine", choices=["durable", "compiled"], default="durable")
    parser.add_argument("--ruleset", default="tuquan", choices=ec.available_rulesets())
    parser.add_argument("--subjects", type=int, default=200, help="distinct seeded subjects, cycled")
    args = parser.parse_args()
    RULESET, ENGINE = args.ruleset, args.engine

    texts = subjects_json(args.subjects)
    bodies = [t.encode("utf-8") for t in texts]
    rs = ec.load_ruleset(args.ruleset)
    expected = [ec.evaluate(rs, t, as_of=AS_OF, engine=args.engine).to_json().encode("utf-8") for t in texts]

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(port, args.workers, args.threads, Path(tmp) / "server.log")
        try:
            asyncio.run(load(port, bodies, expected, min(200, args.requests), args.concurrency))  # warm up
            latencies, wrong, wall = asyncio.run(load(port, bodies, expected, args.requests, args.concurrency))
        finally:
            proc.terminate()
            proc.wait(timeout=60)
    # Measured after the load, with the server stopped: both figures on a quiet machine.
    in_process = max(rate(rs, texts, args.engine, AS_OF) for _ in range(3))
    in_threads = max(threaded_rate(rs, texts, args.engine, args.threads) for _ in range(3))
    rs.close()

    per_second = len(latencies) / wall
    cuts = statistics.quantiles(latencies, n=100)
    print(f"ruleset {args.ruleset}, engine {args.engine}, {args.workers} worker(s), concurrency {args.concurrency}, "
          f"{len(latencies)} requests on 127.0.0.1")
    print(f"answered correctly: {len(latencies) - wrong}/{len(latencies)}")
    print(f"latency p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms")
    print(f"service: {per_second:.0f} requests/s, {per_second / args.workers:.0f} per worker")
    print(f"in-process evaluate: {in_process:.0f} subjects/s on one thread, {in_threads:.0f} on "
          f"{args.threads} threads (a worker's judging threads)")
    worker = per_second / args.workers
    print(f"per worker / in-process: {worker / in_process:.0%} of one thread, {worker / in_threads:.0%} of "
          f"{args.threads} threads (target >= 70%)")
    print(json.dumps({"requests": len(latencies), "wrong": wrong, "p50_ms": round(cuts[49] * 1000, 2),
                      "p99_ms": round(cuts[98] * 1000, 2), "rps": round(per_second),
                      "rps_per_worker": round(worker), "in_process": round(in_process),
                      "in_process_threads": round(in_threads), "ratio": round(worker / in_process, 3),
                      "ratio_threads": round(worker / in_threads, 3)}))
    if wrong:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
