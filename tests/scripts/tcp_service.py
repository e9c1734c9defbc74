"""A stand-in service for the tests: listens on 127.0.0.1:PORT after an optional delay, says
so, optionally starts a child that must be stopped with it, and answers every connection."""

import os
import socket
import subprocess
import sys
import time

port = int(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "serve"
print("booting", flush=True)
if os.environ.get("PIDFILE"):
    with open(os.environ["PIDFILE"] + ".tmp", "w") as f:
        f.write(str(os.getpid()))
    os.rename(os.environ["PIDFILE"] + ".tmp", os.environ["PIDFILE"])
if os.environ.get("STARTS_FILE"):
    with open(os.environ["STARTS_FILE"], "a") as f:
        f.write("start\n")
if mode == "child":
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", *sys.argv[3:]])
if mode == "silent":
    time.sleep(600)
if mode == "exit":
    print("fatal: cannot open the database", flush=True)
    sys.exit(3)
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", port))
server.listen(64)
print(f"listening on 127.0.0.1:{port}", flush=True)
while True:
    conn, _ = server.accept()
    conn.close()
