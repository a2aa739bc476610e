"""ONVIF cameras: the client tsnvr speaks to a channel's camera with (camera.py: device information,
capabilities, profiles and stream URIs, PTZ, imaging, presets, relays, AUX, reboot), on
onvif-zeep-async, and the errors that map onto the guide's device-control codes (errors.py)."""
