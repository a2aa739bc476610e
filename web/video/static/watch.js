/* The /watch page: reads the config the server put in the page, draws the title and the wall
   clock over the video, offers the right-click menu, and runs the sign-in form.
   watch-live.js and watch-recorded.js (loaded after this file) play the video. */
(function () {
  'use strict';

  var TsWatch = window.TsWatch = {};

  /* The page may have no cookie (an <iframe> with auth=): then every request it makes carries the
     same auth= the page got. */
  TsWatch.withAuth = function (url, auth) {
    if (!auth) return url;
    return url + (url.indexOf('?') < 0 ? '?' : '&') + 'auth=' + encodeURIComponent(auth);
  };

  TsWatch.loadScript = function (src) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement('script');
      script.src = src;
      script.onload = resolve;
      script.onerror = function () { reject(new Error('cannot load ' + src)); };
      document.head.appendChild(script);
    });
  };

  function base64Utf8(text) {
    var bytes = new TextEncoder().encode(text);
    var binary = '';
    for (var i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary);
  }

  // --- overlay -----------------------------------------------------------------------------------

  function clockFormatter(cfg) {
    var options = { year: 'numeric', month: '2-digit', day: '2-digit',
                    hour: '2-digit', minute: '2-digit', second: '2-digit' };
    try {
      return new Intl.DateTimeFormat(cfg.lang, Object.assign({ timeZone: cfg.timezone }, options));
    } catch (e) {
      return new Intl.DateTimeFormat(cfg.lang, options);  // a zone this browser does not know
    }
  }

  function Ui(cfg) {
    this.cfg = cfg;
    this.video = document.getElementById('video');
    this.statusBox = document.getElementById('status');
    this.clockBox = document.getElementById('clock');
    this.wallClock = function () { return null; };
    this.format = clockFormatter(cfg);
    var ui = this;
    setInterval(function () { ui.drawClock(); }, 250);
  }

  Ui.prototype.status = function (text) {
    this.statusBox.textContent = text || '';
    this.statusBox.hidden = !text;
  };

  Ui.prototype.setMode = function (mode) {
    document.documentElement.setAttribute('data-mode', mode);
  };

  // source(): epoch ms of the frame on screen, or null while there is none.
  Ui.prototype.setClock = function (source) {
    this.wallClock = source;
  };

  Ui.prototype.drawClock = function () {
    var ms = this.wallClock();
    if (ms === null || ms === undefined || !isFinite(ms)) {
      this.clockBox.textContent = '';
      this.clockBox.removeAttribute('data-wall-ms');
      return;
    }
    this.clockBox.textContent = this.format.format(new Date(ms));
    this.clockBox.setAttribute('data-wall-ms', String(Math.round(ms)));
  };

  // --- right-click menu --------------------------------------------------------------------------

  function copyWithTextarea(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.top = '-1000px';
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error('copy refused'));
  }

  // An iframe or a plain-http page may not be allowed the clipboard API: then the old way.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithTextarea(text); });
    }
    return copyWithTextarea(text);
  }

  function showToast(text) {
    var toast = document.getElementById('toast');
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(showToast.timer);
    showToast.timer = setTimeout(function () { toast.hidden = true; }, 2000);
  }

  function setUpMenu(cfg) {
    var player = document.getElementById('player');
    var menu = document.getElementById('menu');
    var url = cfg.shareUrl;  // the server left auth= out, as the guide asks
    TsWatch.copyTexts = {
      url: url,
      embed: "<iframe src='" + url + "' width='640' height='360' frameborder='0' allowfullscreen></iframe>"
    };

    function hide() { menu.hidden = true; }
    function show(x, y) {
      menu.hidden = false;
      var left = Math.min(x, window.innerWidth - menu.offsetWidth - 4);
      var top = Math.min(y, window.innerHeight - menu.offsetHeight - 4);
      menu.style.left = Math.max(0, left) + 'px';
      menu.style.top = Math.max(0, top) + 'px';
    }

    player.addEventListener('contextmenu', function (ev) {
      if (menu.contains(ev.target)) return;
      ev.preventDefault();
      show(ev.clientX, ev.clientY);
    });
    // A long press on a touch screen, where no contextmenu event comes.
    var pressTimer = null;
    player.addEventListener('touchstart', function (ev) {
      var touch = ev.touches[0];
      pressTimer = setTimeout(function () { show(touch.clientX, touch.clientY); }, 650);
    }, { passive: true });
    ['touchend', 'touchmove', 'touchcancel'].forEach(function (name) {
      player.addEventListener(name, function () { clearTimeout(pressTimer); }, { passive: true });
    });

    menu.addEventListener('click', function (ev) {
      var item = ev.target.closest('[data-copy]');
      if (!item) return;
      hide();
      copyText(TsWatch.copyTexts[item.getAttribute('data-copy')]).then(
        function () { showToast(cfg.text.copied); },
        function () { showToast(cfg.text.copyFailed); });
    });
    document.addEventListener('click', function (ev) { if (!menu.contains(ev.target)) hide(); });
    document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') hide(); });
    window.addEventListener('blur', hide);
  }

  // --- seek buttons (recorded video) -------------------------------------------------------------

  function setUpSeek(ui) {
    var bar = document.getElementById('seek');
    if (!bar) return;
    bar.addEventListener('click', function (ev) {
      var button = ev.target.closest('[data-seek]');
      if (button && ui.onSeek) ui.onSeek(Number(button.getAttribute('data-seek')));
    });
  }

  // --- sign-in form ------------------------------------------------------------------------------

  function pageUrlWithout(names) {
    var url = new URL(window.location.href);
    names.forEach(function (name) { url.searchParams.delete(name); });
    return url;
  }

  function afterSignIn(token) {
    var url = pageUrlWithout(['auth', 'login']);
    // An iframe on another site gets no SameSite=Lax cookie; then auth= in its URL is the only way.
    return fetch('/api/auth', { credentials: 'same-origin', cache: 'no-store' }).then(function (answer) {
      if (!answer.ok) url.searchParams.set('auth', token);
      window.location.replace(url.toString());
    });
  }

  function setUpSignIn(cfg) {
    var form = document.getElementById('signin');
    var error = document.getElementById('signin-error');
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var token = base64Utf8(form.elements.uid.value + ':' + form.elements.password.value);
      error.textContent = '';
      fetch('/api/auth', { method: 'POST', credentials: 'same-origin', cache: 'no-store',
                           headers: { Authorization: 'Basic ' + token } })
        .then(function (answer) {
          if (answer.ok) return afterSignIn(token);
          error.textContent = answer.status === 429 ? cfg.text.signInThrottled
            : answer.status === 403 ? cfg.text.signInForbidden : cfg.text.signInFailed;
        })
        .catch(function () { error.textContent = cfg.text.signInFailed; });
    });
  }

  // --- start ---------------------------------------------------------------------------------------

  function start() {
    var cfg = JSON.parse(document.getElementById('watch-config').textContent);
    TsWatch.config = cfg;
    if (cfg.page === 'signIn') return setUpSignIn(cfg);
    if (cfg.page !== 'player') return;
    var ui = new Ui(cfg);
    TsWatch.ui = ui;
    setUpMenu(cfg);
    setUpSeek(ui);
    ui.status(cfg.text.connecting);
    if (cfg.mode === 'live') TsWatch.playLive(ui.video, cfg, ui);
    else TsWatch.playRecorded(ui.video, cfg, ui);
  }

  document.addEventListener('DOMContentLoaded', start);
})();
