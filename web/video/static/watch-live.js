/* Live video for /watch. First choice: /wsapi/live, one fMP4 fragment per frame pushed over a
   WebSocket into MediaSource (well under a second behind the camera). If MediaSource or the codec
   is missing, or the socket fails before the first picture: HLS, by hls.js or the browser itself.
   ?transport=ws or ?transport=hls on the page forces one (for testing: no fallback then). */
(function (TsWatch) {
  'use strict';

  var MAX_LATENCY_S = 1.0;      // further behind the newest frame than this: jump forward
  var TARGET_LATENCY_S = 0.3;   // where the jump lands, behind the newest frame
  var KEEP_BEHIND_S = 30;       // buffer kept behind the play position
  var FIRST_PICTURE_MS = 8000;  // no picture by then: the socket path has failed
  var RETRY_MS = 2000;
  var HLS_SCRIPT = '/static/vendor/hls.min.js';

  TsWatch.playLive = function (video, cfg, ui) {
    var canWs = !!(window.MediaSource && window.WebSocket);
    if (cfg.transport === 'hls' || !canWs) return playHls(video, cfg, ui);
    playWebSocket(video, cfg, ui, function () {
      if (cfg.transport === 'ws') ui.status(cfg.text.cannotPlay);
      else playHls(video, cfg, ui);
    });
  };

  function bufferedEnd(video) {
    var ranges = video.buffered;
    return ranges.length ? ranges.end(ranges.length - 1) : null;
  }

  // --- WebSocket + MediaSource -------------------------------------------------------------------

  function playWebSocket(video, cfg, ui, fallBack) {
    var scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
    var url = TsWatch.withAuth(scheme + '//' + window.location.host + '/wsapi/live?ch=' + cfg.ch, cfg.auth);
    var socket = null;
    var mediaSource = null;
    var buffer = null;
    var queue = [];
    var playing = false;   // a picture has been shown: later failures reconnect instead of falling back
    var finished = false;
    var timer = null;
    var lastTrim = 0;
    var startPending = false;  // a new MediaSource that should start playing once it has data

    ui.setMode('ws');
    ui.setClock(function () {
      var end = bufferedEnd(video);
      if (!playing || end === null) return null;
      return Date.now() - Math.max(0, end - video.currentTime) * 1000;
    });

    function connect() {
      socket = new WebSocket(url);
      socket.binaryType = 'arraybuffer';
      socket.onmessage = onMessage;
      socket.onclose = onClose;
      clearTimeout(timer);
      timer = setTimeout(function () { if (!playing) giveUp(); }, FIRST_PICTURE_MS);
    }

    function onMessage(ev) {
      if (finished) return;
      if (typeof ev.data === 'string') {
        var header;
        try { header = JSON.parse(ev.data); } catch (e) { return; }
        return rebuild(header);
      }
      if (!mediaSource) return;  // a fragment before any header: nothing to put it in
      queue.push(new Uint8Array(ev.data));
      pump();
    }

    function onClose() {
      if (finished) return;
      if (!playing) return giveUp();
      setTimeout(function () { if (!finished) connect(); }, RETRY_MS);
    }

    function giveUp() {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (socket) socket.close();
      detach();
      fallBack();
    }

    function detach() {
      mediaSource = null;
      buffer = null;
      queue = [];
      video.removeAttribute('src');
      video.load();
    }

    // A header starts a stream: the first one, or a new one after the camera reconnected (new
    // timestamps, maybe a new codec). Each gets a fresh MediaSource.
    function rebuild(header) {
      if (!header.mime || !MediaSource.isTypeSupported(header.mime)) return giveUp();
      if (mediaSource) detach();
      startPending = true;
      var source = mediaSource = new MediaSource();
      video.src = URL.createObjectURL(source);
      source.addEventListener('sourceopen', function () {
        URL.revokeObjectURL(video.src);
        if (source !== mediaSource) return;
        try {
          buffer = source.addSourceBuffer(header.mime);
        } catch (e) {
          return giveUp();
        }
        buffer.addEventListener('updateend', function () {
          keepUp();
          pump();
        });
        pump();
      }, { once: true });
    }

    function pump() {
      if (!buffer || buffer.updating || !queue.length) return;
      var data = queue.length === 1 ? queue[0] : concat(queue);
      queue = [];
      try {
        buffer.appendBuffer(data);
      } catch (e) {
        if (e.name !== 'QuotaExceededError') return giveUp();
        queue.unshift(data);  // full (paused a long time?): back to the newest frame, drop the rest
        var end = bufferedEnd(video);
        if (end !== null) video.currentTime = Math.max(video.buffered.start(0), end - TARGET_LATENCY_S);
        trim(2);
      }
    }

    // Stay close to the newest frame, start playing, and drop old video.
    function keepUp() {
      var end = bufferedEnd(video);
      if (end === null || !buffer) return;
      var start = video.buffered.start(0);
      if (!video.paused || startPending) {  // a viewer who paused stays where they are
        if (end - video.currentTime > MAX_LATENCY_S || video.currentTime < start) {
          video.currentTime = Math.max(start, end - TARGET_LATENCY_S);
        }
      }
      if (startPending) {
        startPending = false;
        video.play().catch(function () {});
      }
      if (Date.now() - lastTrim > 5000) trim(KEEP_BEHIND_S);
    }

    function trim(keepS) {
      if (!buffer || buffer.updating || !video.buffered.length) return;
      lastTrim = Date.now();
      var start = video.buffered.start(0);
      var cut = video.currentTime - keepS;
      if (cut > start + 1) buffer.remove(start, cut);
    }

    // A browser may pause a video in a hidden tab; back in view, live video goes on from now.
    document.addEventListener('visibilitychange', function () {
      if (document.hidden || finished || !playing) return;
      startPending = true;
      keepUp();
    });

    video.addEventListener('timeupdate', function () {
      if (playing || finished || !buffer || video.readyState < 2 || video.currentTime <= 0) return;
      playing = true;
      clearTimeout(timer);
      ui.status(null);
    });

    connect();
  }

  function concat(chunks) {
    var size = chunks.reduce(function (sum, c) { return sum + c.byteLength; }, 0);
    var out = new Uint8Array(size);
    var at = 0;
    chunks.forEach(function (c) { out.set(c, at); at += c.byteLength; });
    return out;
  }

  // --- HLS -----------------------------------------------------------------------------------------

  function playHls(video, cfg, ui) {
    var src = TsWatch.withAuth('/live/ch' + cfg.ch + 'main/index.m3u8', cfg.auth);
    var native = video.canPlayType('application/vnd.apple.mpegurl');
    var load = window.MediaSource ? TsWatch.loadScript(HLS_SCRIPT) : Promise.resolve();
    load.catch(function () {}).then(function () {
      if (window.Hls && window.Hls.isSupported()) return playHlsJs(video, src, ui);
      if (native) return playHlsNative(video, src, ui);
      ui.status(cfg.text.cannotPlay);
    });
  }

  function playHlsJs(video, src, ui) {
    var Hls = window.Hls;
    var hls = null;
    ui.setMode('hls');
    ui.setClock(function () {
      if (!hls || video.readyState < 2) return null;
      var date = hls.playingDate;  // from the playlist's EXT-X-PROGRAM-DATE-TIME
      return date ? date.getTime() : Date.now() - (hls.latency || 0) * 1000;
    });
    video.addEventListener('playing', function () { ui.status(null); });

    function start() {
      hls = new Hls({
        liveSyncDurationCount: 1,
        liveMaxLatencyDurationCount: 3,
        maxLiveSyncPlaybackRate: 1.2,
        lowLatencyMode: false,
        backBufferLength: KEEP_BEHIND_S
      });
      var recovered = false;
      hls.on(Hls.Events.ERROR, function (event, data) {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR && !recovered) {
          recovered = true;
          return hls.recoverMediaError();
        }
        hls.destroy();  // the playlist is not there yet (503), the camera is down, ...: start over
        hls = null;
        setTimeout(start, RETRY_MS);
      });
      hls.on(Hls.Events.MANIFEST_PARSED, function () { video.play().catch(function () {}); });
      hls.loadSource(src);
      hls.attachMedia(video);
    }
    start();
  }

  function playHlsNative(video, src, ui) {
    ui.setMode('hls-native');
    ui.setClock(function () {
      var date = video.getStartDate && video.getStartDate();
      if (date && !isNaN(date.getTime())) return date.getTime() + video.currentTime * 1000;
      return video.readyState >= 2 ? Date.now() : null;
    });
    video.addEventListener('playing', function () { ui.status(null); });
    video.addEventListener('error', function () {
      setTimeout(function () { video.src = src; video.play().catch(function () {}); }, RETRY_MS);
    });
    video.src = src;
    video.play().catch(function () {});
  }
})(window.TsWatch);
