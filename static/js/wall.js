// Live wall: asks every few seconds for contributions published since the last one shown, and
// adds them. Text goes through textContent only: a contribution can never become markup.
(function () {
  "use strict";
  var list = document.getElementById("mur");
  if (!list) { return; }
  var feed = list.getAttribute("data-feed");
  var last = parseInt(list.getAttribute("data-last"), 10) || 0;
  var KEEP = 30;

  function paragraph(className, text) {
    var node = document.createElement("p");
    node.className = className;
    node.textContent = text;
    return node;
  }

  function show(item) {
    var entry = document.createElement("li");
    entry.className = "concerto-wall__item concerto-wall__item--new";
    entry.setAttribute("data-id", String(item.id));
    entry.appendChild(paragraph("concerto-wall__kind",
      item.kind + (item.challenge ? " · " + item.challenge : "")));
    if (item.title) { entry.appendChild(paragraph("concerto-wall__item-title", item.title)); }
    entry.appendChild(paragraph("concerto-contribution-text", item.body));
    entry.appendChild(paragraph("concerto-wall__author", item.author));
    list.appendChild(entry);
    while (list.children.length > KEEP) { list.removeChild(list.firstElementChild); }
  }

  function poll() {
    fetch(feed + "?apres=" + last, { headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { contributions: [] }; })
      .then(function (data) {
        data.contributions.forEach(function (item) { show(item); last = Math.max(last, item.id); });
      })
      .catch(function () { /* the room's network hiccups: try again at the next tick */ })
      .then(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 3000);
}());
