"""Fresh notebook kernels forked from a process that has imported the stack once (issue #14).

A notebook kernel started as usual is a new interpreter that imports ipykernel, pandas, matplotlib
and the package before it runs its first cell (about 2 s of CPU a notebook). Here one *zygote*
process imports them once, and each kernel is a child ``fork``-ed from it on request: a new
process, with a new IPython shell and an empty user namespace, which has run no notebook code and
shares nothing with another kernel. Only the import of modules is done beforehand; a notebook that
forgets an ``import`` still fails (``tests/test_notebooks.py`` proves it).

Jupyter starts the kernel of a kernel spec (:func:`write_kernel_spec`) as usual: its command is
this file run as a small *launcher* (standard library only, ``python -I -S``) that asks the zygote
for a kernel with Jupyter's connection file, its own working directory and environment, forwards
the signals it receives (interrupts, terminate) to that kernel, and exits with the kernel's exit
status. If the launcher dies, the zygote kills its kernel.

One zygote serves every test process of a run (both xdist workers): a test process *holds* it
(:func:`hold`: a connection kept open) while it may need kernels, and the zygote ends once no
holder is left and no kernel runs. The test process that started it waits for its end when it exits
itself, so that the zygote and its kernels end with the run and their CPU time is counted in it.

Usage: ``python kernel_zygote.py serve SOCKET LOCK MODULE...`` (prints ``ready`` once it listens)
and ``python -I -S kernel_zygote.py launch SOCKET CONNECTION_FILE``.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

#: Environment variables read when the zygote's modules are imported (thread pools, the matplotlib
#: backend, the hash seed): a kernel whose environment sets them otherwise is refused, since it would
#: not get what a fresh interpreter with its environment would.
IMPORT_TIME = ("MPLBACKEND", "MPLCONFIGDIR", "PYTHONHASHSEED", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMBA_NUM_THREADS")
#: Signals the launcher passes on to its kernel (Jupyter interrupts with SIGINT, stops with SIGTERM).
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        data += chunk
    return data


def launch(path: str, connection_file: str) -> int:
    """The kernel spec's command: ask the zygote at ``path`` for a kernel, wait for its end."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    request = {"connection_file": os.path.abspath(connection_file), "cwd": os.getcwd(), "env": dict(os.environ)}
    sock.sendall(json.dumps(request).encode() + b"\n")
    pid = int(_read_line(sock))

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in FORWARDED:
        signal.signal(signum, forward)
    status = _read_line(sock).split()  # b"exit CODE" once the zygote has reaped the kernel
    return int(status[1]) if len(status) == 2 else 1


def _kernel(request: dict, close: list) -> None:
    """In the forked child: become an ipykernel for ``request`` (never returns)."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        for signum in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for item in close:
            item.close()
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.close(devnull)
        changed = [name for name in IMPORT_TIME if os.environ.get(name) != request["env"].get(name)]
        if changed:
            raise RuntimeError(f"the kernel's environment differs from the zygote's in {changed}")
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        from ipykernel.kernelapp import IPKernelApp

        import importlib.util

        sys.argv = [importlib.util.find_spec("ipykernel_launcher").origin, "-f", request["connection_file"]]
        # these two traits take their defaults from the environment when ipykernel is imported
        # (in the zygote): give them the kernel's, as a fresh interpreter would read them
        app = IPKernelApp.instance(parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0),
                                   interrupt=int(os.environ.get("JPY_INTERRUPT_EVENT") or 0))
        app.initialize(sys.argv[1:])
        app.start()
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    except BaseException:  # noqa: BLE001 - reported on the zygote's log, then the child ends
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def hold(path: str) -> socket.socket | None:
    """Connect to the zygote at ``path`` as a holder: it lives while some holder's connection is
    open (or a kernel of it runs). None when no zygote listens there."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        sock.sendall(b'{"hold": true}\n')
        if _read_line(sock) == b"held\n":
            return sock
    except OSError:
        pass
    sock.close()
    return None


def serve(path: str, lock: str, modules: list[str]) -> None:
    """Import ``modules``, listen on ``path`` and fork a kernel per request; end once no holder
    (:func:`hold`) is connected and no kernel runs, deciding so while holding ``lock`` (the lock
    under which test processes connect or start a zygote), so that none connects to a zygote that
    is ending."""
    import fcntl
    import gc
    import importlib
    import selectors
    import threading

    for name in modules:
        importlib.import_module(name)
    # fork() copies only the calling thread: no import above may have left a thread running
    assert threading.active_count() == 1, [t.name for t in threading.enumerate()]
    gc.collect()
    gc.freeze()  # the children do not walk (and copy) the zygote's objects in their collections

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    wake_r, wake_w = socket.socketpair()
    wake_r.setblocking(False)
    wake_w.setblocking(False)
    signal.set_wakeup_fd(wake_w.fileno(), warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ, "listen")
    selector.register(wake_r, selectors.EVENT_READ, "wake")
    children: dict[int, socket.socket] = {}
    holders: set[socket.socket] = set()
    print("ready", flush=True)
    os.dup2(2, 1)  # what the zygote and its kernels print from now on goes to its error stream

    def reap() -> None:
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return
            conn = children.pop(pid, None)
            if conn is not None:
                selector.unregister(conn)
                try:
                    conn.sendall(f"exit {os.waitstatus_to_exitcode(status)}\n".encode())
                except OSError:
                    pass
                conn.close()

    def ending() -> bool:
        """True when the zygote should end now (its socket is then removed)."""
        if holders or children:
            return False
        fd = os.open(lock, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a test process is connecting (or starting a zygote)
            os.close(fd)
            return False
        try:
            if selector.select(timeout=0):  # a connection came meanwhile
                return False
            os.unlink(path)
            return True
        finally:
            os.close(fd)  # releases the lock

    try:
        while True:
            events = selector.select(timeout=None if holders or children else 1.0)
            if not events and ending():
                return
            for key, _ in events:
                if key.data == "listen":
                    conn, _ = listener.accept()
                    request = json.loads(_read_line(conn))
                    if request.get("hold"):
                        conn.sendall(b"held\n")
                        holders.add(conn)
                        selector.register(conn, selectors.EVENT_READ, "hold")
                        continue
                    pid = os.fork()
                    if pid == 0:
                        _kernel(request, [selector, listener, wake_r, wake_w, conn, *children.values(), *holders])
                    conn.sendall(f"{pid}\n".encode())
                    children[pid] = conn
                    selector.register(conn, selectors.EVENT_READ, pid)
                elif key.data == "wake":
                    while True:
                        try:
                            if not wake_r.recv(4096):
                                break
                        except BlockingIOError:
                            break
                    reap()
                elif key.data == "hold":  # a holder has gone (it sends nothing else)
                    selector.unregister(key.fileobj)
                    holders.discard(key.fileobj)
                    key.fileobj.close()
                elif not key.fileobj.recv(1):  # a launcher has gone: its kernel goes too
                    try:
                        os.kill(key.data, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    reap()
            if ending():
                return
    finally:
        for pid in list(children):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def write_kernel_spec(folder: str, name: str, path: str) -> str:
    """Write the kernel spec ``name`` (under ``folder/kernels``, a ``JUPYTER_PATH`` entry) whose
    kernels come from the zygote listening on ``path``; returns ``folder``."""
    spec = os.path.join(folder, "kernels", name)
    os.makedirs(spec, exist_ok=True)
    argv = [sys.executable, "-I", "-S", os.path.abspath(__file__), "launch", path, "{connection_file}"]
    with open(os.path.join(spec, "kernel.json"), "w", encoding="utf-8") as handle:
        json.dump({"argv": argv, "display_name": "Python 3 (forked from a zygote)", "language": "python",
                   "interrupt_mode": "signal"}, handle)
    return folder


if __name__ == "__main__":
    if sys.argv[1] == "launch":
        sys.exit(launch(sys.argv[2], sys.argv[3]))
    elif sys.argv[1] == "serve":
        serve(sys.argv[2], sys.argv[3], sys.argv[4:])
    else:
        sys.exit(f"usage: {sys.argv[0]} serve SOCKET LOCK MODULE... | launch SOCKET CONNECTION_FILE")
