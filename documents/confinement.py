"""What a document worker does to itself, after its imports and before its first job, so that
code running in it (a bug in Pillow, pypdf or pdfium exploited by an uploaded file) can read
nothing, write nothing and reach no one:

- its own mount namespace whose root is an empty read-only tmpfs holding only the folders it
  imports code from, bind-mounted read-only (no data folder, no database, no secret.key, no
  other document, no /proc, no /dev); the files of a job come as open descriptors;
- its own network namespace: no interface but a loopback that is down, so every connect fails
  (TCP, UDP, and abstract Unix sockets, which belong to the network namespace);
- uid and gid 65534 (nobody) with no supplementary groups when the service runs as root;
  otherwise a user namespace mapping only the service's own uid to 65534;
- no capabilities, no-new-privileges, not dumpable (no ptrace by other workers);
- RLIMIT_NPROC 0 (no fork, no thread), besides RLIMIT_AS, RLIMIT_FSIZE and no core files
  (limit_resources, set at start-up) and the per-job RLIMIT_CPU.

Linux only, through libc (Python 3.11 has no os.unshare): unshare(2), mount(2), capset(2),
prctl(2). A machine that allows neither (no root, user namespaces disabled) cannot confine a
worker: confine() raises OSError and the pool refuses to start the worker (fail closed).
"""

from __future__ import annotations

import ctypes
import os
import resource

WORKER_UID = 65534
WORKER_GID = 65534

_CLONE_NEWNS = 0x00020000
_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY = 0x1
_MS_NOSUID = 0x2
_MS_NODEV = 0x4
_MS_NOEXEC = 0x8
_MS_REMOUNT = 0x20
_MS_NOATIME = 0x400
_MS_NODIRATIME = 0x800
_MS_BIND = 0x1000
_MS_REC = 0x4000
_MS_PRIVATE = 0x40000
_MS_RELATIME = 0x200000
_PR_SET_DUMPABLE = 4
_PR_SET_NO_NEW_PRIVS = 38
_CAPABILITY_VERSION_3 = 0x20080522
# statvfs flags of a mount that a remount in a user namespace must keep (the kernel locks
# them), as mount flags.
_KEPT_FLAGS = {
    os.ST_NOSUID: _MS_NOSUID,
    os.ST_NODEV: _MS_NODEV,
    os.ST_NOEXEC: _MS_NOEXEC,
    os.ST_NOATIME: _MS_NOATIME,
    os.ST_NODIRATIME: _MS_NODIRATIME,
    os.ST_RELATIME: _MS_RELATIME,
}


def limit_resources(memory_bytes: int, file_bytes: int) -> None:
    """Address space, the size of any file written (the job's output included) and no core
    dumps (they would write the job's data)."""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class _CapabilityHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapabilityData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


class _Libc:
    def __init__(self) -> None:
        self._libc = ctypes.CDLL(None, use_errno=True)

    def _checked(self, result: int, what: str) -> None:
        if result != 0:
            number = ctypes.get_errno()
            raise OSError(number, f"{what}: {os.strerror(number)}")

    def unshare(self, flags: int) -> None:
        self._checked(self._libc.unshare(ctypes.c_int(flags)), "unshare")

    def mount(
        self, source: str | None, target: str, kind: str | None, flags: int, data: str = ""
    ) -> None:
        self._checked(
            self._libc.mount(
                source.encode() if source else None,
                target.encode(),
                kind.encode() if kind else None,
                ctypes.c_ulong(flags),
                data.encode() if data else None,
            ),
            f"mount {target}",
        )

    def prctl(self, option: int, value: int) -> None:
        zero = ctypes.c_ulong(0)
        self._checked(
            self._libc.prctl(ctypes.c_int(option), ctypes.c_ulong(value), zero, zero, zero),
            f"prctl {option}",
        )

    def drop_capabilities(self) -> None:
        header = _CapabilityHeader(_CAPABILITY_VERSION_3, 0)
        data = (_CapabilityData * 2)()
        self._checked(self._libc.capset(ctypes.byref(header), data), "capset")


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _kept_flags(path: str) -> int:
    flags = os.statvfs(path).f_flag
    return sum(mount_flag for stat_flag, mount_flag in _KEPT_FLAGS.items() if flags & stat_flag)


def _outermost(paths: list[str]) -> list[str]:
    """`paths` without those inside another one (a bind mount of the outer one shows them)."""
    kept: list[str] = []
    for path in sorted({os.path.normpath(p) for p in paths}):
        if not any(path == outer or path.startswith(outer.rstrip("/") + "/") for outer in kept):
            kept.append(path)
    return kept


def confine(root_dir: str, code_dirs: list[str]) -> None:
    """Confines the calling process for good (see the module's docstring). `root_dir` is an
    empty folder: a tmpfs is mounted over it in the new mount namespace, so that it stays
    empty for every other process; `code_dirs` are the folders imports still read."""
    libc = _Libc()
    privileged = os.geteuid() == 0
    uid, gid = os.getuid(), os.getgid()
    libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET | (0 if privileged else _CLONE_NEWUSER))
    if not privileged:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{WORKER_UID} {uid} 1")
        _write("/proc/self/gid_map", f"{WORKER_GID} {gid} 1")
    # Nothing mounted from here on reaches the other namespaces.
    libc.mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    libc.mount("jht-worker", root_dir, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=0755")
    os.umask(0o022)
    for path in _outermost(code_dirs):
        target = root_dir + path
        os.makedirs(target, exist_ok=True)
        # Not recursive: a mount below a code folder is not taken along.
        libc.mount(path, target, None, _MS_BIND)
        libc.mount(
            None,
            target,
            None,
            _MS_BIND | _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _kept_flags(path),
        )
    libc.mount(None, root_dir, None, _MS_REMOUNT | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chroot(root_dir)
    os.chdir("/")
    if privileged:
        os.setgroups([])
        os.setresgid(WORKER_GID, WORKER_GID, WORKER_GID)
        os.setresuid(WORKER_UID, WORKER_UID, WORKER_UID)
    # Gone with the uid change above as root; in a user namespace they are dropped here.
    libc.drop_capabilities()
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1)
    libc.prctl(_PR_SET_DUMPABLE, 0)
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
