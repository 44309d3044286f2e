"""Runs the venv's jasmind.py for tests/jasmin_gateway.rs.

Usage: python jasmind_child.py /path/to/jasmind.py [jasmind options...]

Three changes to the stock start-up, nothing else:
- the AMQP spec file is the one in the venv's txamqp (else /etc/jasmin/resource/...);
- jasmind.py takes a machine-wide lock file, /tmp/jasmind (its #265), which a killed
  daemon leaves behind; here the lock lives under the test's private ROOT_PATH instead, so
  test runs with their own ports and AMQP vhost do not lock each other out.
- the daemon stops (SIGTERM, then exit) when its standard input closes, so it does not
  outlive the test process even if that process is killed before its Drop guard runs.
"""

import os
import runpy
import signal
import sys
import threading
import time

import lockfile
import txamqp

ROOT = os.environ["ROOT_PATH"]
# The AMQP 0-9-1 spec jasmind reads ([amqp-broker] spec): the copy that txamqp ships.
os.environ.setdefault(
    "AMQP_BROKER_SPEC",
    os.path.join(os.path.dirname(txamqp.__file__), "specs", "standard", "amqp0-9-1.stripped.xml"),
)


class _PrivateLock(lockfile.FileLock):
    def __init__(self, _path, *args, **kwargs):
        super().__init__(os.path.join(ROOT, "jasmind"), *args, **kwargs)


lockfile.FileLock = _PrivateLock


def _exit_with_parent():
    sys.stdin.buffer.read()
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(5)
    os._exit(1)


threading.Thread(target=_exit_with_parent, daemon=True).start()

jasmind = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(jasmind, run_name="__main__")
