// The /timeline picture, drawn with vis-timeline (vendored, static/vendor/vis-timeline/VERSION).
// The table under it holds the same items (and stays when scripts are off).
(function () {
  "use strict";
  var box = document.getElementById("timeline");
  if (!window.vis || !box) { return; }
  var data = JSON.parse(document.getElementById("timeline-data").textContent);
  var groups = [];
  var seen = {};
  data.forEach(function (d) {
    if (!seen[d.group]) { seen[d.group] = true; groups.push({ id: d.group, content: d.group }); }
  });
  groups.sort(function (a, b) { return a.id.localeCompare(b.id); });
  var items = data.map(function (d) {
    var el = document.createElement("span");
    el.textContent = d.content;
    var title = d.content + " (" + d.start + (d.end ? " – " + d.end : "") + ")" +
      (d.sources.length ? "; source: " + d.sources.join("; ") : "");
    d.others.forEach(function (o) {
      title += "; sources disagree: also dated " + o.date + " by " + o.sources.join("; ");
    });
    return {
      id: d.id, content: el, start: d.start, end: d.end || undefined,
      type: d.end ? "range" : "box", group: d.group, title: title,
      className: d.disputed ? "disputed" : "", href: d.href
    };
  });
  // open on the years the items cover (vis-timeline would otherwise pad to whole decades)
  var years = data.map(function (d) { return parseInt(d.start.slice(0, 4), 10); })
    .concat(data.filter(function (d) { return d.end; })
      .map(function (d) { return parseInt(d.end.slice(0, 4), 10); }));
  var first = Math.min.apply(null, years), last = Math.max.apply(null, years);
  var timeline = new window.vis.Timeline(box, new window.vis.DataSet(items),
    new window.vis.DataSet(groups), {
      stack: true, zoomable: true, horizontalScroll: false, orientation: "top",
      margin: { item: 4 }, maxHeight: 640, tooltip: { followMouse: true },
      start: (first - 1) + "-01-01", end: (last + 2) + "-01-01"
    });
  timeline.on("select", function (props) {
    var item = items.filter(function (i) { return i.id === props.items[0]; })[0];
    if (item && item.href) { window.location.href = item.href; }
  });
  box.removeAttribute("aria-hidden");
  window.subdipTimeline = timeline;
})();
