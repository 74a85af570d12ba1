// The home page's SPARQL editor: YASGUI (vendored, see static/vendor/yasgui/VERSION) set up
// for this endpoint. It adds what the stock editor lacks here: completion from the project's
// prefixes and ontology terms without asking another host, the query catalogue, share links
// that run the query, downloads (CSV with a byte-order mark for spreadsheets, TSV, JSON, RDF),
// CONSTRUCT results with prefixes and as a graph, and links from results to the local pages.
// Without JavaScript the plain form above still posts to /sparql.
(function () {
  "use strict";

  var site = JSON.parse(document.getElementById("site-config").textContent);
  var editor = JSON.parse(document.getElementById("editor-config").textContent);
  var form = document.getElementById("query-form");
  var mount = document.getElementById("yasgui");
  var downloads = document.getElementById("downloads");
  if (!window.Yasgui) { return; } // the plain form stays

  // YASGUI needs an absolute endpoint URL (the page's is relative to the server base)
  editor.endpoint = new URL(editor.endpoint, location.href).href;
  var Yasqe = window.Yasgui.Yasqe;
  var Yasr = window.Yasgui.Yasr;
  var prefixNames = Object.keys(editor.prefixes).sort();

  // -- completion from what this page knows (the stock completers ask prefix.cc and LOV) --
  function matching(list, token) {
    var wanted = (token && token.autocompletionString || "").toLowerCase();
    return Promise.resolve(list.filter(function (iri) {
      return iri.toLowerCase().indexOf(wanted) >= 0;
    }));
  }
  Yasqe.forkAutocompleter("prefixes", {
    name: "subdip-prefixes",
    persistenceId: null,
    get: function () {
      return Promise.resolve(prefixNames.map(function (p) {
        return p + ": <" + editor.prefixes[p] + ">";
      }));
    }
  }, false);
  Yasqe.forkAutocompleter("class", {
    name: "subdip-classes", persistenceId: null,
    get: function (yasqe, token) { return matching(editor.classes || [], token); }
  }, false);
  Yasqe.forkAutocompleter("property", {
    name: "subdip-properties", persistenceId: null,
    get: function (yasqe, token) { return matching(editor.properties || [], token); }
  }, false);
  Yasqe.defaults.autocompleters = ["subdip-prefixes", "variables", "subdip-classes", "subdip-properties"];

  // -- CONSTRUCT / DESCRIBE results as a graph (drawn by static/graph.js with cytoscape) --
  function GraphPlugin(yasr) {
    this.yasr = yasr;
    this.label = "Graph";
    this.priority = 5;
  }
  GraphPlugin.prototype.canHandleResults = function () {
    var results = this.yasr.results;
    return !!(results && results.getType && results.getType() === "ttl");
  };
  GraphPlugin.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "◉";
    return icon;
  };
  GraphPlugin.prototype.draw = function () {
    var bindings = this.yasr.results.getBindings() || [];
    var box = document.createElement("div");
    box.className = "graph-view";
    this.yasr.resultsEl.appendChild(box);
    var prefixes = this.yasr.getPrefixes ? this.yasr.getPrefixes() : editor.prefixes;
    var triples = bindings.map(function (b) {
      return { s: b.subject, p: b.predicate, o: b.object };
    });
    window.subdipGraph.draw(box, window.subdipGraph.fromTriples(triples, site, prefixes));
  };
  Yasr.registerPlugin("graph", GraphPlugin);

  // YASR's own CSV download (the icon over the table) gets the byte-order mark too
  var tableDownload = Yasr.plugins.table && Yasr.plugins.table.prototype.download;
  if (tableDownload) {
    Yasr.plugins.table.prototype.download = function (name) {
      var info = tableDownload.call(this, name);
      var getData = info.getData;
      info.getData = function () { return "\ufeff" + getData(); };
      return info;
    };
  }
  Yasr.defaults.pluginOrder = ["table", "graph", "response"];

  form.hidden = true;
  mount.hidden = false; // before YASGUI measures its editor
  var yasgui = new window.Yasgui(mount, {
    persistenceId: "subdip",
    populateFromUrl: false, // the page reads ?query= / #query= itself (below), once
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: editor.endpoint }]; },
      keys: []
    },
    requestConfig: {
      endpoint: editor.endpoint,
      method: "GET",
      acceptHeaderSelect: "application/sparql-results+json",
      acceptHeaderGraph: "text/turtle"
    },
    yasqe: { value: editor.query, resizeable: true, editorHeight: "16rem" },
    yasr: { prefixes: editor.prefixes, defaultPlugin: "table" }
  });

  function tab() { return yasgui.getTab(); }
  function yasqe() { return tab().getYasqe(); }

  // -- share links: the address carries the query; /?query=… or /#query=… runs it --
  function sharedQuery() {
    var hash = new URLSearchParams(location.hash.replace(/^#/, ""));
    var search = new URLSearchParams(location.search);
    return hash.get("query") || search.get("query");
  }
  function shareLink() {
    return location.origin + location.pathname + "#query=" + encodeURIComponent(yasqe().getValue());
  }
  function runShared() {
    var query = sharedQuery();
    if (!query) { return; }
    if (yasqe().getValue() !== query) { yasqe().setValue(query); }
    yasqe().query().catch(function () { /* the error is shown in the results */ });
  }
  runShared();
  window.addEventListener("hashchange", runShared);

  function onQuery() {
    history.replaceState(null, "", shareLink());
  }

  // -- the catalogue: each button puts its query in the editor and runs it --
  // (folded on a phone, where its sixteen buttons would push the editor off the screen)
  var catalogue = document.querySelector("details.catalogue");
  if (catalogue && window.matchMedia("(max-width: 40rem)").matches) { catalogue.open = false; }
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var template = document.getElementById("example-" + button.dataset.example);
      yasqe().setValue(template.content ? template.content.textContent : template.textContent);
      yasqe().query().catch(function () {});
      mount.scrollIntoView({ block: "start" });
    });
  });

  // -- results: links to the local pages, downloads --
  function localPage(iri) {
    if (iri.indexOf(site.iriBase) === 0 && iri.length > site.iriBase.length) {
      return site.serverBase + "/id/" + iri.slice(site.iriBase.length);
    }
    if (iri === site.ontology || iri.indexOf(site.ontology + "#") === 0) {
      return site.serverBase + "/ontology" + iri.slice(site.ontology.length);
    }
    return null;
  }
  // IRIs in the results link to their page here, and show their label once it is known
  var labels = {};
  var pending = null;
  function fetchLabels(iris) {
    var values = iris.map(function (i) { return "<" + i + ">"; }).join(" ");
    var query = "SELECT ?r ?l WHERE { VALUES ?r { " + values + " } " +
      "?r <http://www.w3.org/2000/01/rdf-schema#label> ?l . FILTER(langMatches(lang(?l), 'en')) }";
    return fetch(editor.endpoint, {
      method: "POST",
      headers: { Accept: "application/sparql-results+json",
        "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ query: query })
    }).then(function (r) { return r.ok ? r.json() : { results: { bindings: [] } }; })
      .then(function (data) {
        iris.forEach(function (i) { if (!(i in labels)) { labels[i] = null; } });
        data.results.bindings.forEach(function (b) { labels[b.r.value] = b.l.value; });
      });
  }
  function relink() {
    var wanted = [];
    mount.querySelectorAll(".yasr a[href]").forEach(function (a) {
      var href = a.getAttribute("href");
      var local = localPage(href);
      if (local) {
        a.dataset.iri = href;
        a.title = href;
        a.setAttribute("href", local);
        a.removeAttribute("target");
      }
      var iri = a.dataset.iri;
      // resources show their label; ontology terms keep their prefixed names (as queries write them)
      if (!iri || a.dataset.labelled || iri.indexOf(site.iriBase) !== 0) { return; }
      if (labels[iri]) {
        a.dataset.labelled = "1";
        a.textContent = labels[iri];
      } else if (!(iri in labels) && wanted.indexOf(iri) < 0 && wanted.length < 400) {
        wanted.push(iri);
      }
    });
    if (wanted.length && !pending) {
      pending = fetchLabels(wanted).then(function () { pending = null; relink(); },
        function () { pending = null; });
    }
  }
  new MutationObserver(function () { relink(); })
    .observe(mount, { childList: true, subtree: true });

  var MEDIA = {
    csv: "text/csv", tsv: "text/tab-separated-values",
    json: "application/sparql-results+json", turtle: "text/turtle",
    ntriples: "application/n-triples", jsonld: "application/ld+json"
  };
  function isGraphQuery() {
    var type = yasqe().getQueryType ? yasqe().getQueryType() : "SELECT";
    return type === "CONSTRUCT" || type === "DESCRIBE";
  }
  function showDownloads() {
    downloads.hidden = false;
    downloads.classList.toggle("graph", isGraphQuery());
  }
  downloads.querySelectorAll("a[data-format]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var format = link.dataset.format;
      var body = new URLSearchParams({ query: yasqe().getValue() });
      fetch(editor.endpoint, {
        method: "POST",
        headers: { Accept: MEDIA[format], "Content-Type": "application/x-www-form-urlencoded" },
        body: body
      }).then(function (response) {
        if (!response.ok) { return response.text().then(function (t) { throw new Error(t); }); }
        return response.blob();
      }).then(function (blob) {
        // a byte-order mark tells spreadsheet programs the CSV is UTF-8 (Chinese names)
        var parts = format === "csv" ? ["\ufeff", blob] : [blob];
        var file = new Blob(parts, { type: MEDIA[format] + ";charset=utf-8" });
        var a = document.createElement("a");
        a.href = URL.createObjectURL(file);
        a.download = link.getAttribute("download");
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
      }).catch(function (err) {
        document.getElementById("share-status").textContent = "download failed: " + err.message;
      });
    });
  });
  document.getElementById("share").addEventListener("click", function () {
    var link = shareLink();
    history.replaceState(null, "", link);
    var note = document.getElementById("share-status");
    var done = function () { note.textContent = "link copied"; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(link).then(done, function () { note.textContent = link; });
    } else {
      note.textContent = link;
    }
  });

  yasgui.on("query", onQuery);
  yasgui.on("queryResponse", showDownloads);
  window.subdipYasgui = yasgui; // for the browser tests and the curious
})();
