// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Preselect the browser's time zone on a fresh form that asks for one.
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { zone = null; }
  if (zone) {
    document.querySelectorAll("select[data-browser-timezone]").forEach(function (select) {
      if (Array.prototype.some.call(select.options, function (o) { return o.value === zone; })) {
        select.value = zone;
      }
    });
  }
  // Time-zone selects: a search box that narrows the long list (the plain select works without it).
  document.querySelectorAll("select[data-zone-search]").forEach(function (select) {
    var input = document.createElement("input");
    var label = document.createElement("label");
    input.type = "search";
    input.id = select.id + "-search";
    input.className = "zone-search";
    input.setAttribute("autocomplete", "off");
    input.setAttribute("aria-controls", select.id);
    label.htmlFor = input.id;
    label.className = "zone-search-label";
    label.textContent = "Search time zones (a city, e.g. Chicago)";
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase().replace(/ /g, "_");
      var first = null;
      select.querySelectorAll("optgroup").forEach(function (group) {
        var any = false;
        group.querySelectorAll("option").forEach(function (option) {
          var match = !needle || option.value.toLowerCase().indexOf(needle) !== -1;
          option.hidden = !match;
          if (match) { any = true; if (!first) { first = option; } }
        });
        group.hidden = !any;
      });
      // Pick the first match so the choice follows the search; the select stays editable by hand.
      if (needle && first) { select.value = first.value; }
    });
  });
  // Ask before destructive actions (the server still decides).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // A double click must not send a form twice (the server also guards against it).
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
})();
