"""Run the simulator alone for manual trials:

    .venv/bin/python -m tests.onvif_sim --port 8899 --rtsp rtsp://127.0.0.1:8554/file
        [--rtsp-sub URI] [--user admin --password admin] [--clock-offset SECONDS] [--no-ptz]

Prints the device service's address, then every call as it is answered. Commands on stdin:
motion on|off, tamper on|off (events), down / up (stop, start), uri PROFILE URI, quit (or Ctrl-C).
"""

from __future__ import annotations

import argparse
import sys
import threading
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
    threading.Thread(target=_print_calls, args=(simulator,), daemon=True).start()
    try:
        for line in sys.stdin:
            if not _command(simulator, line.split()):
                break
    except KeyboardInterrupt:
        pass
    finally:
        simulator.stop()


def _command(simulator: OnvifSimulator, words: list[str]) -> bool:
    match words:
        case ["motion", "on" | "off" as state]:
            simulator.trigger_motion(state == "on")
        case ["tamper", "on" | "off" as state]:
            simulator.trigger_tamper(state == "on")
        case ["down"]:
            simulator.stop()
        case ["up"]:
            simulator.start()
        case ["uri", profile, uri]:
            simulator.set_stream_uri(profile, uri)
        case ["quit"]:
            return False
        case []:
            pass
        case _:
            print("commands: motion on|off, tamper on|off, down, up, uri PROFILE URI, quit", flush=True)
    return True


def _print_calls(simulator: OnvifSimulator) -> None:
    shown = 0
    while True:
        time.sleep(0.2)
        with simulator.lock:
            new, shown = simulator.calls[shown:], len(simulator.calls)
        for call in new:
            print(f"{call.service} {call.operation} {call.args or ''} {call.fault or 'ok'}", flush=True)

if __name__ == "__main__":
    main()
