(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var countries = data.countries;
  var svg = document.getElementById("map");
  var wrap = document.getElementById("map-wrap");
  var tip = document.getElementById("tip");
  var highlight = document.getElementById("highlight");
  var slider = document.getElementById("year");
  var output = document.getElementById("year-value");
  var legend = document.getElementById("legend");
  var fallback = document.getElementById("year-fallback");
  var shown = null;
  var pinned = false;  // clicked or tapped: the details stay until closed or another country is chosen
  var year = data.latest;
  // every shape and dot of a country, found once: a year change touches only these
  var marks = {};
  Array.prototype.forEach.call(svg.querySelectorAll("[data-iso3]"), function (node) {
    var iso3 = node.getAttribute("data-iso3");
    (marks[iso3] = marks[iso3] || []).push(node);
  });

  // Every string from the data goes in through textContent, never innerHTML.
  function add(parent, tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function svgNode(parent, tag, attributes, text) {
    var node = document.createElementNS(SVG_NS, tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  }

  function number(value) { return value.toLocaleString("en-US"); }

  function yearText(y) { return y === data.latest ? y + " (latest)" : String(y); }

  // The page data writes every string once (data.texts) and a state as a list of numbers in the
  // order of data.fields; a text made of pieces (a list of reports, of origins) is joined here.
  var FIELDS = {};
  data.fields.forEach(function (name, i) { FIELDS[name] = i; });
  function text(n) { return data.texts[n]; }
  // a piece is a text's number, or a list: [separator, the numbers of its items...]
  function joined(pieces) {
    return pieces.map(function (piece) {
      return typeof piece === "number" ? text(piece) : piece.slice(1).map(text).join(text(piece[0]));
    }).join("");
  }

  function decoded(country, numbers) {
    function field(name) { return numbers[FIELDS[name]]; }
    var d = {
      label: text(field("label")), status: text(field("status")), status_text: joined(field("status_text")),
      confidence: text(field("confidence")), notes: field("notes").map(joined), sources: field("sources"),
      n_sources: field("n_sources"), fill: text(field("fill")), dot: text(field("dot")), "class": field("class")
    };
    d.aria = data.aria[d.status].replace(/\{(\w+)\}/g, function (whole, key) {
      return key === "name" ? country.name : d[key];
    });
    return d;
  }

  function stateOf(iso3, y) {
    var country = countries[iso3];
    var index = country ? country.years[y - data.first] : -1;
    return index === undefined || index < 0 ? null : decoded(country, country.states[index]);
  }

  // --- the tooltip ---------------------------------------------------------------------------

  function chart(parent, iso3) {
    var country = countries[iso3];
    var rows = country.series;
    var width = 240, height = 78, left = 40, right = 8, top = 8, bottom = 20;
    var first = rows[0][0], last = rows[rows.length - 1][0];
    // years with workers (restaurants, IT workers) reported but no figure: a band of their own above
    // the figures, never a mark on the zero line, which would read as "no workers"
    var presence = rows.filter(function (r) { return r[3] === null && r[4] !== "l" && r[4] !== "o"; });
    var figures = rows.some(function (r) { return r[3] !== null; });
    var band = 4;
    if (presence.length) { top += 12; height += 12; }
    if (!figures) height = top + bottom;  // the band and the years only
    var top_value = 0;
    rows.forEach(function (r) {
      [r[1], r[2], r[3]].forEach(function (v) { if (v !== null && v > top_value) top_value = v; });
    });
    var zero_only = !top_value;
    if (zero_only) top_value = 1;  // every figure is zero: a flat line on the axis
    function x(y) { return left + (last === first ? 0.5 : (y - first) / (last - first)) * (width - left - right); }
    function yPos(v) { return top + (1 - v / top_value) * (height - top - bottom); }
    var described = [];
    rows.forEach(function (r) {
      if (!r[5]) return;
      var state = stateOf(iso3, r[0]);
      if (state) described.push(r[0] + ": " + state.label);
    });
    country.departures.forEach(function (d) { described.push(d[0] + ": " + joined(d[2])); });
    var box = svgNode(parent, "svg", {
      "class": "tip-chart", viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": "Series, " + described.join("; ")
    });
    if (figures) {  // no axis of figures for a country that never had one: its zero would be read as a count
      svgNode(box, "line", { x1: left, x2: width - right, y1: yPos(0), y2: yPos(0), "class": "axis" });
      if (!zero_only) svgNode(box, "text", { x: left - 4, y: yPos(top_value) + 3, "text-anchor": "end" }, number(top_value));
      svgNode(box, "text", { x: left - 4, y: yPos(0) + 3, "text-anchor": "end" }, "0");
    }
    if (presence.length) {
      svgNode(box, "text", { x: left - 4, y: band + 7, "text-anchor": "end", "class": "band-label" }, "no figure");
    }
    svgNode(box, "text", { x: x(first), y: height - 3, "text-anchor": "start" }, String(first));
    if (last !== first) svgNode(box, "text", { x: x(last), y: height - 3, "text-anchor": "end" }, String(last));
    if (year >= first && year <= last) {
      svgNode(box, "line", { x1: x(year), x2: x(year), y1: presence.length ? band - 2 : top - 4, y2: yPos(0), "class": "now" });
    }
    rows.forEach(function (r) {
      var low = r[1], high = r[2], central = r[3], code = r[4];
      var cx = x(r[0]);
      if (central === null) {
        if (code === "l" || code === "o") return;  // nothing current that year: no mark
        svgNode(box, "rect", { x: cx - 2, y: band, width: 4, height: 8, "class": "presence mark-" + code });
        return;
      }
      var a = low === null ? central : low, b = high === null ? central : high;
      svgNode(box, "rect", { x: cx - 2, y: yPos(b), width: 4, height: Math.max(1, yPos(a) - yPos(b)), "class": "range" });
      svgNode(box, "circle", { cx: cx, cy: yPos(central), r: r[5] ? 2.4 : 1.6, "class": "mark-" + code });
    });
    country.departures.forEach(function (d) {
      var cx = x(d[0]), base = yPos(0) + 3;
      svgNode(box, "path", { d: "M" + (cx - 3.5) + " " + base + "h7l-3.5 5z", "class": "departure" });
    });
    var key = add(parent, "p", "tip-key");
    var parts = [];
    if (figures) parts.push("bars: range; dots: central figure per year");
    if (presence.length) parts.push("top row: workers reported, no figure");
    if (country.departures.length) parts.push("\u25BC reports of workers sent home");
    key.textContent = parts.join("; ").replace(/^./, function (c) { return c.toUpperCase(); });
  }

  function fill(iso3) {
    var country = countries[iso3];
    var d = stateOf(iso3, year);
    tip.replaceChildren();
    var close = add(tip, "button", "tip-close", "\u00D7");
    close.type = "button";
    close.setAttribute("aria-label", "Close the details of " + country.name);
    close.addEventListener("click", function () {
      hide();
      svg.focus({ preventScroll: true });  // out of the closed panel, without showing it again
    });
    add(tip, "p", "tip-name", country.name);
    add(tip, "p", "tip-year", "As of " + yearText(year));
    if (!d) {
      add(tip, "p", "tip-status", "No report describing " + year + " or earlier.");
      chart(tip, iso3);
      return;
    }
    add(tip, "p", "tip-label tip-" + d.status, d.label);
    add(tip, "p", "tip-status", d.status_text);
    if (d.notes.length) {
      var notes = add(tip, "ul", "tip-notes");
      d.notes.forEach(function (note) { add(notes, "li", null, note); });
    }
    chart(tip, iso3);
    add(tip, "p", "tip-heading", d.n_sources === 1 ? "Source" : "Sources (" + d.n_sources + ")");
    var list = add(tip, "ul", "tip-sources");
    d.sources.forEach(function (number) {  // the newest few (render_html.TIP_SOURCES)
      var s = data.sources[number];
      var item = add(list, "li", null, text(s[0]));
      if (s[1] >= 0) add(item, "span", "tip-cite", " \u2014 " + text(s[1]));
    });
    if (d.n_sources > d.sources.length) {
      add(list, "li", "tip-more", "and " + (d.n_sources - d.sources.length) + " more in the table below");
    }
  }

  // On a narrow screen the stylesheet puts the details below the map, in the page's flow.
  function docked() { return getComputedStyle(tip).position === "static"; }

  function place(clientX, clientY) {
    if (docked()) {
      tip.style.left = tip.style.top = "";
      return;
    }
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
    if (!countries[iso3] || !stateOf(iso3, year)) return false;
    if (shown !== iso3) {
      fill(iso3);
      highlight.setAttribute("d", document.getElementById("shape-" + iso3).getAttribute("d"));
      shown = iso3;
    }
    tip.hidden = false;
    tip.classList.toggle("pinned", pinned || docked());
    place(clientX, clientY);
    return true;
  }

  function showAt(target) {
    var a = anchorOf(target);
    return show(target, a[0], a[1]);
  }

  function hide() {
    tip.hidden = true;
    tip.classList.remove("pinned");
    highlight.setAttribute("d", "");
    shown = null;
    pinned = false;
  }

  // a tap or click: that country's details, kept until closed; anywhere else on the map (the sea,
  // a country without a report that year) closes them
  function choose(node) {
    var target = hostOf(node);
    pinned = true;
    if (!target || !showAt(target)) {
      hide();
      return;
    }
    if (docked()) {  // the details open below the map: bring their start into view, the map with them
      var top = tip.getBoundingClientRect().top;
      if (top > window.innerHeight * 0.75) window.scrollBy(0, wrap.getBoundingClientRect().top);
    }
  }

  function hostOf(node) {
    return node && node.closest ? node.closest("[data-iso3]") : null;
  }

  // --- the year --------------------------------------------------------------------------------

  function setYear(y, fromFragment) {
    year = y;
    var counts = {};
    Object.keys(marks).forEach(function (iso3) {
      var d = stateOf(iso3, y);
      marks[iso3].forEach(function (node) {
        var dot = node.tagName.toLowerCase() === "circle";
        if (d) {
          node.setAttribute("fill", dot ? d.dot : d.fill);
          node.setAttribute("aria-label", d.aria + (dot ? " (small state, marked by a dot)" : ""));
          node.setAttribute("class", (dot ? "marker" : "host") + " status-" + d.status);
          node.setAttribute("tabindex", "0");
          node.removeAttribute("aria-hidden");
        } else {
          // no report by then: drawn as land, out of the tab order and of the accessibility tree
          node.setAttribute("fill", dot ? "none" : data.land);
          node.setAttribute("class", (dot ? "marker" : "host") + " absent");
          node.setAttribute("tabindex", "-1");
          node.setAttribute("aria-hidden", "true");
        }
      });
      if (d) {
        var key = d["class"] >= 0 ? "class-" + d["class"] : d.status;
        counts[key] = (counts[key] || 0) + 1;
      }
    });
    Array.prototype.forEach.call(legend.querySelectorAll("[data-legend]"), function (item) {
      var n = counts[item.getAttribute("data-legend")] || 0;
      item.querySelector(".legend-count").textContent = n;
      var unit = item.querySelector(".legend-unit");
      if (unit) unit.textContent = n === 1 ? "country" : "countries";
      item.hidden = n === 0;
    });
    var index = data.years.indexOf(y);
    if (index < 0) {  // a year without evidence of its own (from a link): the slider rests on the one before
      index = 0;
      data.years.forEach(function (candidate, i) { if (candidate <= y) index = i; });
    }
    slider.value = index;
    slider.setAttribute("aria-valuetext", yearText(y));
    output.textContent = yearText(y);
    if (!fromFragment) {
      writeFragment(y);
      sayFallback(null);
    }
    if (shown) {
      var current = shown;
      if (stateOf(current, y)) { shown = null; showAt(document.getElementById("shape-" + current)); }
      else hide();
    }
  }

  function writeFragment(y) {
    var url = y === data.latest ? location.pathname + location.search : "#year=" + y;
    try {
      history.replaceState(null, "", url);
    } catch (error) {  // some browsers refuse history changes on file: pages
      if (y !== data.latest || location.hash) location.hash = y === data.latest ? "" : "year=" + y;
    }
  }

  function yearFromFragment() {
    var match = /(?:^#|&)year=(\d{4})\b/.exec(location.hash);
    var y = match ? parseInt(match[1], 10) : data.latest;
    var known = y >= data.first && y <= data.latest;
    sayFallback(known ? null : y);
    return known ? y : data.latest;
  }

  // a link to a year without a map says so, and which year is shown instead
  function sayFallback(asked) {
    fallback.hidden = asked === null;
    fallback.textContent = asked === null ? "" : "There is no map for " + asked + ": the years run from " +
      data.first + " to " + data.latest + ". Showing " + data.latest + ", the latest.";
  }

  slider.addEventListener("input", function () { setYear(data.years[parseInt(slider.value, 10)]); });
  document.getElementById("year-prev").addEventListener("click", function () {
    var earlier = data.years.filter(function (y) { return y < year; });
    if (earlier.length) setYear(earlier[earlier.length - 1]);
  });
  document.getElementById("year-next").addEventListener("click", function () {
    var later = data.years.filter(function (y) { return y > year; });
    if (later.length) setYear(later[0]);
  });
  document.getElementById("year-latest").addEventListener("click", function () { setYear(data.latest); });
  window.addEventListener("hashchange", function () {
    var y = yearFromFragment();
    if (y !== year) setYear(y, true);
  });

  // --- pointer and keyboard on the map -------------------------------------------------------

  // pointing (a mouse, never a finger) shows a country while the pointer is on it, unless one was chosen
  function pointing(event) { return event.pointerType === "mouse" && !pinned && !docked(); }

  svg.addEventListener("pointermove", function (event) {
    var target = hostOf(event.target);
    if (target && pointing(event)) show(target, event.clientX, event.clientY);
  });
  svg.addEventListener("pointerout", function (event) {
    if (pointing(event) && !hostOf(event.relatedTarget)) {
      var focused = hostOf(document.activeElement);
      if (!focused || !showAt(focused)) hide();
    }
  });
  svg.addEventListener("click", function (event) { choose(event.target); });
  svg.addEventListener("focusin", function (event) {
    var target = hostOf(event.target);
    if (target && shown !== target.getAttribute("data-iso3")) {
      pinned = false;
      showAt(target);
    }
  });
  svg.addEventListener("focusout", function (event) {
    if (!pinned && !hostOf(event.relatedTarget) && !tip.contains(event.relatedTarget)) hide();
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") hide();
  });

  var initial = yearFromFragment();
  if (initial !== data.latest) setYear(initial, true);
})();
