// The home page's query editor: posts the query to /sparql and renders the answer.
// Plain browser JavaScript, no framework, no external assets.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("site-config").textContent);
  var form = document.getElementById("query-form");
  var textarea = document.getElementById("query");
  var runButton = document.getElementById("run");
  var statusLine = document.getElementById("status");
  var results = document.getElementById("results");

  var prefixes = {
    "https://w3id.org/subdip/ontology#": "subdip:",
    "https://w3id.org/subdip/id/": "id:",
    "http://www.w3.org/2004/02/skos/core#": "skos:",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "rdf:",
    "http://www.w3.org/2000/01/rdf-schema#": "rdfs:",
    "http://www.w3.org/2002/07/owl#": "owl:",
    "http://purl.org/dc/terms/": "dcterms:",
    "http://www.w3.org/ns/org#": "org:",
    "http://www.w3.org/ns/prov#": "prov:",
    "http://www.wikidata.org/entity/": "wd:",
    "http://www.w3.org/2001/XMLSchema#": "xsd:"
  };

  // Where an IRI's page is: ours under the server base, anything else as is.
  function pageOf(iri) {
    if (iri.indexOf(config.iriBase) === 0 && iri.length > config.iriBase.length) {
      return config.serverBase + "/id/" + iri.slice(config.iriBase.length);
    }
    if (iri === config.ontology || iri.indexOf(config.ontology + "#") === 0) {
      return config.serverBase + "/ontology" + iri.slice(config.ontology.length);
    }
    return iri;
  }

  function compact(iri) {
    for (var ns in prefixes) {
      if (iri.indexOf(ns) === 0 && /^[\w\-./]+$/.test(iri.slice(ns.length))) {
        return prefixes[ns] + iri.slice(ns.length);
      }
    }
    return iri;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var a = document.createElement("a");
      a.href = pageOf(term.value);
      a.title = term.value;
      a.textContent = compact(term.value);
      a.dataset.iri = term.value;
      td.appendChild(a);
    } else if (term.type === "bnode") {
      td.textContent = "_:" + term.value;
    } else {
      var span = document.createElement("span");
      span.textContent = term.value;
      if (term["xml:lang"]) {
        span.lang = term["xml:lang"];
        if (/^zh(?!.*latn)/i.test(term["xml:lang"])) { span.className = "zh"; }
      }
      td.appendChild(span);
    }
    return td;
  }

  function renderSolutions(data) {
    var table = document.createElement("table");
    table.className = "solutions";
    var head = table.createTHead().insertRow();
    var vars = data.head.vars || [];
    vars.forEach(function (v) {
      var th = document.createElement("th");
      th.scope = "col";
      th.textContent = "?" + v;
      head.appendChild(th);
    });
    var body = table.createTBody();
    data.results.bindings.forEach(function (binding) {
      var row = body.insertRow();
      vars.forEach(function (v) { row.appendChild(cell(binding[v])); });
    });
    results.replaceChildren(table);
    var n = data.results.bindings.length;
    return labelResults(table).then(function () {
      return n + (n === 1 ? " row" : " rows");
    });
  }

  // IRIs that can be written between <> in a query.
  function safeIri(iri) {
    return /^[^<>"{}|^`\\\s]+$/.test(iri);
  }

  // Replace the IRIs shown in the table by their English label (and add the Chinese one),
  // with one small query; the IRI stays in the link's title and below the label.
  function labelResults(table) {
    var anchors = table.querySelectorAll("a[data-iri]");
    var iris = [];
    anchors.forEach(function (a) {
      if (safeIri(a.dataset.iri) && iris.indexOf(a.dataset.iri) < 0 && iris.length < 500) {
        iris.push(a.dataset.iri);
      }
    });
    if (!iris.length) { return Promise.resolve(); }
    var query = "SELECT ?r ?l WHERE { VALUES ?r { " +
      iris.map(function (i) { return "<" + i + ">"; }).join(" ") +
      " } ?r ?p ?l . FILTER(?p IN (<http://www.w3.org/2000/01/rdf-schema#label>," +
      " <http://www.w3.org/2004/02/skos/core#prefLabel>, <http://purl.org/dc/terms/title>)" +
      " && isLiteral(?l)) }";
    return post(query, "application/sparql-results+json").then(function (response) {
      if (!response.ok) { return; }
      return response.json().then(function (data) {
        var labels = {};
        data.results.bindings.forEach(function (b) {
          var lang = (b.l["xml:lang"] || "").toLowerCase();
          var entry = labels[b.r.value] = labels[b.r.value] || {};
          if (/^zh(?!.*latn)/.test(lang)) { entry.zh = entry.zh || b.l.value; }
          else if (lang === "" || lang.indexOf("en") === 0) { entry.en = entry.en || b.l.value; }
        });
        anchors.forEach(function (a) {
          var entry = labels[a.dataset.iri];
          if (!entry || !(entry.en || entry.zh)) { return; }
          var shown = a.textContent;
          a.textContent = entry.en || entry.zh;
          if (entry.en && entry.zh) {
            var zh = document.createElement("span");
            zh.className = "zh";
            zh.lang = "zh";
            zh.textContent = " " + entry.zh;
            a.appendChild(zh);
          }
          var small = document.createElement("span");
          small.className = "iri";
          small.textContent = shown;
          a.parentNode.appendChild(small);
        });
      });
    }).catch(function () { /* labels are a nicety: the table is complete without them */ });
  }

  function post(query, accept) {
    return fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": accept },
      body: new URLSearchParams({ query: query }).toString()
    });
  }

  function renderBoolean(data) {
    var p = document.createElement("p");
    p.className = "boolean";
    p.textContent = data["boolean"] ? "Yes (true)" : "No (false)";
    results.replaceChildren(p);
    return "ASK answered";
  }

  function renderText(text) {
    var pre = document.createElement("pre");
    pre.textContent = text;
    results.replaceChildren(pre);
    return "graph result (Turtle)";
  }

  function run(query) {
    runButton.disabled = true;
    statusLine.className = "";
    statusLine.textContent = "Running…";
    results.setAttribute("aria-busy", "true");
    results.dataset.state = "running";
    var started = performance.now();
    post(query, "application/sparql-results+json, text/turtle;q=0.9").then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      return response.text().then(function (text) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status + ": " + text.trim());
        }
        if (type.indexOf("json") >= 0) {
          var data = JSON.parse(text);
          return "boolean" in data ? renderBoolean(data) : renderSolutions(data);
        }
        return renderText(text);
      });
    }).then(function (summary) {
      results.dataset.state = "done";
      var ms = Math.round(performance.now() - started);
      statusLine.textContent = summary + " in " + ms + " ms";
    }).catch(function (error) {
      results.dataset.state = "error";
      statusLine.className = "error";
      statusLine.textContent = error.message;
      results.replaceChildren();
    }).finally(function () {
      runButton.disabled = false;
      results.removeAttribute("aria-busy");
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    run(textarea.value);
  });

  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var template = document.getElementById("example-" + button.dataset.example);
      textarea.value = template.content.textContent.trim() + "\n";
      run(textarea.value);
    });
  });
})();
