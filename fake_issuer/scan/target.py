"""The target: URLs of an API already running, or ``--run CMD`` launched with the issuer's settings.

``CMD`` is split like a shell line (no shell runs it); leading ``NAME=value`` words become environment
variables; placeholders ``{issuer}``, ``{jwks_url}``, ``{audience}``, ``{ca}``, ``{scope}``,
``{port}`` are filled in every word and in the target URLs. The scanner waits until the target answers
any HTTP request (any status), and stops it (its whole process group) afterwards.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Self

import urllib3

_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
PLACEHOLDERS = ("issuer", "jwks_url", "audience", "ca", "scope", "port")


class TargetError(Exception):
    """The target could not be launched or did not answer."""


def free_port() -> int:
    """A loopback port nobody listens on now (bound to port 0, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fill(text: str, settings: Mapping[str, str]) -> str:
    """``text`` with its placeholders filled; an unknown one is a ``TargetError``."""
    try:
        return text.format_map(settings)
    except (KeyError, IndexError, ValueError) as error:
        raise TargetError(f"{text!r}: unknown placeholder {error}; use {', '.join(PLACEHOLDERS)}") from None


def command(line: str, settings: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """The argv and extra environment of ``line`` with placeholders filled."""
    try:
        words = shlex.split(line)
    except ValueError as error:
        raise TargetError(f"--run {line!r}: {error}") from None
    env: dict[str, str] = {}
    while words and _ASSIGNMENT.match(words[0]):
        name, _, value = words.pop(0).partition("=")
        env[name] = fill(value, settings)
    if not words:
        raise TargetError(f"--run {line!r} names no command")
    if shutil.which(words[0]) is None:
        raise TargetError(f"cannot run {words[0]!r}: no such program")
    return [fill(word, settings) for word in words], env


def answers(url: str, *, timeout: float = 1.0, ca: str | None = None) -> bool:
    """Whether anything answers HTTP at ``url`` (any status)."""
    http = urllib3.PoolManager(retries=False, timeout=timeout, ca_certs=ca)
    try:
        http.request("GET", url, redirect=False)
    except (urllib3.exceptions.HTTPError, OSError):
        return False
    finally:
        http.clear()
    return True


@dataclass
class Launched:
    """A target process started from ``argv`` with ``env``; a context manager that stops it."""

    argv: Sequence[str]
    env: Mapping[str, str]
    probe: str
    ca: str | None = None
    startup_timeout: float = 30.0
    log: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> float:
        """Start the process and wait until ``probe`` answers; the seconds that took."""
        started = time.monotonic()
        output = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - kept open while it runs
        try:
            self.process = subprocess.Popen(
                list(self.argv),
                env={**os.environ, **self.env},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as error:
            raise TargetError(f"cannot run {self.argv[0]!r}: {error}") from None
        finally:
            if self.log:
                output.close()  # type: ignore[union-attr]
        while time.monotonic() - started < self.startup_timeout:
            if self.process.poll() is not None:
                raise TargetError(f"the target exited with status {self.process.returncode} before answering")
            if answers(self.probe, ca=self.ca):
                return time.monotonic() - started
            time.sleep(0.1)
        self.stop()
        raise TargetError(f"the target did not answer {self.probe} within {self.startup_timeout} s")

    def stop(self) -> None:
        """Stop the process group: SIGTERM, then SIGKILL after 5 s."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover - only a target that ignores SIGTERM
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
