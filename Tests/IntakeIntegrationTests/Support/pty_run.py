"""Runs a command under a pseudo-terminal (stdin, stdout and stderr all on it) and writes
everything the command printed, control characters included, to OUTPUT.
    pty_run.py OUTPUT COMMAND [ARG...]
Exits with the command's status. Bounded: the command is killed after 120 seconds."""
import os
import pty
import select
import signal
import subprocess
import sys
import time

output, command = sys.argv[1], sys.argv[2:]
master, slave = pty.openpty()
proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
os.close(slave)
data = bytearray()
deadline = time.monotonic() + 120
while True:
    if time.monotonic() > deadline:
        proc.send_signal(signal.SIGKILL)
        break
    ready, _, _ = select.select([master], [], [], 0.2)
    if ready:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        data += chunk
    elif proc.poll() is not None:
        break
status = proc.wait()
with open(output, "wb") as f:
    f.write(bytes(data))
sys.exit(status)
