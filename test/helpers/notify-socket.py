# Listens on a unix datagram socket as systemd would (NOTIFY_SOCKET) and prints what a command sent to it.
# Usage: notify-socket.py SOCKET COMMAND...   (Node has no datagram unix sockets; Python does.)
# NOTIFY_DROP_READY=N: the first N messages with READY=1 are dropped, as systemd drops one it cannot attribute
# to a unit (printed all the same). NOTIFY_STATE=FILE: the unit's ActiveState as systemd would have it,
# "activating" until a READY=1 is taken, then "active" (for a stand-in systemctl to answer with).
import json, os, socket, subprocess, sys
path = sys.argv[1]
drop = int(os.environ.get("NOTIFY_DROP_READY", "0"))
state = os.environ.get("NOTIFY_STATE")
def set_state(value):
    if state:
        with open(state + ".tmp", "w") as f:
            f.write(value + "\n")
        os.rename(state + ".tmp", state)
set_state("activating")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.5)
env = dict(os.environ, NOTIFY_SOCKET=path)
env.pop("NOTIFY_DROP_READY", None)
env.pop("NOTIFY_STATE", None)
p = subprocess.Popen(sys.argv[2:], env=env)
msgs = []
while True:
    try:
        m = s.recv(4096).decode()
        msgs.append(m)
        if "READY=1" in m.split("\n"):
            if drop > 0:
                drop -= 1
            else:
                set_state("active")
    except socket.timeout:
        if p.poll() is not None:
            break
print(json.dumps({"messages": msgs, "code": p.returncode}))
