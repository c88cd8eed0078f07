"""An experiment spec's runs as Ray tasks, across the nodes of a Ray cluster.

    python -m ludica.experiment run SPEC --out DIR --ray auto|local|ADDRESS [--ludica-bin PATH]

``ludica experiment plan`` (the Rust CLI) expands the spec, claims DIR exactly as ``ludica
experiment run`` does and says, for each run, its state and the ``ludica train`` arguments and
resources that train it; this module submits every unfinished run as one Ray task asking for
those CPUs and GPUs, and the task runs the ``ludica`` binary on the node Ray chose. Ray does
all the placing. DIR must be storage every node sees at the same path (NFS, a cluster file
system): runs write their run directories and logs there, and a rerun reads their state from it.
Rerunning the same command skips finished runs and resumes interrupted ones from their
checkpoints. Ctrl-C cancels the tasks: each passes one SIGINT to its ``ludica train``, which
saves a checkpoint and stops. See docs/experiments.md.

Every node needs the driver's Python environment (``ray`` and this package) and the ``ludica``
binary at the same path.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
from typing import Any, Callable

#: Seconds a TCP connection to a Ray address may take before the address counts as unreachable.
CONNECT_TIMEOUT_S = 5.0
#: Seconds between progress lines while runs train.
PROGRESS_EVERY_S = 30.0
#: Seconds to wait, after Ctrl-C, for the runs to save their checkpoints.
STOP_TIMEOUT_S = 120.0


class ExperimentError(Exception):
    """Bad input (a spec, a directory, a Ray address, the binary): one line, exit status 2."""


def _train_run(ludica_bin: str, args: list[str], log: str) -> dict[str, Any]:
    """The Ray task: runs ``ludica_bin args`` with its output appended to ``log`` and returns
    its exit code. ``ray.cancel`` raises KeyboardInterrupt here; it is passed on as one SIGINT,
    after which the process saves a checkpoint and ends, and the task waits for that."""
    start = time.monotonic()
    node = socket.gethostname()
    # Ray's workers block SIGINT (a cancel arrives as KeyboardInterrupt instead), and a child
    # inherits its thread's signal mask: unblocked for the child, or it could not be stopped.
    mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM])
    try:
        with open(log, "ab") as out:
            # Its own session: the only signal it gets is the one this task passes on.
            child = subprocess.Popen(
                [ludica_bin, *args], stdin=subprocess.DEVNULL, stdout=out, stderr=out, start_new_session=True
            )
    except OSError as err:
        return {"code": None, "error": f"cannot start {ludica_bin} on {node}: {err}", "node": node, "seconds": 0.0}
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        code = _wait(child)
    except KeyboardInterrupt:
        child.send_signal(signal.SIGINT)
        while True:
            try:
                code = _wait(child)
                break
            except KeyboardInterrupt:  # a second cancel: the run is already stopping
                continue
    return {"code": code, "error": None, "node": node, "seconds": time.monotonic() - start}


def _wait(child: subprocess.Popen[bytes]) -> int:
    """Waits for ``child`` in short polls: a blocking wait would not see Ray's cancel, which
    raises KeyboardInterrupt only when Python code runs."""
    while True:
        try:
            return child.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            continue


def find_ludica_bin(path: str | os.PathLike[str] | None = None) -> str:
    """The ``ludica`` binary: ``path``, else $LUDICA_BIN, else ``ludica`` on PATH, as an
    absolute path (the one every node must have)."""
    given = path if path is not None else os.environ.get("LUDICA_BIN")
    if given is not None:
        found = pathlib.Path(given).expanduser()
        if not (found.is_file() and os.access(found, os.X_OK)):
            raise ExperimentError(f"ludica binary '{given}' is not an executable file: pass --ludica-bin PATH")
        return str(found.resolve())
    which = shutil.which("ludica")
    if which is None:
        raise ExperimentError(
            "no ludica binary: none on PATH and $LUDICA_BIN is not set; pass --ludica-bin PATH "
            "(build it with `cargo build --release`)"
        )
    return str(pathlib.Path(which).resolve())


def plan(
    spec: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    ludica_bin: str,
    device: str = "cpu",
    dry_run: bool = False,
) -> dict[str, Any]:
    """``ludica experiment plan``'s JSON: claims ``out`` for ``spec`` (nothing written with
    ``dry_run``). A bad spec or directory raises ExperimentError with the CLI's one line."""
    args = [ludica_bin, "experiment", "plan", os.fspath(spec), "--out", os.fspath(out), "--device", device]
    done = subprocess.run([*args, *(["--dry-run"] if dry_run else [])], capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        message = lines[-1] if lines else f"ludica experiment plan exited with status {done.returncode}"
        raise ExperimentError(message.removeprefix("error: "))
    return json.loads(done.stdout)


def _address(text: str) -> tuple[str, int]:
    """Host and port of a Ray address (``HOST:PORT`` or ``ray://HOST:PORT``)."""
    rest = text.removeprefix("ray://")
    host, sep, port = rest.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ExperimentError(f"Ray address '{text}' is not allowed: use auto, local, HOST:PORT or ray://HOST:PORT")
    return host.strip("[]"), int(port)


def connect(address: str, *, num_cpus: int | None = None) -> None:
    """Connects this process to Ray: ``local`` starts a Ray instance on this machine
    (``num_cpus`` CPUs, all by default), ``auto`` joins the cluster this machine is part of
    (``ray start``), ``HOST:PORT`` or ``ray://HOST:PORT`` joins that head node. An address that
    cannot be reached raises ExperimentError within ``CONNECT_TIMEOUT_S`` seconds."""
    import ray

    quiet = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    if num_cpus is not None and address != "local":
        raise ExperimentError(f"--num-cpus applies to --ray local only, not to --ray {address}")
    if address == "local":
        ray.init(address="local", num_cpus=num_cpus, **quiet)
        return
    if address == "auto":
        try:
            ray.init(address="auto", **quiet)
        except ConnectionError as err:
            raise ExperimentError(
                f"--ray auto finds no running Ray cluster on this machine ({str(err).splitlines()[0]}); "
                "start one with `ray start --head`, or pass --ray local or --ray HOST:PORT"
            ) from None
        return
    host, port = _address(address)
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        why = err.strerror or str(err) or type(err).__name__
        raise ExperimentError(
            f"Ray address '{address}' cannot be reached ({why}): pass the head node's address "
            "(`ray start --head` prints it), auto or local"
        ) from None
    ray.init(address=address, **{k: v for k, v in quiet.items() if k != "include_dashboard"})


def run(
    spec: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    ludica_bin: str | None = None,
    device: str = "cpu",
    echo: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Trains every unfinished run of ``spec`` into ``out`` as Ray tasks on the cluster this
    process is connected to (``connect`` or ``ray.init``), and waits for them. Returns
    ``{"dir", "runs", "finished_before", "finished", "failed"}`` (``failed``: names). Ctrl-C
    cancels the tasks, waits for their runs to save checkpoints and raises KeyboardInterrupt."""
    import ray

    if not ray.is_initialized():
        raise ExperimentError("not connected to Ray: call ludica.experiment.connect or ray.init first")
    binary = find_ludica_bin(ludica_bin)
    planned = plan(spec, out, ludica_bin=binary, device=device)
    runs = planned["runs"]
    todo = [r for r in runs if r["state"] != "finished"]
    before = len(runs) - len(todo)
    task = ray.remote(_train_run)
    pending = {
        task.options(
            num_cpus=r["resources"]["cpus"], num_gpus=r["resources"]["gpus"], max_retries=0, name=f"ludica {r['id']}"
        ).remote(binary, r["args"], r["log"]): r
        for r in todo
    }
    cluster = ray.cluster_resources()
    echo(
        f"experiment {planned['dir']}: {len(runs)} runs ({before} finished before), {len(todo)} submitted to Ray "
        f"({len(ray.nodes())} nodes, {cluster.get('CPU', 0):g} CPUs, {cluster.get('GPU', 0):g} GPUs); "
        "Ctrl-C stops every run at a checkpoint"
    )
    start = last_progress = time.monotonic()
    finished, failed = before, []
    try:
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in ready:
                r = pending.pop(ref)
                try:
                    result = ray.get(ref)
                except ray.exceptions.RayError as err:  # its worker or node died
                    lines = str(err).strip().splitlines()
                    result = {"code": None, "error": f"{type(err).__name__}: {lines[-1] if lines else ''}"}
                if result["code"] == 0:
                    finished += 1
                    took = f"{result['seconds']:.1f} s on {result['node']}"
                    echo(f"finished {r['id']} in {took} ({finished}/{len(runs)})")
                else:
                    failed.append(r["id"])
                    why = result["error"] or f"exit status {result['code']} on {result['node']}"
                    echo(f"failed {r['id']} ({why}); see {r['log']}")
            if pending and time.monotonic() - last_progress >= PROGRESS_EVERY_S:
                last_progress = time.monotonic()
                echo(f"runs: {finished} finished, {len(failed)} failed, {len(pending)} running or waiting")
    except KeyboardInterrupt:
        for ref in pending:
            ray.cancel(ref)
        ray.wait(list(pending), num_returns=len(pending), timeout=STOP_TIMEOUT_S)
        echo(
            f"interrupted after {time.monotonic() - start:.0f} s: {finished} of {len(runs)} runs finished; "
            "rerun the same command to resume the others from their checkpoints"
        )
        raise
    return {"dir": planned["dir"], "runs": len(runs), "finished_before": before, "finished": finished, "failed": failed}


class _Parser(argparse.ArgumentParser):
    """Bad arguments are one ``error:`` line and exit status 2, as in the ``ludica`` CLI."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """``python -m ludica.experiment run SPEC --out DIR --ray ...``; returns the exit status:
    0 every run finished, 1 some run failed, 2 bad input, 130 stopped by Ctrl-C (or SIGTERM)."""
    parser = _Parser(prog="python -m ludica.experiment", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("run", help="train every run of a grid spec as Ray tasks into DIR; rerun to resume")
    p.error = parser.error  # type: ignore[method-assign]
    p.add_argument("spec", metavar="SPEC", help="the grid spec (TOML), as for `ludica experiment run`")
    p.add_argument("--out", required=True, metavar="DIR", help="experiment directory, on storage every node sees")
    p.add_argument(
        "--ray",
        required=True,
        metavar="auto|local|ADDRESS",
        help="auto: the cluster this machine joined; local: a Ray instance started here; HOST:PORT: a head node",
    )
    p.add_argument("--ludica-bin", metavar="PATH", help="the ludica binary, at this path on every node "
                   "[default: $LUDICA_BIN, else ludica on PATH]")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                   help="cuda: every run asks Ray for one GPU, which it sees as cuda [default: cpu]")
    p.add_argument("--num-cpus", type=int, metavar="N", help="with --ray local: CPUs Ray may use [default: all]")
    args = parser.parse_args(argv)
    if args.num_cpus is not None and args.num_cpus < 1:
        parser.error(f"--num-cpus {args.num_cpus} is not allowed: give 1 or more")
    # SIGTERM (a batch system, `timeout`) stops the runs at a checkpoint, as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    connected = False
    try:
        binary = find_ludica_bin(args.ludica_bin)
        spec, out = pathlib.Path(args.spec).resolve(), pathlib.Path(args.out).resolve()
        plan(spec, out, ludica_bin=binary, device=args.device, dry_run=True)
        connect(args.ray, num_cpus=args.num_cpus)
        connected = True
        summary = run(spec, out, ludica_bin=binary, device=args.device)
    except ExperimentError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    finally:
        if connected:
            import ray

            ray.shutdown()
    if summary["failed"]:
        print(
            f"error: {len(summary['failed'])} of {summary['runs']} runs failed ({', '.join(summary['failed'])}); "
            f"their logs are in {out / 'logs'}; rerun the same command to retry them",
            file=sys.stderr,
        )
        return 1
    print(
        f"experiment {summary['dir']}: {summary['runs']} runs finished ({summary['finished_before']} before this "
        f"session); results: {binary} experiment report {summary['dir']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
