"""Run the simulator alone for manual trials:

    .venv/bin/python -m tests.onvif_sim --port 8899 --rtsp rtsp://127.0.0.1:8554/file
        [--rtsp-sub URI] [--user admin --password admin] [--clock-offset SECONDS] [--no-ptz]

Prints the device service's address, then every call as it is answered; Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import time

from .server import OnvifSimulator
from .state import Features


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.onvif_sim")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rtsp", default="rtsp://127.0.0.1:8554/file", help="the main profile's stream URI")
    parser.add_argument("--rtsp-sub", help="the sub profile's stream URI (default: the main one)")
    parser.add_argument("--user", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--clock-offset", type=float, default=0.0, help="camera clock minus ours, seconds")
    parser.add_argument("--no-ptz", action="store_true")
    args = parser.parse_args()
    simulator = OnvifSimulator(
        rtsp_main=args.rtsp, rtsp_sub=args.rtsp_sub, user=args.user, password=args.password, port=args.port,
        clock_offset=args.clock_offset, features=Features(ptz=not args.no_ptz),
    ).start()
    print(f"ONVIF simulator at {simulator.url} (device service {simulator.xaddr('device')})", flush=True)
    shown = 0
    try:
        while True:
            time.sleep(0.2)
            with simulator.lock:
                new, shown = simulator.calls[shown:], len(simulator.calls)
            for call in new:
                print(f"{call.service} {call.operation} {call.args or ''} {call.fault or 'ok'}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


if __name__ == "__main__":
    main()
