"""Starting mirror detection's reference set, shared by the stream worker and the batch scan
(from the snapshot when it can stand for the index, else from the store)."""

from __future__ import annotations

from tarazu.bootstrap import App
from tarazu.entrypoints.cli.common import progress_bar
from tarazu.service import mirrors
from tarazu.service.mirrors.snapshot import StartReport, fill_reference_set, snapshot_path


def start_detector(container: App, detector: mirrors.MirrorDetector,
                   show_progress: bool = False) -> StartReport:
    """Fill the detector's reference set: from the snapshot (``tarazu mirrors snapshot``) if
    it can stand for the index, brought up to date with the log and the store; else from the
    store (the log says why)."""
    path = snapshot_path(container.settings.home)
    if not show_progress:
        return fill_reference_set(container.uow, detector, path, clock=container.clock)
    with progress_bar("reference set", None) as bar:
        return fill_reference_set(container.uow, detector, path,
                                  lambda n, t: bar.update(0, completed=n, total=t),
                                  clock=container.clock)
