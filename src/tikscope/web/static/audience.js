// The audience page: the interactive Clusters Distribution Graph (Plotly), drawn from the layout
// the server computed for the PNG (bubble positions and radii in the same units), and a busy
// state for the analysis form. No inline scripts (CSP): the data comes in a JSON block.
"use strict";

(function () {
  var HEIGHT = 540;
  var MARGIN = { l: 8, r: 8, t: 8, b: 8 };
  var EDGE_COLOR = "107, 114, 128";

  function escapeText(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function percent(share) {
    return (100 * share).toFixed(1) + "%";
  }

  function members(count) {
    return count.toLocaleString("en-US");
  }

  var FONT = '12px "Open Sans", verdana, arial, sans-serif';
  var LINE_HEIGHT = 16; // pixels per label line, padding included
  var RINGS = [0.03, 0.12, 0.25, 0.4, 0.6]; // as the PNG's label candidates

  function box(low, high) {
    return { x0: low[0], y0: low[1], x1: high[0], y1: high[1] };
  }

  function overlaps(a, b) {
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  }

  function discBox(node) {
    return box([node.x - node.radius, node.y - node.radius], [node.x + node.radius, node.y + node.radius]);
  }

  function ranges(boxes) {
    var pad = 0.1;
    return {
      x: [Math.min.apply(null, boxes.map(function (b) { return b.x0; })) - pad,
          Math.max.apply(null, boxes.map(function (b) { return b.x1; })) + pad],
      y: [Math.min.apply(null, boxes.map(function (b) { return b.y0; })) - pad,
          Math.max.apply(null, boxes.map(function (b) { return b.y1; })) + pad],
    };
  }

  // Plotly sizes markers in pixels: with equal axis scales, one data unit is this many pixels.
  function pixelsPerUnit(target, range) {
    var width = Math.max(target.clientWidth - MARGIN.l - MARGIN.r, 100);
    var height = HEIGHT - MARGIN.t - MARGIN.b;
    return Math.min(width / (range.x[1] - range.x[0]), height / (range.y[1] - range.y[0]));
  }

  function labelLines(node) {
    return [node.name, percent(node.share) + " · " + members(node.members)];
  }

  // A label's size in pixels, measured in the font the graph writes it in.
  function labelSize(node, context) {
    var widths = labelLines(node).map(function (line, index) {
      context.font = (index === 0 ? "bold " : "") + FONT;
      return context.measureText(line).width;
    });
    return { width: Math.max.apply(null, widths) + 8, height: 2 * LINE_HEIGHT + 4 };
  }

  // Where the label goes: beside its disc, away from the middle first, then the other side,
  // above and below, further out each round, covering no disc and no label placed before.
  function placeLabel(node, size, blocked) {
    var outward = node.x >= 0 ? 1 : -1;
    var first = null;
    for (var ring = 0; ring < RINGS.length; ring += 1) {
      var r = node.radius + RINGS[ring];
      var tries = [
        { x: node.x + outward * r, y: node.y, xanchor: outward > 0 ? "left" : "right", yanchor: "middle" },
        { x: node.x - outward * r, y: node.y, xanchor: outward > 0 ? "right" : "left", yanchor: "middle" },
        { x: node.x, y: node.y + r, xanchor: "center", yanchor: "bottom" },
        { x: node.x, y: node.y - r, xanchor: "center", yanchor: "top" },
      ];
      for (var i = 0; i < tries.length; i += 1) {
        var spot = tries[i];
        var left = { left: spot.x, right: spot.x - size.width, center: spot.x - size.width / 2 }[spot.xanchor];
        var bottom = { bottom: spot.y, top: spot.y - size.height, middle: spot.y - size.height / 2 }[spot.yanchor];
        spot.box = box([left, bottom], [left + size.width, bottom + size.height]);
        spot.leader = ring > 0;
        first = first || spot;
        if (!blocked.some(function (other) { return overlaps(spot.box, other); })) { return spot; }
      }
    }
    return first;
  }

  function placeLabels(graph, scale) {
    var context = document.createElement("canvas").getContext("2d");
    var discs = graph.nodes.map(discBox);
    var placed = {};
    var order = graph.nodes.slice().sort(function (a, b) { return b.members - a.members; });
    var labelsSoFar = [];
    order.forEach(function (node) {
      var size = labelSize(node, context);
      var units = { width: size.width / scale, height: size.height / scale };
      var others = discs.filter(function (_, index) { return graph.nodes[index] !== node; });
      var spot = placeLabel(node, units, others.concat(labelsSoFar));
      labelsSoFar.push(spot.box);
      placed[node.cluster] = spot;
    });
    return placed;
  }

  // The label sizes in data units depend on the scale, which depends on the room the labels
  // take: a few rounds settle it.
  function arrange(target, graph) {
    var discs = graph.nodes.map(discBox);
    var range = ranges(discs);
    var scale = pixelsPerUnit(target, range);
    var placed = {};
    for (var round = 0; round < 3; round += 1) {
      placed = placeLabels(graph, scale);
      var boxes = discs.concat(Object.keys(placed).map(function (key) { return placed[key].box; }));
      range = ranges(boxes);
      scale = pixelsPerUnit(target, range);
    }
    return { range: range, scale: scale, labels: placed };
  }

  function hoverText(node) {
    var lines = [
      "<b>" + escapeText(node.name) + "</b>",
      (node.cluster === -1 ? "Other" : "Cluster " + node.cluster) + ": " + percent(node.share) +
        " of the clustered audience, " + members(node.members) + " members",
    ];
    if (node.keywords.length) {
      lines.push("Top keywords: " + escapeText(node.keywords.join(", ")));
    }
    return lines.join("<br>");
  }

  function edgeTraces(graph) {
    var byCluster = {};
    graph.nodes.forEach(function (node) { byCluster[node.cluster] = node; });
    var lines = graph.edges.map(function (edge) {
      var a = byCluster[edge.source];
      var b = byCluster[edge.target];
      return {
        type: "scatter", mode: "lines", x: [a.x, b.x], y: [a.y, b.y], hoverinfo: "skip",
        line: { width: edge.width, color: "rgba(" + EDGE_COLOR + ", " + edge.opacity + ")" },
      };
    });
    var middles = {
      type: "scatter", mode: "markers", name: "follows",
      x: graph.edges.map(function (edge) { return (byCluster[edge.source].x + byCluster[edge.target].x) / 2; }),
      y: graph.edges.map(function (edge) { return (byCluster[edge.source].y + byCluster[edge.target].y) / 2; }),
      marker: { size: 14, color: "rgba(0, 0, 0, 0)" },
      text: graph.edges.map(function (edge) {
        return escapeText(byCluster[edge.source].name) + " ↔ " + escapeText(byCluster[edge.target].name) +
          "<br>" + members(edge.follows) + " follows, lift " + edge.lift.toFixed(2);
      }),
      hovertemplate: "%{text}<extra></extra>",
      hoverlabel: { bgcolor: "#374151" },
    };
    return graph.edges.length ? lines.concat([middles]) : [];
  }

  function bubbleTrace(graph, scale) {
    return {
      type: "scatter", mode: "markers", name: "clusters",
      x: graph.nodes.map(function (node) { return node.x; }),
      y: graph.nodes.map(function (node) { return node.y; }),
      customdata: graph.nodes.map(function (node) { return node.cluster; }),
      text: graph.nodes.map(hoverText),
      hovertemplate: "%{text}<extra></extra>",
      marker: {
        size: graph.nodes.map(function (node) { return 2 * node.radius * scale; }),
        color: graph.nodes.map(function (node) { return node.color; }),
        opacity: 1, line: { color: "#ffffff", width: 2 },  // opaque: the edges pass beneath
      },
      hoverlabel: { font: { color: "#ffffff" } },
    };
  }

  function annotations(graph, placed) {
    return graph.nodes.map(function (node) {
      var spot = placed[node.cluster];
      var lines = labelLines(node);
      return {
        x: spot.x, y: spot.y, xref: "x", yref: "y", xanchor: spot.xanchor, yanchor: spot.yanchor,
        showarrow: false, align: spot.xanchor === "center" ? "center" : spot.xanchor,
        text: "<b>" + escapeText(lines[0]) + "</b><br>" + lines[1],
        font: { size: 12, color: "#111827" }, bgcolor: "rgba(255, 255, 255, 0.8)",
      };
    });
  }

  // A label pushed away from its disc gets a thin line saying whose it is.
  function leaders(graph, placed) {
    var x = [];
    var y = [];
    graph.nodes.forEach(function (node) {
      var spot = placed[node.cluster];
      if (!spot.leader) { return; }
      var dx = spot.x - node.x;
      var dy = spot.y - node.y;
      var length = Math.sqrt(dx * dx + dy * dy) || 1;
      x.push(node.x + dx / length * node.radius, spot.x, null);
      y.push(node.y + dy / length * node.radius, spot.y, null);
    });
    return x.length ? [{ type: "scatter", mode: "lines", x: x, y: y, hoverinfo: "skip",
                         line: { width: 1, color: "#6b7280" } }] : [];
  }

  function figure(target, graph) {
    var arranged = arrange(target, graph);
    var data = edgeTraces(graph).concat(leaders(graph, arranged.labels),
                                        [bubbleTrace(graph, arranged.scale)]);
    var layout = {
      height: HEIGHT, margin: MARGIN, showlegend: false, hovermode: "closest", dragmode: false,
      paper_bgcolor: "rgba(0, 0, 0, 0)", plot_bgcolor: "rgba(0, 0, 0, 0)",
      xaxis: { visible: false, range: arranged.range.x, fixedrange: true },
      yaxis: { visible: false, range: arranged.range.y, fixedrange: true, scaleanchor: "x", scaleratio: 1 },
      annotations: annotations(graph, arranged.labels),
    };
    return { data: data, layout: layout };
  }

  function draw(target, graph) {
    var spec = figure(target, graph);
    return Plotly.react(target, spec.data, spec.layout, { displaylogo: false, displayModeBar: false, responsive: false });
  }

  function setUpGraph(target) {
    var block = document.getElementById("audience-graph-data");
    if (!block || !window.Plotly) { return; }
    var graph = JSON.parse(block.textContent);
    if (!graph || !graph.nodes.length) { return; }
    draw(target, graph).then(function () {
      target.dataset.drawn = "true";
      target.dispatchEvent(new CustomEvent("figure-drawn", { bubbles: true }));
    });
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { draw(target, graph); }, 150);
    });
  }

  function setUpBusyForm(form) {
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]");
      if (button) {
        button.disabled = true;
        button.textContent = form.dataset.busy;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-audience-graph]").forEach(setUpGraph);
    document.querySelectorAll("form[data-busy]").forEach(setUpBusyForm);
  });
})();
