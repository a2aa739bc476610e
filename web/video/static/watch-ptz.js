/* PTZ controls over live video on /watch: eight direction arrows, zoom in and out, the home
   position and the camera's presets. Shown only when the server marked the page as live video for
   a user with the Control right (config "control") and the channel's camera can move
   (/api/channel/info?caps: pantilt, zoom, home, maxPreset).

   Holding an arrow or a zoom button moves the camera (/api/channel/ptz move=x,y or zoom=v);
   letting go stops it. The keyboard's arrow keys do the same (two at once: a diagonal).
   Commands go out one at a time, in order: the server answers -4 to a command sent while the
   camera is still answering the previous one, so a stop sent that way would be lost. */
(function (TsWatch) {
  'use strict';

  var SPEED = 0.5;       // pan and tilt velocity of the arrows (-1..1): moderate
  var ZOOM_SPEED = 0.5;
  var BUSY_RETRIES = 5;  // a -4 answer (camera still busy) is tried again this many times
  var BUSY_WAIT_MS = 200;
  var ARROWS = [  // [x, y, label text names, symbol], in the 3x3 grid's order; null: the centre
    [-1, 1, ['ptzUp', 'ptzLeft'], '\u2196'], [0, 1, ['ptzUp'], '\u2191'], [1, 1, ['ptzUp', 'ptzRight'], '\u2197'],
    [-1, 0, ['ptzLeft'], '\u2190'], null, [1, 0, ['ptzRight'], '\u2192'],
    [-1, -1, ['ptzDown', 'ptzLeft'], '\u2199'], [0, -1, ['ptzDown'], '\u2193'],
    [1, -1, ['ptzDown', 'ptzRight'], '\u2198']
  ];
  var KEYS = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };

  function Control(cfg) {
    this.cfg = cfg;
    this.queue = Promise.resolve();
    this.panel = null;
  }

  Control.prototype.url = function (path, params) {
    var query = 'ch=' + this.cfg.ch + '&lang=' + encodeURIComponent(this.cfg.lang) + (params ? '&' + params : '');
    return TsWatch.withAuth(path + '?' + query, this.cfg.auth);
  };

  Control.prototype.getJson = function (path, params) {
    return fetch(this.url(path, params), { credentials: 'same-origin', cache: 'no-store' })
      .then(function (answer) {
        if (!answer.ok) throw new Error(path + ': HTTP ' + answer.status);
        return answer.json();
      });
  };

  // One command after the other; the answer's code and message are shown on the panel.
  Control.prototype.send = function (path, params) {
    var control = this;
    function attempt(left) {
      return control.getJson(path, params).then(function (answer) {
        if (answer.code === -4 && left > 0) {
          return new Promise(function (resolve) { setTimeout(resolve, BUSY_WAIT_MS); })
            .then(function () { return attempt(left - 1); });
        }
        return answer;
      });
    }
    this.queue = this.queue.then(function () { return attempt(BUSY_RETRIES); })
      .then(function (answer) { control.showResult(answer.code, answer.message); },
            function (error) { control.showResult(null, String(error.message || error)); });
    return this.queue;
  };

  Control.prototype.ptz = function (params) {
    return this.send('/api/channel/ptz', params);
  };

  Control.prototype.showResult = function (code, message) {
    if (!this.panel) return;
    this.panel.setAttribute('data-code', code === null ? 'error' : String(code));
    this.messageBox.textContent = code === 0 ? '' : message || '';
    if (code === -1) this.panel.hidden = true;  // the right was taken away meanwhile
  };

  // --- building the panel --------------------------------------------------------------------------

  function button(className, label, symbol) {
    var b = document.createElement('button');
    b.type = 'button';
    b.className = className;
    b.title = label;
    b.setAttribute('aria-label', label);
    b.textContent = symbol;
    return b;
  }

  // Pressed: start(); let go (or the pointer lost): stop(), once per press.
  function holdable(b, start, stop) {
    var held = false;
    function release() {
      if (!held) return;
      held = false;
      b.classList.remove('held');
      stop();
    }
    b.addEventListener('pointerdown', function (ev) {
      if (ev.button !== 0 || held) return;
      ev.preventDefault();
      held = true;
      b.classList.add('held');
      if (b.setPointerCapture) b.setPointerCapture(ev.pointerId);
      start();
    });
    ['pointerup', 'pointercancel', 'lostpointercapture'].forEach(function (name) {
      b.addEventListener(name, release);
    });
    window.addEventListener('blur', release);
  }

  Control.prototype.build = function (caps) {
    var control = this;
    var text = this.cfg.text;
    var panel = this.panel = document.createElement('div');
    panel.className = 'ptz';
    panel.id = 'ptz';

    if (caps.pantilt || caps.home) {
      var pad = document.createElement('div');
      pad.className = 'ptz-pad';
      ARROWS.forEach(function (arrow) {
        if (!arrow) {
          if (caps.home) {
            var home = button('ptz-home', text.ptzHome, '\u2302');
            home.addEventListener('click', function () { control.ptz('home'); });
            pad.appendChild(home);
          } else {
            pad.appendChild(document.createElement('span'));
          }
          return;
        }
        if (!caps.pantilt) {
          pad.appendChild(document.createElement('span'));
          return;
        }
        var label = arrow[2].map(function (name) { return text[name]; }).join(' ');
        var b = button('ptz-move', label, arrow[3]);
        b.setAttribute('data-move', arrow[0] + ',' + arrow[1]);
        holdable(b, function () { control.ptz('move=' + arrow[0] * SPEED + ',' + arrow[1] * SPEED); },
                 function () { control.ptz('stop'); });
        pad.appendChild(b);
      });
      panel.appendChild(pad);
    }

    if (caps.zoom) {
      var zoom = document.createElement('div');
      zoom.className = 'ptz-zoom';
      [[1, text.ptzZoomIn, '+'], [-1, text.ptzZoomOut, '\u2212']].forEach(function (z) {
        var b = button('ptz-zoom-' + (z[0] > 0 ? 'in' : 'out'), z[1], z[2]);
        holdable(b, function () { control.ptz('zoom=' + z[0] * ZOOM_SPEED); },
                 function () { control.ptz('stop'); });
        zoom.appendChild(b);
      });
      panel.appendChild(zoom);
    }

    if (caps.maxPreset > 0) panel.appendChild(this.presetMenu());

    this.messageBox = document.createElement('div');
    this.messageBox.className = 'ptz-message';
    this.messageBox.setAttribute('role', 'status');
    panel.appendChild(this.messageBox);

    // Holding a button on a touch screen is not the long press that opens the page's menu.
    panel.addEventListener('touchstart', function (ev) { ev.stopPropagation(); }, { passive: true });
    panel.addEventListener('contextmenu', function (ev) { ev.preventDefault(); ev.stopPropagation(); });
    document.getElementById('player').appendChild(panel);
    if (caps.pantilt) this.useKeyboard();
  };

  // The presets as read by the server (list: fast), read again each time the menu opens.
  Control.prototype.presetMenu = function () {
    var control = this;
    var menu = document.createElement('details');
    menu.className = 'ptz-presets';
    var summary = document.createElement('summary');
    summary.textContent = this.cfg.text.ptzPresets;
    var list = document.createElement('ul');
    menu.appendChild(summary);
    menu.appendChild(list);
    menu.addEventListener('toggle', function () {
      if (!menu.open) return;
      control.getJson('/api/channel/preset', 'list').then(function (answer) {
        var item = answer.filter(function (c) { return c.chid === control.cfg.ch; })[0];
        list.textContent = '';
        ((item && item.preset) || []).forEach(function (preset) {
          var li = document.createElement('li');
          var b = document.createElement('button');
          b.type = 'button';
          b.textContent = preset.name || preset.token;
          b.setAttribute('data-preset', preset.token);
          li.appendChild(b);
          list.appendChild(li);
        });
        menu.setAttribute('data-loaded', String(list.children.length));
      }).catch(function (error) { control.showResult(null, String(error.message || error)); });
    });
    list.addEventListener('click', function (ev) {
      var b = ev.target.closest('[data-preset]');
      if (!b) return;
      control.send('/api/channel/preset', 'go=' + encodeURIComponent(b.getAttribute('data-preset')));
      menu.open = false;
    });
    return menu;
  };

  // Arrow keys move while held; two at once move diagonally.
  Control.prototype.useKeyboard = function () {
    var control = this;
    var held = {};
    var moving = '';
    function update() {
      var x = 0, y = 0;
      Object.keys(held).forEach(function (key) { x += KEYS[key][0]; y += KEYS[key][1]; });
      var move = x || y ? 'move=' + x * SPEED + ',' + y * SPEED : '';
      if (move === moving) return;
      moving = move;
      control.ptz(move || 'stop');
    }
    document.addEventListener('keydown', function (ev) {
      if (!KEYS[ev.key] || ev.altKey || ev.ctrlKey || ev.metaKey || control.panel.hidden) return;
      if (ev.target.closest && ev.target.closest('input, select, textarea')) return;
      ev.preventDefault();  // not the video's own seeking
      held[ev.key] = true;
      update();
    });
    document.addEventListener('keyup', function (ev) {
      if (!held[ev.key]) return;
      delete held[ev.key];
      update();
    });
    window.addEventListener('blur', function () { held = {}; update(); });
  };

  // --- start -----------------------------------------------------------------------------------------

  function start() {
    var cfg = TsWatch.config;
    if (!cfg || cfg.page !== 'player' || cfg.mode !== 'live' || !cfg.control) return;
    var control = new Control(cfg);
    TsWatch.ptz = control;
    control.getJson('/api/channel/info', 'caps').then(function (answer) {
      var item = answer.filter(function (c) { return c.chid === cfg.ch; })[0];
      var caps = item && item.caps;
      if (caps && (caps.pantilt || caps.zoom || caps.home || caps.maxPreset > 0)) control.build(caps);
    }).catch(function () {});  // no camera information: no controls
  }

  // After watch.js's own DOMContentLoaded handler, which reads the config.
  document.addEventListener('DOMContentLoaded', start);
})(window.TsWatch);
