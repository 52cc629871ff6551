(function () {
  "use strict";
  var MAX_SOURCES = 4;
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var svg = document.getElementById("map");
  var wrap = document.getElementById("map-wrap");
  var tip = document.getElementById("tip");
  var highlight = document.getElementById("highlight");
  var shown = null;

  // Every string from the data goes in through textContent, never innerHTML.
  function add(parent, tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function fill(iso3) {
    var d = data[iso3];
    tip.replaceChildren();
    add(tip, "p", "tip-name", d.name);
    add(tip, "p", "tip-label tip-" + d.status, d.label);
    add(tip, "p", "tip-status", d.status_text);
    if (d.notes.length) {
      var notes = add(tip, "ul", "tip-notes");
      d.notes.forEach(function (note) { add(notes, "li", null, note); });
    }
    add(tip, "p", "tip-heading", d.sources.length === 1 ? "Source" : "Sources (" + d.sources.length + ")");
    var list = add(tip, "ul", "tip-sources");
    d.sources.slice(0, MAX_SOURCES).forEach(function (s) {
      var item = add(list, "li", null, s.title);
      if (s.cite) add(item, "span", "tip-cite", " \u2014 " + s.cite);
    });
    if (d.sources.length > MAX_SOURCES) {
      add(list, "li", "tip-more", "and " + (d.sources.length - MAX_SOURCES) + " more in the table below");
    }
  }

  function place(clientX, clientY) {
    var box = wrap.getBoundingClientRect();
    var x = clientX - box.left + 14;
    var y = clientY - box.top + 14;
    var width = tip.offsetWidth;
    var height = tip.offsetHeight;
    if (x + width > box.width) x = Math.max(0, clientX - box.left - width - 14);
    if (y + height > box.height) y = Math.max(0, clientY - box.top - height - 14);
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  function anchorOf(target) {
    var point = svg.createSVGPoint();
    point.x = parseFloat(target.getAttribute("data-x"));
    point.y = parseFloat(target.getAttribute("data-y"));
    var screen = point.matrixTransform(svg.getScreenCTM());
    return [screen.x, screen.y];
  }

  function show(target, clientX, clientY) {
    var iso3 = target.getAttribute("data-iso3");
    if (!data[iso3]) return;
    if (shown !== iso3) {
      fill(iso3);
      highlight.setAttribute("d", document.getElementById("shape-" + iso3).getAttribute("d"));
      shown = iso3;
    }
    tip.hidden = false;
    place(clientX, clientY);
  }

  function hide() {
    tip.hidden = true;
    highlight.setAttribute("d", "");
    shown = null;
  }

  function hostOf(node) {
    return node && node.closest ? node.closest("[data-iso3]") : null;
  }

  svg.addEventListener("pointermove", function (event) {
    var target = hostOf(event.target);
    if (target) show(target, event.clientX, event.clientY);
  });
  svg.addEventListener("pointerout", function (event) {
    if (!hostOf(event.relatedTarget)) {
      var focused = hostOf(document.activeElement);
      if (focused) { var a = anchorOf(focused); show(focused, a[0], a[1]); } else { hide(); }
    }
  });
  svg.addEventListener("focusin", function (event) {
    var target = hostOf(event.target);
    if (target) { var a = anchorOf(target); show(target, a[0], a[1]); }
  });
  svg.addEventListener("focusout", function (event) {
    if (!hostOf(event.relatedTarget)) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hide();
  });
})();
