/* Recorded video for /watch?when=...: the files /api/vod lists, played one after another as if
   they were one video. With MediaSource each file (a fragmented MP4 with its own init segment) is
   fetched whole and appended in "sequence" mode at the end of the previous one, a few files ahead
   of the play position; without it, <video src> moves to the next file when one ends.
   The seek buttons jump by wall-clock time: within what is loaded by moving the play position,
   elsewhere by starting over from the new time. */
(function (TsWatch) {
  'use strict';

  var AHEAD_S = 20;         // keep fetching files while less than this is buffered ahead
  var KEEP_BEHIND_S = 30;   // buffer kept behind the play position
  var LIST_LIMIT = 10;
  var POLL_MS = 5000;       // no further file yet (still being recorded): ask again after this
  var TICK_MS = 500;

  TsWatch.playRecorded = function (video, cfg, ui) {
    var session = null;
    var useMse = !!window.MediaSource;

    function start(wallMs) {
      if (session) session.stop();
      session = useMse ? new MseSession(video, cfg, ui, wallMs) : new FileSession(video, cfg, ui, wallMs);
    }

    ui.setMode(useMse ? 'mse-recorded' : 'file-recorded');
    ui.setClock(function () { return session ? session.wallNow() : null; });
    ui.onSeek = function (deltaS) {
      var from = session.wallNow();
      var target = (from === null ? session.wallMs : from) + deltaS * 1000;
      if (!session.seekTo(target)) start(target);
    };
    start(cfg.whenMs);
  };

  // --- the list of files, from /api/vod ----------------------------------------------------------

  function FileList(cfg, wallMs) {
    this.cfg = cfg;
    this.wallMs = wallMs;
    this.files = [];
    this.seen = {};
    this.lastId = null;
  }

  FileList.prototype.query = function () {
    var q = '/api/vod?ch=' + this.cfg.ch + '&limit=' + LIST_LIMIT;
    if (this.lastId === null) {
      q += '&when=' + encodeURIComponent(new Date(this.wallMs).toISOString()) +
           '&duration=1h&otherwise=nearAfter&nolive';
    } else {
      q += '&id=' + this.lastId + '&next';
    }
    return TsWatch.withAuth(q, this.cfg.auth);
  };

  // The next file {id, url, beginMs, endMs}, or null when the server has none (yet).
  FileList.prototype.next = function () {
    var list = this;
    if (list.files.length) return Promise.resolve(list.files.shift());
    return fetch(list.query(), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (answer) {
        if (!answer.ok) throw new Error('/api/vod answered ' + answer.status);
        return answer.json();
      })
      .then(function (items) {
        items.forEach(function (item) {
          var source = item.src && item.src[0];
          if (!item.fileId || !source || !source.timeRange || list.seen[item.fileId]) return;
          list.seen[item.fileId] = true;
          list.files.push({ id: item.fileId, url: TsWatch.withAuth(source.src, list.cfg.auth),
                            beginMs: Date.parse(source.timeRange[0]), endMs: Date.parse(source.timeRange[1]) });
        });
        list.files.sort(function (a, b) { return a.beginMs - b.beginMs; });
        if (list.files.length) list.lastId = list.files[list.files.length - 1].id;
        return list.files.length ? list.files.shift() : null;
      });
  };

  // --- MediaSource: files back to back -------------------------------------------------------------

  function MseSession(video, cfg, ui, wallMs) {
    this.video = video;
    this.cfg = cfg;
    this.ui = ui;
    this.wallMs = wallMs;
    this.list = new FileList(cfg, wallMs);
    this.placed = [];       // {file, start, end}: where each appended file sits on the timeline (s)
    this.pending = null;    // a file fetched from the list but not appended yet
    this.buffer = null;
    this.busy = false;
    this.stopped = false;
    this.retryAt = 0;
    this.exhausted = false;
    this.mediaSource = new MediaSource();
    video.src = URL.createObjectURL(this.mediaSource);
    var session = this;
    this.onWaiting = function () {
      if (session.exhausted && session.placed.length) ui.status(cfg.text.endOfRecording);
    };
    video.addEventListener('waiting', this.onWaiting);
    this.mediaSource.addEventListener('sourceopen', function () {
      URL.revokeObjectURL(video.src);
      session.tick();
    }, { once: true });
    this.timer = setInterval(function () { session.tick(); }, TICK_MS);
  }

  MseSession.prototype.stop = function () {
    this.stopped = true;
    clearInterval(this.timer);
    this.video.removeEventListener('waiting', this.onWaiting);
    this.video.removeAttribute('src');
    this.video.load();
  };

  MseSession.prototype.bufferedAhead = function () {
    var ranges = this.video.buffered;
    var t = this.video.currentTime;
    for (var i = 0; i < ranges.length; i++) {
      if (ranges.start(i) <= t + 0.1 && t < ranges.end(i)) return ranges.end(i) - t;
    }
    return 0;
  };

  MseSession.prototype.tick = function () {
    if (this.stopped || this.busy || this.mediaSource.readyState !== 'open') return;
    if (this.buffer && this.buffer.updating) return;
    if (this.trim(KEEP_BEHIND_S)) return;
    if (this.placed.length && this.bufferedAhead() >= AHEAD_S) return;
    if (Date.now() < this.retryAt) return;
    var session = this;
    this.busy = true;
    this.loadNext()
      .catch(function (err) {
        console.warn('tsnvr watch: ' + err.message);
        session.retryAt = Date.now() + POLL_MS;
      })
      .then(function () { session.busy = false; });
  };

  MseSession.prototype.loadNext = function () {
    var session = this;
    var next = this.pending ? Promise.resolve(this.pending) : this.list.next();
    return next.then(function (file) {
      if (session.stopped) return;
      session.pending = file;
      if (!file) {
        session.exhausted = true;
        session.retryAt = Date.now() + POLL_MS;
        if (!session.placed.length) session.ui.status(session.cfg.text.noRecording);
        return;
      }
      session.exhausted = false;
      return fetch(file.url, { credentials: 'same-origin' }).then(function (answer) {
        if (answer.status === 404) {  // removed by retention since it was listed: on to the next
          session.pending = null;
          return;
        }
        if (!answer.ok) throw new Error(file.url + ' answered ' + answer.status);
        return answer.arrayBuffer().then(function (data) {
          if (session.stopped) return;
          return session.append(file, new Uint8Array(data));
        });
      });
    });
  };

  MseSession.prototype.append = function (file, bytes) {
    var session = this;
    if (!this.buffer) {
      var mime = mimeOf(bytes);
      if (!MediaSource.isTypeSupported(mime)) {
        this.ui.status(this.cfg.text.cannotPlay);
        this.stop();
        return Promise.resolve();
      }
      this.buffer = this.mediaSource.addSourceBuffer(mime);
      this.buffer.mode = 'sequence';  // each file's timestamps start at 0: lay them end to end
    }
    var last = this.placed[this.placed.length - 1];
    var start = last ? last.end : 0;
    return this.update(function (buffer) {
      buffer.timestampOffset = start;
      buffer.appendBuffer(bytes);
    }).then(function () {
      session.pending = null;
      var ranges = session.video.buffered;
      var end = ranges.length ? ranges.end(ranges.length - 1) : start;
      session.placed.push({ file: file, start: start, end: Math.max(end, start) });
      session.ui.status(null);
      if (session.placed.length === 1) session.begin(file, start, end);
    }, function (err) {
      if (err.name === 'QuotaExceededError') session.trim(2);
      throw err;
    });
  };

  MseSession.prototype.begin = function (file, start, end) {
    var offset = Math.max(0, (this.wallMs - file.beginMs) / 1000);
    this.video.currentTime = Math.min(start + offset, Math.max(start, end - 0.1));
    this.video.play().catch(function () {});
  };

  // One SourceBuffer operation, resolved when it is done.
  MseSession.prototype.update = function (operation) {
    var buffer = this.buffer;
    return new Promise(function (resolve, reject) {
      function finish(ok, err) {
        buffer.removeEventListener('updateend', onEnd);
        buffer.removeEventListener('error', onError);
        if (ok) resolve(); else reject(err);
      }
      function onEnd() { finish(true); }
      function onError() { finish(false, new Error('the browser could not decode the file')); }
      buffer.addEventListener('updateend', onEnd);
      buffer.addEventListener('error', onError);
      try {
        operation(buffer);
      } catch (err) {
        finish(false, err);
      }
    });
  };

  // Drop video more than keepS behind the play position; true when a removal was started.
  MseSession.prototype.trim = function (keepS) {
    var ranges = this.video.buffered;
    if (!this.buffer || this.buffer.updating || !ranges.length) return false;
    var start = ranges.start(0);
    var cut = this.video.currentTime - keepS;
    if (cut < start + (keepS > 5 ? 10 : 1)) return false;
    this.buffer.remove(start, cut);
    return true;
  };

  MseSession.prototype.placeAt = function (t) {
    for (var i = this.placed.length - 1; i >= 0; i--) {
      if (this.placed[i].start <= t) return this.placed[i];
    }
    return null;
  };

  MseSession.prototype.wallNow = function () {
    var t = this.video.currentTime;
    var place = this.placeAt(t);
    if (!place || this.video.readyState < 1) return null;
    return place.file.beginMs + (t - place.start) * 1000;
  };

  MseSession.prototype.seekTo = function (wallMs) {
    var ranges = this.video.buffered;
    for (var i = 0; i < this.placed.length; i++) {
      var place = this.placed[i];
      var t = place.start + (wallMs - place.file.beginMs) / 1000;
      if (t < place.start || t >= place.end) continue;
      for (var r = 0; r < ranges.length; r++) {
        if (ranges.start(r) <= t && t < ranges.end(r)) {
          this.video.currentTime = t;
          return true;
        }
      }
    }
    return false;
  };

  // --- without MediaSource: one <video src> after another ----------------------------------------

  function FileSession(video, cfg, ui, wallMs) {
    this.wallMs = wallMs;
    this.video = video;
    this.cfg = cfg;
    this.ui = ui;
    this.list = new FileList(cfg, wallMs);
    this.current = null;
    this.stopped = false;
    var session = this;
    this.onEnded = function () { session.playNext(null); };
    video.addEventListener('ended', this.onEnded);
    this.playNext(wallMs);
  }

  FileSession.prototype.playNext = function (startWallMs) {
    var session = this;
    this.list.next().then(function (file) {
      if (session.stopped) return;
      if (!file) {
        session.ui.status(session.current ? session.cfg.text.endOfRecording : session.cfg.text.noRecording);
        setTimeout(function () { if (!session.stopped) session.playNext(startWallMs); }, POLL_MS);
        return;
      }
      session.current = file;
      session.ui.status(null);
      session.video.src = file.url;
      if (startWallMs !== null) {
        session.video.addEventListener('loadedmetadata', function () {
          session.video.currentTime = Math.max(0, (startWallMs - file.beginMs) / 1000);
        }, { once: true });
      }
      session.video.play().catch(function () {});
    }, function () {
      setTimeout(function () { if (!session.stopped) session.playNext(startWallMs); }, POLL_MS);
    });
  };

  FileSession.prototype.stop = function () {
    this.stopped = true;
    this.video.removeEventListener('ended', this.onEnded);
  };

  FileSession.prototype.wallNow = function () {
    if (!this.current || this.video.readyState < 1) return null;
    return this.current.beginMs + this.video.currentTime * 1000;
  };

  FileSession.prototype.seekTo = function (wallMs) {
    var file = this.current;
    if (!file || wallMs < file.beginMs || wallMs >= file.endMs) return false;
    this.video.currentTime = (wallMs - file.beginMs) / 1000;
    return true;
  };

  // --- the codec of a recorded file, from its moov box ----------------------------------------------

  function fourcc(bytes, at) {
    return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  }

  function topBox(bytes, type) {
    var at = 0;
    while (at + 8 <= bytes.length) {
      var size = ((bytes[at] << 24) >>> 0) + (bytes[at + 1] << 16) + (bytes[at + 2] << 8) + bytes[at + 3];
      if (size < 8) break;  // 0 (to the end) and 1 (64-bit size) are not used before moov
      if (fourcc(bytes, at + 4) === type) return bytes.subarray(at, Math.min(bytes.length, at + size));
      at += size;
    }
    return null;
  }

  function find(bytes, type) {
    for (var i = 0; i + 4 <= bytes.length; i++) {
      if (bytes[i] === type.charCodeAt(0) && fourcc(bytes, i) === type) return i;
    }
    return -1;
  }

  function hex(byte) {
    return (byte < 16 ? '0' : '') + byte.toString(16);
  }

  function mimeOf(bytes) {
    var moov = topBox(bytes, 'moov') || bytes.subarray(0, Math.min(bytes.length, 1 << 16));
    var codecs = [];
    var avc = find(moov, 'avcC');
    var hevc = find(moov, 'hvcC');
    if (avc >= 0 && avc + 8 <= moov.length) {
      codecs.push('avc1.' + hex(moov[avc + 5]) + hex(moov[avc + 6]) + hex(moov[avc + 7]));
    } else if (hevc >= 0 && hevc + 17 <= moov.length) {
      var profile = moov[hevc + 5];
      codecs.push('hvc1.' + (profile & 31) + '.6.' + ((profile & 32) ? 'H' : 'L') + moov[hevc + 16] + '.B0');
    }
    if (find(moov, 'mp4a') >= 0) codecs.push('mp4a.40.2');
    return 'video/mp4; codecs="' + codecs.join(',') + '"';
  }
})(window.TsWatch);
