"""Starting mirror detection's reference set, shared by the stream worker and the batch scan
(from the snapshot when it can stand for the index, else from the store)."""

from __future__ import annotations

from tarazu.bootstrap import App
from tarazu.entrypoints.cli.common import progress_bar
from tarazu.service import mirrors
from tarazu.service.mirrors.snapshot import StartReport, snapshot_path, start_reference_set


def start_detector(container: App, detector: mirrors.MirrorDetector,
                   show_progress: bool = False) -> StartReport:
    """Fill the detector's reference set: from the snapshot (``tarazu mirrors snapshot``) if
    it can stand for the index, brought up to date with the log and the store; else from the
    store (the log says why)."""
    path = snapshot_path(container.settings.home)
    with container.uow() as uow:
        if show_progress:
            with progress_bar("reference set", None) as bar:
                report = start_reference_set(
                    uow, detector, path, lambda n, t: bar.update(0, completed=n, total=t),
                    clock=container.clock)
        else:
            report = start_reference_set(uow, detector, path, clock=container.clock)
        uow.commit()
    return report
