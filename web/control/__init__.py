"""Channel information and device control (TS-API @0.5.0): /api/channel/info, ptz, preset, relay,
aux, reboot. The cameras are web.core.cameras' registry of ONVIF connections."""
