"""A resumable, append-only store of finished experiment configurations.

Every long experiment in topodestruct (random networks of Figure 2, trained
networks later) is a sweep over *configurations*: small dicts of parameters
such as ``{"m": 10, "n1": 25, "trial": 3}``.  :class:`ResultStore` keeps one
JSON line per finished configuration::

    {"params": {...}, "seed": 1234, "result": {...},
     "versions": {"topodestruct": "0.1.0", "numpy": ..., "torch": ..., "python": ...},
     "finished": "2025-01-01T12:00:00+00:00", "elapsed_s": 0.012}

so that a sweep can skip what is already stored (resume) and an interrupted
run loses at most the configuration it was computing.

Crash safety
------------
Each record is written as a single ``write`` of one complete line followed by
``flush`` and ``os.fsync``.  A crash can therefore only leave a *truncated last
line*; on opening, such a line is dropped (or, if it is complete JSON that only
lacks its newline, kept) and the file is repaired before anything else is
appended.  A malformed line anywhere else is not a crash artefact and raises
``ValueError``.  Appends take an advisory ``flock`` so two processes writing the
same file interleave whole lines only.
"""
import datetime
import json
import os
import pathlib
import platform
import sys

try:  # advisory locking is POSIX-only; the store works without it
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

__all__ = ["ResultStore", "config_key", "package_versions", "json_safe"]


def _to_builtin(value):
    """json.dumps fallback for numpy scalars and arrays."""
    if hasattr(value, "tolist"):  # numpy scalar or array, torch tensor
        return value.tolist()
    raise TypeError(f"value of type {type(value).__name__} is not JSON serialisable")


def json_safe(value):
    """``value`` with every float that JSON cannot hold (inf, -inf, nan) as the string
    ``"inf"``, ``"-inf"`` or ``"nan"`` (``float()`` reads them back), and numpy scalars
    and arrays as builtins: strict JSON, which other tools (jq, JavaScript) can read.

    >>> json_safe({"sizes": [[float("inf"), 1.5]], "n": 2})
    {'sizes': [['inf', 1.5]], 'n': 2}
    """
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return json_safe(value.tolist())
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, float) and value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return value


def config_key(params):
    """Canonical string identifying a configuration (sorted-key JSON).

    Parameters
    ----------
    params : dict
        JSON-serialisable configuration parameters.

    Returns
    -------
    str

    Examples
    --------
    >>> config_key({"n1": 5, "m": 2}) == config_key({"m": 2, "n1": 5})
    True
    """
    if not isinstance(params, dict):
        raise TypeError(f"params must be a dict, got {type(params).__name__}")
    return json.dumps(params, sort_keys=True, separators=(",", ":"), default=_to_builtin)


def package_versions():
    """Versions of Python and of the packages that determine the numbers.

    Returns
    -------
    dict
        ``{"python", "platform", "topodestruct", "numpy", "torch"}``; a package
        that cannot be imported is reported as ``None``.
    """
    versions = {"python": platform.python_version(), "platform": sys.platform}
    for name in ("topodestruct", "numpy", "torch"):
        try:
            versions[name] = __import__(name).__version__
        except ImportError:  # pragma: no cover - all are dependencies
            versions[name] = None
    return versions


class ResultStore:
    """Append-only JSON-lines file of finished configurations.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.jsonl`` file; it and its folder are created on first write.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "demo.jsonl")
    >>> store = ResultStore(path)
    >>> _ = store.add({"m": 2, "trial": 0}, {"min_rank": 1}, seed=7)
    >>> {"trial": 0, "m": 2} in ResultStore(path)
    True
    >>> ResultStore(path).get({"m": 2, "trial": 0})["result"]
    {'min_rank': 1}
    """

    def __init__(self, path):
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
        self.path = pathlib.Path(path)
        self._records = {}  # key -> record, in file order
        self._versions = package_versions()
        self._load()

    # -- reading ---------------------------------------------------------
    def _load(self):
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        lines = data.split(b"\n")
        tail = lines.pop()  # b"" when the file ends with a newline
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                self._remember(record)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{self.path}: line {lineno} is not a valid record "
                                 f"({exc}); only a truncated last line is tolerated") from None
        if tail.strip():
            self._repair_tail(data, tail)

    def _repair_tail(self, data, tail):
        """Handle a last line without newline: a crash interrupted its write."""
        try:
            record = json.loads(tail)
            self._remember(record)
            fix = b"\n"  # complete record, only the newline was lost
        except (ValueError, KeyError, TypeError):
            fix = None
        with open(self.path, "r+b") as fh:
            if fix is None:
                fh.truncate(len(data) - len(tail))
            else:
                fh.seek(0, os.SEEK_END)
                fh.write(fix)
            fh.flush()
            os.fsync(fh.fileno())

    def _remember(self, record):
        key = config_key(record["params"])
        self._records.setdefault(key, record)  # results are deterministic: keep the first

    def __len__(self):
        return len(self._records)

    def __contains__(self, params):
        return config_key(params) in self._records

    def __iter__(self):
        return iter(list(self._records.values()))

    def __repr__(self):
        return f"ResultStore({str(self.path)!r}, {len(self)} records)"

    def get(self, params, default=None):
        """The stored record of a configuration, or `default`."""
        return self._records.get(config_key(params), default)

    def pending(self, configs):
        """The configurations of `configs` that are not stored yet, in order."""
        return [params for params in configs if params not in self]

    def results(self, configs):
        """Stored records for `configs`, in order; raises KeyError if one is missing."""
        missing = self.pending(configs)
        if missing:
            raise KeyError(f"{len(missing)} configuration(s) not in {self.path}, "
                           f"e.g. {missing[0]}")
        return [self.get(params) for params in configs]

    # -- writing ---------------------------------------------------------
    def add(self, params, result, seed=None, elapsed_s=None, **extra):
        """Append one finished configuration and make it durable before returning.

        Parameters
        ----------
        params : dict
            The configuration (its canonical JSON is the resume key).
        result : dict
            What was computed.
        seed : int, optional
            The seed the configuration was computed with.
        elapsed_s : float, optional
            Compute time of the configuration, in seconds.
        **extra
            Further JSON-serialisable fields stored verbatim.

        Returns
        -------
        dict
            The record as stored.
        """
        if not isinstance(result, dict):
            raise TypeError(f"result must be a dict, got {type(result).__name__}")
        record = {"params": params, "seed": seed, "result": result,
                  "versions": self._versions,
                  "finished": datetime.datetime.now(datetime.timezone.utc).isoformat(
                      timespec="seconds"),
                  "elapsed_s": elapsed_s, **json_safe(extra)}
        record["result"] = json_safe(result)    # strict JSON: "inf" for inf
        line = json.dumps(record, sort_keys=True, default=_to_builtin, allow_nan=False)
        record = json.loads(line)  # what a later reader will see (numpy -> builtins)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as fh:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                fh.write(line.encode() + b"\n")
                fh.flush()
                os.fsync(fh.fileno())
            finally:
                if fcntl is not None:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        self._remember(record)
        return record


def __dir__():  # dir() shows the public names only
    return __all__
