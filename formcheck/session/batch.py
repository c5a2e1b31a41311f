"""Review many videos at once: on a local process pool, or on a Ray cluster.

Each video is analysed exactly as ``formcheck analyze`` would (same report,
same files) into its own folder ``DIR/<video stem>/``, and gets one row in
``DIR/sessions.csv``, written as it finishes so a stopped batch keeps its rows.
A rerun skips the videos whose report is already whole, so a batch that was
stopped, or that met a few bad files, is finished by running it again.

Workers are processes, one per core (the pose model keeps about one core busy),
that live for the whole batch, so each starts MediaPipe once. The local pool
never imports Ray.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import glob
import json
import logging
import multiprocessing
import os
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from ..core.errors import FormcheckError, InputError, OutputError
from ..core.files import read_small_text
from ..engine.spec import resolve_exercise
from ..io.model import ModelVariant, model_path
from ..io.video import VIDEO_EXTENSIONS
from ..outputs.folder import claim_folder
from .offline import OUTPUT_FILES, analyze_video

__all__ = ["SESSIONS_CSV", "BatchJob", "BatchRow", "BatchSettings", "analyse", "expand_inputs", "finished_row",
           "run_batch", "run_in_pool", "run_on_ray", "stop_workers", "worker_pool"]

SESSIONS_CSV = "sessions.csv"
LOCK_NAME = ".formcheck-batch.lock"
#: A list of videos is small; a bigger "CSV" is the wrong file.
MAX_CSV_BYTES = 16 * 1024**2
#: Our own report.json is far smaller; anything bigger is not one.
MAX_REPORT_BYTES = 64 * 1024**2


@dataclass(frozen=True)
class BatchJob:
    """One video to analyse."""

    video: str  # as listed by the user: the "video" column of sessions.csv
    source: Path  # absolute, so a worker in another folder (a Ray node) finds it
    exercise: str | None  # an exercise id or an absolute .toml path; None: pose only
    folder: str  # its report folder, DIR/<folder>: the video's stem, made unique within the batch


@dataclass(frozen=True)
class BatchSettings:
    """What every video of a batch shares."""

    out_dir: Path  # absolute, for the same reason as BatchJob.source
    model: str = ModelVariant.FULL.value
    write_video: bool = True


@dataclass(frozen=True)
class BatchRow:
    """One line of sessions.csv; the field names are its columns."""

    video: str
    exercise: str
    status: str  # "ok" or "error"
    frames: int | None = None
    reps: int | None = None
    partial_reps: int | None = None
    hold_s: float | None = None  # seconds held with good form, all sides together
    hold_s_left: float | None = None  # per side, for one-sided exercises
    hold_s_right: float | None = None
    faults: int | None = None  # fault intervals in the report
    folder: str = ""  # the report folder under DIR, when there is a report
    error: str = ""

    @classmethod
    def failed(cls, job: BatchJob, message: str) -> BatchRow:
        """An error row; the message without the path it starts with (the video column has it)."""
        return cls(video=job.video, exercise=job.exercise or "", status="error",
                   error=message.removeprefix(f"{job.source}: "))

    @classmethod
    def from_report(cls, job: BatchJob, report: dict) -> BatchRow:
        """The row a report stands for; an interrupted report or one with nobody in it is an error row."""
        hold = {side: totals["hold_s"] for side, totals in report["sides"].items()}
        error = ""
        if report.get("interrupted"):
            error = "interrupted before the end of the video"
        elif not report["person_detected"]:
            error = "no person was found in this video"
        return cls(
            video=job.video, exercise=report["exercise"] or "", status="error" if error else "ok",
            frames=report["frames"], reps=report["reps"],
            partial_reps=sum(totals["partial_reps"] for totals in report["sides"].values()),
            hold_s=round(sum(hold.values()), 3), hold_s_left=hold.get("left"), hold_s_right=hold.get("right"),
            faults=len(report["faults"]), folder=job.folder, error=error,
        )

    @property
    def ok(self) -> bool:
        return self.status == "ok"


COLUMNS = [field.name for field in dataclasses.fields(BatchRow)]


# --- the job list -------------------------------------------------------------------------------------------


def expand_inputs(inputs: Sequence[str], exercise: str | None = None) -> list[BatchJob]:
    """The videos named by ``inputs``, in order, each once: files, folders (their video files),
    globs, and CSV files of ``path,exercise`` rows (header optional, paths relative to the CSV).
    ``exercise`` is the default for a video that has none.

    A folder or glob with no video in it is an error (a typo, most likely), found before anything
    runs; a file that is missing or not a video becomes an error row when it is analysed.
    """
    default = _exercise_arg(exercise, Path.cwd())
    listed: list[tuple[Path, str | None]] = []
    for item in inputs:
        if item.lower().endswith(".csv"):
            listed += _read_list(Path(item), default)
        else:
            listed += [(video, default) for video in _videos(item, Path())]
    return _name_folders(_unique(listed))


def _videos(item: str, base: Path) -> list[Path]:
    path = base / item
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if _is_video(p))
        if not found:
            raise InputError(f"{item}: no video files in this folder ({', '.join(VIDEO_EXTENSIONS)})")
        return found
    if any(char in item for char in "*?[") and not path.exists():
        found = sorted(p for p in map(Path, glob.glob(str(path), recursive=True)) if _is_video(p))
        if not found:
            raise InputError(f"{item}: matches no video file ({', '.join(VIDEO_EXTENSIONS)})")
        return found
    return [path]


def _is_video(path: Path) -> bool:
    return path.suffix.lower().lstrip(".") in VIDEO_EXTENSIONS and path.is_file()


def _exercise_arg(exercise: str | None, base: Path) -> str | None:
    """An exercise file's path made absolute (workers may run elsewhere); an id as it is."""
    if exercise and (exercise.endswith(".toml") or "/" in exercise):
        return str((base / exercise).resolve())
    return exercise or None


def _read_list(path: Path, default: str | None) -> list[tuple[Path, str | None]]:
    """The videos of a CSV list: ``path[,exercise]`` per row (a blank exercise: ``default``), an
    optional ``path,exercise`` header; paths (videos, folders, globs, .toml files) relative to the CSV."""
    listed: list[tuple[Path, str | None]] = []
    for number, cells in enumerate(csv.reader(read_small_text(path, max_bytes=MAX_CSV_BYTES).splitlines()), 1):
        cells = [cell.strip() for cell in cells]
        if not any(cells) or (not listed and cells[0].lower() in ("path", "video")):
            continue
        if not cells[0]:
            raise InputError(f"{path}: line {number}: no video path")
        exercise = _exercise_arg(cells[1], path.parent) if len(cells) > 1 and cells[1] else default
        listed += [(video, exercise) for video in _videos(cells[0], path.parent)]
    return listed


def _unique(listed: list[tuple[Path, str | None]]) -> list[tuple[Path, str | None]]:
    """A video named twice (a folder and one of its files) with the same exercise is analysed once."""
    seen, unique = set(), []
    for video, exercise in listed:
        key = (video.resolve(), exercise)
        if key not in seen:
            seen.add(key)
            unique.append((video, exercise))
    return unique


def _name_folders(listed: list[tuple[Path, str | None]]) -> list[BatchJob]:
    """Each video's folder is its stem; a stem already taken gets -2, -3... in list order, so the
    same command names the same folders again (which is what lets a rerun resume)."""
    taken: set[str] = set()
    jobs = []
    for video, exercise in listed:
        folder, n = video.stem, 2
        while folder in taken:
            folder, n = f"{video.stem}-{n}", n + 1
        taken.add(folder)
        jobs.append(BatchJob(video=str(video), source=video.resolve(), exercise=exercise, folder=folder))
    return jobs


# --- resuming -----------------------------------------------------------------------------------------------


def finished_row(job: BatchJob, settings: BatchSettings) -> BatchRow | None:
    """The row of a video an earlier run finished, or None to analyse it (again).

    Finished means its report.json is whole (not ``"interrupted": true``) and was made from this
    video, with this exercise and model, and with the annotated video if one is wanted now.
    """
    try:
        report = json.loads(read_small_text(settings.out_dir / job.folder / OUTPUT_FILES["report"],
                                            max_bytes=MAX_REPORT_BYTES))
        spec = resolve_exercise(job.exercise)
    except (FormcheckError, ValueError):
        return None
    if not isinstance(report, dict) or report.get("interrupted") or report.get("source") != str(job.source):
        return None
    if report.get("exercise") != (spec.id if spec else None) or report.get("model") != settings.model:
        return None
    if settings.write_video and "video" not in report.get("outputs", {}):
        return None
    return BatchRow.from_report(job, report)


# --- one video, in a worker ---------------------------------------------------------------------------------


def analyse(job: BatchJob, settings: BatchSettings) -> BatchRow:
    """Analyse one video in a worker process (pool or Ray). Never raises: whatever goes wrong with
    one video is its row's error, and the batch goes on.

    Each video gets a fresh pose model, as ``formcheck analyze`` does, so its results never depend
    on which video its worker had before: MediaPipe's one-person graph smooths visibility and world
    landmarks with filters that nothing in its API resets (a reused model gave visibilities up to
    0.17 off for the first seconds of the next video). The worker process itself lives on, so
    MediaPipe's start-up is paid once per worker; a fresh model then costs ~0.2 s.
    """
    import cv2

    # One worker per core already: OpenCV's own thread per core (resizing the annotated frames)
    # would only contend with the other workers.
    cv2.setNumThreads(1)
    try:
        result = analyze_video(job.source, exercise=job.exercise, model=settings.model,
                               out_dir=settings.out_dir / job.folder, write_video=settings.write_video)
    except FormcheckError as exc:
        return BatchRow.failed(job, str(exc))
    except Exception as exc:  # a bug met on one video must not lose the others
        return BatchRow.failed(job, f"unexpected error: {type(exc).__name__}: {exc}")
    return BatchRow.from_report(job, result.report)


# --- runners: jobs in, rows out as they finish --------------------------------------------------------------


def default_workers() -> int:
    """One worker per core this process may use. A worker keeps about one core busy: the model's
    inference runs on one thread (MediaPipe 1.2 takes XNNPACK's thread count from an internal flag
    that neither its options nor the environment can set), so more workers would only contend,
    and fewer would leave cores idle."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _ignore_ctrl_c() -> None:
    """Ctrl-C reaches the whole process group; the batch (the parent) decides what stops, and how."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_in_pool(jobs: Sequence[BatchJob], settings: BatchSettings, workers: int | None = None) -> Iterator[BatchRow]:
    """Rows as the videos finish, from local worker processes (:func:`worker_pool`)."""
    executor = worker_pool(min(workers or default_workers(), len(jobs)))
    futures = {executor.submit(analyse, job, settings): job for job in jobs}
    try:
        for future in as_completed(futures):
            yield _pool_row(future, futures[future])
    except BaseException:
        stop_workers(executor)
        raise
    executor.shutdown()


def _pool_row(future: Future, job: BatchJob) -> BatchRow:
    try:
        return future.result()
    except Exception as exc:  # the worker process died (killed, out of memory): the pool cannot go on
        return BatchRow.failed(job, f"worker process failed: {exc}")


def worker_pool(workers: int) -> ProcessPoolExecutor:
    """Local worker processes, spawned (forking a process that has threads, such as the progress
    bar's, can deadlock the child), that leave Ctrl-C to their parent."""
    return ProcessPoolExecutor(max(1, workers), mp_context=multiprocessing.get_context("spawn"),
                               initializer=_ignore_ctrl_c)


def stop_workers(executor: ProcessPoolExecutor) -> None:
    """Stop now, dropping the videos in progress: waiting for them could take minutes, and their
    folders keep what they had (see OutputFolder), so a rerun does them. (Python 3.14 has
    ``terminate_workers()``; 3.11 needs the executor's process table.)"""
    processes = list((executor._processes or {}).values())
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join()


def run_on_ray(jobs: Sequence[BatchJob], settings: BatchSettings, address: str = "auto") -> Iterator[BatchRow]:
    """Rows as the videos finish, from one Ray task per video (one CPU each). Ray keeps its worker
    processes from task to task, so each starts MediaPipe once, as a pool worker does.

    ``address`` "auto" joins the cluster this machine knows of (``RAY_ADDRESS``, or the last one
    started here) or starts a local one; otherwise it is the cluster's address. Connects only if
    this process is not connected already, and then disconnects (a local cluster it started stops).
    With a cluster of several machines the videos and ``--out`` must be at the same path on each.
    """
    try:
        import ray
    except ImportError:
        raise InputError("--ray needs Ray: pip install 'formcheck[cluster]'") from None
    connected_here = not ray.is_initialized()
    if connected_here:
        _connect(ray, address)
    task = ray.remote(num_cpus=1, max_retries=0)(analyse)
    pending = {task.remote(job, settings): job for job in jobs}
    try:
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            yield _ray_row(ray, ref, pending.pop(ref))
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    finally:
        if connected_here:
            ray.shutdown()


def _connect(ray, address: str) -> None:
    """Join or start the cluster. ``ray.init`` makes SIGTERM a bare ``sys.exit``; the handler
    this process had (the CLI's: stop cleanly, cancel the tasks, exit 143) is put back."""
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        # Workers' own output (MediaPipe's log lines) stays in Ray's log files, off this terminal.
        ray.init(address=None if address == "auto" else address, log_to_driver=False,
                 logging_level=logging.ERROR)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise InputError(f"--ray {address}: cannot connect to the Ray cluster ({exc})") from None
    finally:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, sigterm)


def _ray_row(ray, ref, job: BatchJob) -> BatchRow:
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:  # the worker died, or the node was lost
        return BatchRow.failed(job, f"Ray worker failed: {str(exc).strip().splitlines()[0]}")


# --- the batch ----------------------------------------------------------------------------------------------


class SessionsCsv:
    """DIR/sessions.csv, one row per video, each flushed as it is written so a stopped batch keeps
    its rows. Rewritten by every run: the rows an earlier run finished come first (from their reports)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._file: TextIO = open(path, "w", newline="", encoding="utf-8")
        except OSError as exc:
            raise self._error(exc) from None
        self._writer = csv.DictWriter(self._file, COLUMNS)
        self._guard(self._writer.writeheader)

    def write(self, row: BatchRow) -> None:
        values = {key: "" if value is None else value for key, value in dataclasses.asdict(row).items()}
        self._guard(self._writer.writerow, values)

    def _guard(self, call: Callable, *args: object) -> None:
        try:
            call(*args)
            self._file.flush()
        except OSError as exc:
            raise self._error(exc) from None

    def _error(self, exc: OSError) -> OutputError:
        return OutputError(f"{self.path}: cannot write ({exc.strerror or exc})")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()

    def __enter__(self) -> SessionsCsv:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@contextlib.contextmanager
def _batch_lock(out_dir: Path) -> Iterator[None]:
    """One batch at a time per output folder (each video's folder has its own lock as well)."""
    lock = claim_folder(out_dir, LOCK_NAME, "another formcheck batch")
    try:
        yield
    finally:
        lock.release()


Runner = Callable[[Sequence[BatchJob], BatchSettings], Iterator[BatchRow]]
OnRow = Callable[[BatchRow, bool], None]


def run_batch(jobs: Sequence[BatchJob], settings: BatchSettings, *, runner: Runner = run_in_pool,
              on_row: OnRow | None = None) -> list[BatchRow]:
    """Analyse every job an earlier run has not finished into ``settings.out_dir`` with ``runner``
    (:func:`run_in_pool`, or :func:`run_on_ray` via ``functools.partial``), writing sessions.csv
    as rows come in. ``on_row(row, resumed)`` hears of each row, the resumed ones first.

    Ctrl-C or SIGTERM (KeyboardInterrupt) stops the workers and propagates; the rows written so
    far stay in sessions.csv.
    """
    model_path(settings.model)  # a missing model is one error now, not one per video
    rows: list[BatchRow] = []
    with _batch_lock(settings.out_dir), SessionsCsv(settings.out_dir / SESSIONS_CSV) as sessions:
        def record(row: BatchRow, resumed: bool) -> None:
            sessions.write(row)
            rows.append(row)
            if on_row is not None:
                on_row(row, resumed)

        todo = []
        for job in jobs:
            row = finished_row(job, settings)
            if row is None:
                todo.append(job)
            else:
                record(row, True)
        if todo:
            with contextlib.closing(runner(todo, settings)) as results:
                for row in results:
                    record(row, False)
    return rows
