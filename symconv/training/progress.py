"""A progress bar inside each epoch: mini-batches done of total, examples/s, elapsed, time left.

On a terminal the bar is drawn by tqdm (the ``progress`` extra) and redrawn a
few times a second at most; elsewhere (a CI log, a file, a pipe), or when tqdm
is not installed, a plain line is printed each time another few percent of the
epoch is done (and a second has passed since the last one, so that quick epochs
do not flood a log), so that logs stay readable and short.
"""
import sys
import time

PLAIN_STEP_PERCENT = 5     # a plain line each time another 5% of the epoch is done
MIN_INTERVAL = 0.25        # seconds between redraws of a terminal bar
PLAIN_MIN_INTERVAL = 1.0   # seconds between plain lines


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def format_seconds(seconds):
    """``75`` -> ``"1:15"``, ``3725`` -> ``"1:02:05"``."""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


class EpochProgress:
    """The progress of one epoch's mini-batches, drawn on ``file``.

    Parameters
    ----------
    epoch, epochs : int
        The epoch in progress (counted from 1) and the run's number of epochs.
    total : int
        Mini-batches in the epoch.
    examples_per_batch : int
        The mini-batch size, to report examples/s.
    done : int
        Mini-batches already done (a resumed epoch starts part-way).
    file : file-like, optional
        Standard error by default.
    bar : bool, optional
        Force tqdm's bar (True) or plain lines (False); by default the bar is
        drawn when ``file`` is a terminal and tqdm is installed.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = EpochProgress(1, 3, total=4, examples_per_batch=10, file=out)
    >>> for k in range(1, 5):
    ...     progress.update(k)
    >>> progress.close()
    >>> out.getvalue().splitlines()[-1].split(",")[0]
    'epoch 1/3: 100% (4/4 mini-batches)'
    """

    def __init__(self, epoch, epochs, total, examples_per_batch, done=0, file=None, bar=None):
        self.epoch, self.epochs, self.total = epoch, epochs, total
        self.examples_per_batch = examples_per_batch
        self.file = file or sys.stderr
        self.started, self.start_done, self.done = time.perf_counter(), done, done
        self._last_line = self.started
        tqdm = _tqdm()
        if bar is None:
            bar = tqdm is not None and _isatty(self.file)
        if bar and tqdm is None:
            raise ImportError("a progress bar needs tqdm: pip install 'symconv[progress]'")
        self._bar = None
        self._next_percent = (100 * done // total // PLAIN_STEP_PERCENT + 1) * PLAIN_STEP_PERCENT
        if bar:
            self._bar = tqdm(total=total, initial=done, desc=f"epoch {epoch}/{epochs}",
                             unit=" mini-batches", file=self.file, mininterval=MIN_INTERVAL,
                             leave=False, dynamic_ncols=True,
                             bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                             "mini-batches [{elapsed}<{remaining}{postfix}]")

    def rate(self):
        """Examples per second since the epoch (or this part of it) started."""
        seconds = time.perf_counter() - self.started
        return (self.done - self.start_done) * self.examples_per_batch / seconds if seconds else 0.0

    def update(self, done):
        """Note that ``done`` mini-batches of the epoch are finished."""
        step, self.done = done - self.done, done
        if self._bar is not None:
            self._bar.set_postfix_str(f"{self.rate():,.0f} examples/s", refresh=False)
            self._bar.update(step)
            return
        if 100 * done >= self._next_percent * self.total:
            now = time.perf_counter()
            if now - self._last_line >= PLAIN_MIN_INTERVAL:
                self._plain_line()
                self._last_line = now
            while self._next_percent * self.total <= 100 * done:
                self._next_percent += PLAIN_STEP_PERCENT

    def _plain_line(self):
        seconds = time.perf_counter() - self.started
        batches_per_second = (self.done - self.start_done) / seconds if seconds else 0.0
        left = (self.total - self.done) / batches_per_second if batches_per_second else 0.0
        print(f"epoch {self.epoch}/{self.epochs}: {100 * self.done // self.total:.0f}% "
              f"({self.done:,}/{self.total:,} mini-batches), {self.rate():,.0f} examples/s, "
              f"{format_seconds(seconds)} elapsed, {format_seconds(left)} left",
              file=self.file, flush=True)

    def close(self):
        """Take the bar off the screen (the epoch's summary line follows on standard output)."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _isatty(file):
    try:
        return file.isatty()
    except (AttributeError, ValueError):
        return False
