"""The progress bar inside each epoch: plain lines in logs, a rate-limited tqdm bar on terminals."""
import io
import re
import time

import pytest

from symconv.training import progress
from symconv.training.progress import EpochProgress, format_seconds
from tests.helpers import mnist_slices, shallow_network


class Terminal(io.StringIO):
    def isatty(self):
        return True


PLAIN = re.compile(r"epoch (\d+)/(\d+): (\d+)% \(([\d,]+)/([\d,]+) mini-batches\), [\d,]+ "
                   r"examples/s, \d+:\d\d elapsed, \d+:\d\d left")


def test_plain_lines_every_few_percent_when_not_a_terminal(monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_MIN_INTERVAL", 0.0)
    training, validation, test = mnist_slices(400, 20, 20)     # 40 mini-batches an epoch
    log = io.StringIO()
    shallow_network().SGD(training, 2, 10, 0.5, validation, test, report="quiet", progress=log)
    lines = log.getvalue().splitlines()
    matches = [PLAIN.fullmatch(line) for line in lines]
    assert all(matches), lines
    first = [m.groups() for m in matches if m.group(1) == "1"]
    assert [int(g[2]) for g in first] == list(range(5, 101, 5))   # one line per 5%, none twice
    assert first[-1][3:] == ("40", "40") and first[0][3] == "2"
    assert {m.group(2) for m in matches} == {"2"} and len(lines) == 40
    assert "\r" not in log.getvalue()


def test_terminal_bar_is_tqdm_redrawn_a_few_times_a_second_at_most():
    pytest.importorskip("tqdm")
    screen = Terminal()
    total = 10 ** 7
    bar = EpochProgress(3, 60, total=total, examples_per_batch=10, file=screen)
    started, done = time.perf_counter(), 0
    while time.perf_counter() - started < 1.0:
        done += 1
        bar.update(done)            # far faster than a real step: redraws must be throttled
    bar.close()
    text = screen.getvalue()
    assert "epoch 3/60:" in text and f"/{total} mini-batches" in text
    assert 2 <= text.count("\r") <= 1 / progress.MIN_INTERVAL + 3
    assert "examples/s" in text and "<" in text     # rate and elapsed<remaining (the ETA)


def test_plain_lines_are_at_least_a_second_apart():
    log = io.StringIO()
    bar = EpochProgress(1, 1, total=100, examples_per_batch=10, file=log, bar=False)
    for done in range(1, 101):
        bar.update(done)            # a quick epoch: each 5% comes well within a second
    assert log.getvalue() == ""
    time.sleep(progress.PLAIN_MIN_INTERVAL)
    bar.update(100)
    assert log.getvalue() == ""     # 100% was passed already: no line repeats a percentage


def test_a_resumed_epoch_starts_part_way(monkeypatch):
    monkeypatch.setattr(progress, "PLAIN_MIN_INTERVAL", 0.0)
    log = io.StringIO()
    bar = EpochProgress(2, 3, total=100, examples_per_batch=10, done=42, file=log, bar=False)
    bar.update(44)
    bar.update(45)
    bar.update(100)
    assert [line.split(":")[1].split()[0] for line in log.getvalue().splitlines()] == \
        ["45%", "100%"]


def test_without_tqdm_a_terminal_gets_plain_lines(monkeypatch):
    monkeypatch.setattr(progress, "_tqdm", lambda: None)
    monkeypatch.setattr(progress, "PLAIN_MIN_INTERVAL", 0.0)
    screen = Terminal()
    bar = EpochProgress(1, 1, total=20, examples_per_batch=10, file=screen)
    for done in range(1, 21):
        bar.update(done)
    assert len(screen.getvalue().splitlines()) == 20 and "\r" not in screen.getvalue()


def test_format_seconds():
    assert [format_seconds(s) for s in (0, 75, 3725)] == ["0:00", "1:15", "1:02:05"]
