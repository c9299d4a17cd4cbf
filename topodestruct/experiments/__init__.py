"""Reproductions of the paper's experiments: resumable sweeps, figures, summaries.

``topodestruct reproduce <panel>`` calls :func:`reproduce`, then draws with
:func:`topodestruct.plotting.fig2.write_pngs`.  Every experiment stores one
record per finished configuration in a :class:`ResultStore`
(``<out>/<panel>[-quick].jsonl``, written by this process only) and a text
summary next to it (``<panel>[-quick].txt``); the PNG goes beside them
(``<panel>[-quick].png``).  Rerunning a command resumes an interrupted sweep.
Sweeps are computed by :mod:`.runner` (here, in local processes or on Dask);
one module per figure holds its configurations and statistics (:mod:`.fig2`).

Examples
--------
>>> from topodestruct import experiments
>>> runs = experiments.reproduce("fig2d", quick=True, out=tmp_results)  # doctest: +SKIP
>>> print(runs["fig2d"].summary)  # doctest: +SKIP
"""
import dataclasses
import pathlib

from .._parallel import dask_client
from .runner import sweep_status
from .store import ResultStore, config_key, package_versions

__all__ = ["reproduce", "PanelRun", "ResultStore", "config_key", "package_versions",
           "FIGURES", "QUICK_NOTE"]

QUICK_NOTE = ("Quick run (--quick): smaller networks, data and sweeps than the paper's, so "
              "the verdicts below are not at the paper's scale; run without --quick for "
              "them.")

# figure name -> panels it consists of; panel -> module computing it
FIGURES = {"fig2": ("fig2a", "fig2b", "fig2c", "fig2d")}
_PANEL_MODULES = {panel: "fig2" for panel in FIGURES["fig2"]}
_PANEL_MODULES.update(fig3a="mnist_training", fig3b="mnist_training", fig3c="regression",
                      fig4="regression")  # trained networks (Figures 3, 4)


@dataclasses.dataclass
class PanelRun:
    """Outcome of reproducing one panel: its records, summary text and files."""

    panel: str
    quick: bool
    records: list
    summary: str
    png: pathlib.Path
    summary_path: pathlib.Path
    store_path: pathlib.Path

    def __repr__(self):
        return (f"PanelRun({self.panel!r}, quick={self.quick}, {len(self.records)} records, "
                f"png={str(self.png)!r})")


def _module(panel):
    from importlib import import_module

    return import_module(f".{_PANEL_MODULES[panel]}", __name__)


def reproduce(panel, quick=False, out="results", seed=0, jobs=1, progress=True,
              scheduler=None, log=print, **options):
    """Run (or resume) a figure panel's sweep, then write its summary.

    Parameters
    ----------
    panel : str
        A panel (``"fig2a"`` ... ``"fig2d"``) or a whole figure (``"fig2"``:
        all its panels plus a combined ``fig2[-quick].png``).
    quick : bool
        Small sweep that finishes in seconds (what the tests run).
    out : str or os.PathLike
        Results folder; created if missing.
    seed : int
        Non-negative run seed; each configuration's seed derives from it, the
        panel and the configuration, so resumed and parallel runs give
        identical numbers.
    jobs : int
        Worker processes (single-threaded each).
    progress : bool
        Show progress bars.
    scheduler : str or distributed.Client, optional
        Compute on Dask (an address, ``"local:N"`` or a client); the records
        are written here, as without it.
    log : callable
        Where the summaries and the resume notes (``"fig2a: resumed: 40 of 180
        records present in results/fig2a.jsonl"``) go; ``print`` by default.
    **options
        Passed to the panel's ``panel_configs`` and ``run_panel`` (trained
        networks: ``data`` (MNIST folder), ``device``, size overrides;
        ``"naitzat"``: ``data``, ``dataset``, ``cls``, ``models``, see
        :func:`topodestruct.experiments.naitzat.reproduce_naitzat`).

    Returns
    -------
    dict
        ``{panel: PanelRun}`` for each panel run; ``png`` is where
        :func:`topodestruct.plotting.fig2.write_pngs` draws it.
    """
    if panel == "naitzat":
        from .naitzat import reproduce_naitzat
        return {panel: reproduce_naitzat(quick=quick, out=out, progress=progress, log=log,
                                         jobs=jobs, scheduler=scheduler, **options)}
    panels = FIGURES.get(panel, (panel,))
    unknown = [p for p in panels if p not in _PANEL_MODULES]
    if unknown:
        names = sorted(set(FIGURES) | set(_PANEL_MODULES))
        raise ValueError(f"unknown panel {panel!r}; expected one of {', '.join(names)}")
    runs = {}
    close = None
    if isinstance(scheduler, str) and len(panels) > 1:   # one cluster for all panels
        scheduler, close = dask_client(scheduler)
    try:
        for p in panels:
            mod = _module(p)
            paths = mod.result_paths(p, out, quick)
            present, total = sweep_status(mod.panel_configs(p, quick, seed, **options),
                                          ResultStore(paths["store"]))
            if present:
                log(f"{p}: resumed: {present} of {total} records present in {paths['store']}")
            records = mod.run_panel(p, quick=quick, out=out, seed=seed, jobs=jobs,
                                    progress=progress, scheduler=scheduler, **options)
            summary = mod.summarize(p, records)
            if quick:
                summary = QUICK_NOTE + "\n\n" + summary
            paths["summary"].write_text(summary)
            log(summary)
            runs[p] = PanelRun(p, quick, records, summary, paths["png"], paths["summary"],
                               paths["store"])
    finally:
        if close is not None:
            close()
    return runs


def __dir__():  # dir() shows the public names only
    return __all__
