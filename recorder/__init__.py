"""recorder: RTSP cameras and video files -> fragmented MP4 segments, indexed in storage.

One capture thread per channel (capture.py) reads packets with PyAV and remuxes them without
decoding (segmenter.py, segment_writer.py); the supervisor (supervisor.py) starts and stops
captures, repairs files a crash left open (repair.py) and frees disk space (retention.py). Status
is reported through a `publish(event)` callable (storage.events): the recorder never imports web or tsnvr.
"""
