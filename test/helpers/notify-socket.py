# Listens on a unix datagram socket as systemd would (NOTIFY_SOCKET) and prints what a command sent to it.
# Usage: notify-socket.py SOCKET COMMAND...   (Node has no datagram unix sockets; Python does.)
import json, os, socket, subprocess, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.5)
env = dict(os.environ, NOTIFY_SOCKET=path)
p = subprocess.Popen(sys.argv[2:], env=env)
msgs = []
while True:
    try:
        msgs.append(s.recv(4096).decode())
    except socket.timeout:
        if p.poll() is not None:
            break
print(json.dumps({"messages": msgs, "code": p.returncode}))
