// Graph pictures drawn with cytoscape.js (vendored, static/vendor/cytoscape/VERSION): a
// resource's neighbourhood on its page, and CONSTRUCT results on the query page.
// Asserted edges are solid, inferred ones dashed and violet, links to Wikidata green;
// clicking a node opens its page.
(function () {
  "use strict";

  function localPage(iri, site) {
    if (iri.indexOf(site.iriBase) === 0 && iri.length > site.iriBase.length) {
      return site.serverBase + "/id/" + iri.slice(site.iriBase.length);
    }
    if (iri === site.ontology || iri.indexOf(site.ontology + "#") === 0) {
      return site.serverBase + "/ontology" + iri.slice(site.ontology.length);
    }
    return iri;
  }

  function compact(iri, prefixes) {
    var best = "", name = "";
    Object.keys(prefixes || {}).forEach(function (p) {
      var ns = prefixes[p];
      if (iri.indexOf(ns) === 0 && ns.length > best.length) { best = ns; name = p; }
    });
    return best ? name + ":" + iri.slice(best.length) : iri;
  }

  // Elements from SPARQL-JSON-like triples ({s, p, o} with {type, value}).
  function fromTriples(triples, site, prefixes) {
    var nodes = {}, edges = [];
    function node(term) {
      var id = (term.type === "literal" ? "lit:" : "") + term.value;
      if (term.type === "literal") { id += "@" + edges.length; }
      if (!nodes[id]) {
        nodes[id] = {
          id: id,
          label: term.type === "uri" ? compact(term.value, prefixes) : term.value,
          href: term.type === "uri" ? localPage(term.value, site) : null,
          kind: term.type === "uri" ? "resource" : "literal"
        };
      }
      return id;
    }
    triples.slice(0, 400).forEach(function (t) {
      edges.push({
        source: node(t.s), target: node(t.o),
        label: compact(t.p.value, prefixes), graph: "asserted"
      });
    });
    return { nodes: Object.keys(nodes).map(function (k) { return nodes[k]; }), edges: edges };
  }

  function draw(container, data) {
    if (!window.cytoscape) { return null; }
    var elements = [];
    data.nodes.forEach(function (n) {
      elements.push({ group: "nodes", data: n, classes: n.kind });
    });
    // links between the same two nodes in the same graph are one edge with all their labels
    var merged = {}, order = [];
    data.edges.forEach(function (e) {
      var key = e.source + " " + e.target + " " + e.graph;
      if (!merged[key]) { merged[key] = { source: e.source, target: e.target, graph: e.graph, labels: [] }; order.push(key); }
      if (merged[key].labels.indexOf(e.label) < 0) { merged[key].labels.push(e.label); }
    });
    order.forEach(function (key, i) {
      var e = merged[key];
      elements.push({
        group: "edges",
        data: { id: "e" + i, source: e.source, target: e.target, label: e.labels.join(", ") },
        classes: e.graph
      });
    });
    var star = data.nodes.some(function (n) { return n.kind === "center"; });
    var cy = window.cytoscape({
      container: container,
      elements: elements,
      maxZoom: 1.6, minZoom: 0.2,
      style: [
        { selector: "node", style: {
          "label": "data(label)", "font-size": 10, "text-wrap": "ellipsis", "text-max-width": 120,
          "text-valign": "bottom", "text-margin-y": 3, "width": 16, "height": 16,
          "background-color": "#1a4f9c", "color": "#1d2430",
          "font-family": "Noto Sans CJK SC, Noto Sans, sans-serif" } },
        { selector: "node.center", style: {
          "background-color": "#9b1c1c", "width": 26, "height": 26, "font-weight": "bold" } },
        { selector: "node.literal", style: {
          "shape": "round-rectangle", "background-color": "#c8ceda", "width": 10, "height": 10 } },
        { selector: "edge", style: {
          "width": 1.5, "curve-style": "bezier", "target-arrow-shape": "triangle",
          "line-color": "#5b6473", "target-arrow-color": "#5b6473",
          "label": "data(label)", "font-size": 8, "color": "#5b6473",
          "text-rotation": "autorotate", "text-background-color": "#fff",
          "text-background-opacity": 0.8, "text-background-padding": 1 } },
        { selector: "edge.inferred", style: {
          "line-style": "dashed", "line-color": "#6b3fa0", "target-arrow-color": "#6b3fa0",
          "color": "#6b3fa0" } },
        { selector: "edge.links", style: {
          "line-color": "#1f7a4d", "target-arrow-color": "#1f7a4d", "color": "#1f7a4d" } }
      ],
      layout: star ? {
        name: "concentric", animate: false, padding: 16, minNodeSpacing: 70, spacingFactor: 1.2,
        concentric: function (node) { return node.hasClass("center") ? 2 : 1; },
        levelWidth: function () { return 1; }
      } : { name: "cose", animate: false, padding: 12, nodeDimensionsIncludeLabels: true }
    });
    cy.on("tap", "node", function (event) {
      var href = event.target.data("href");
      if (href && event.target.data("kind") !== "center") { window.location.href = href; }
    });
    cy.userZoomingEnabled(true);
    return cy;
  }

  window.subdipGraph = { draw: draw, fromTriples: fromTriples, localPage: localPage };

  // a resource page's neighbourhood: nodes and edges the server put in the page
  var box = document.getElementById("neighbourhood");
  var data = document.getElementById("neighbourhood-data");
  if (box && data) {
    window.subdipNeighbourhood = draw(box, JSON.parse(data.textContent));
  }
})();
