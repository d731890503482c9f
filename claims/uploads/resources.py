"""What one process holds for the uploads: the content-addressed store, the spool folder of
uploads under way, the isolated worker pool and the limits. Kept apart from the upload
service so that the runtime can hold it without importing the service (which reads it)."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from documents.isolation import IsolatedWorkerPool
from documents.limits import UploadLimits
from documents.storage import LocalContentAddressedStorage

# Multipart framing around 10 files of 10 MB: boundaries and part headers.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


@dataclass
class DocumentServices:
    """One per process: the store, the worker pool (started by warm() when the server starts,
    else on first use) and the limits."""

    storage: LocalContentAddressedStorage
    spool_dir: Path
    limits: UploadLimits = field(default_factory=UploadLimits)
    pool_workers: int = 2
    _pool: IsolatedWorkerPool | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def pool(self) -> IsolatedWorkerPool:
        with self._lock:
            if self._pool is None:
                self._pool = IsolatedWorkerPool(workers=self.pool_workers)
            return self._pool

    @property
    def max_body_bytes(self) -> int:
        return self.limits.max_files * self.limits.max_file_bytes + MULTIPART_OVERHEAD_BYTES

    def work_file(self, suffix: str = ".pdf") -> Path:
        return self.spool_dir / f"work-{uuid.uuid4().hex}{suffix}"

    def warm(self) -> None:
        """Starts the worker pool and waits until its workers are ready: run at server start
        (in a background thread), so that the first upload does not wait for them."""
        self.pool.wait_ready()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
