// Community page: show the growth charts per day, week or month (the ?granularity= parameter).
// All three are shipped with the page as JSON; choosing one swaps the charts in place.
"use strict";

(function () {
  var CHOICES = ["day", "week", "month"];

  function showFigure(section, spec, name) {
    var target = section.querySelector('[data-figure="' + name + '"]');
    if (!target || !window.Plotly) { return; }
    Plotly.react(target, spec.data, spec.layout);
    target.setAttribute("aria-label", spec.layout.title.text);
  }

  function showGranularity(section, figures, granularity) {
    var specs = figures[granularity];
    Object.keys(specs).forEach(function (name) { showFigure(section, specs[name], name); });
    section.dataset.granularity = granularity;
  }

  function remember(granularity) {
    var address = new URL(window.location.href);
    if (granularity === "day") { address.searchParams.delete("granularity"); }
    else { address.searchParams.set("granularity", granularity); }
    window.history.replaceState(null, "", address);
    var picker = document.querySelector("form[data-period-picker]");
    if (!picker) { return; }
    var field = picker.querySelector('input[name="granularity"]');
    if (!field) {
      field = document.createElement("input");
      field.type = "hidden";
      field.name = "granularity";
      picker.appendChild(field);
    }
    field.value = granularity === "day" ? "" : granularity;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var section = document.querySelector("[data-growth]");
    if (!section) { return; }
    var figures = JSON.parse(section.querySelector("script[data-granularity-figures]").textContent);
    var select = section.querySelector("select[data-granularity]");
    var asked = new URL(window.location.href).searchParams.get("granularity");
    if (CHOICES.indexOf(asked) > 0) {
      select.value = asked;
      // app.js draws the daily charts first; each is swapped once it is there (some may be
      // drawn already: their promise settles before this handler runs).
      Object.keys(figures[asked]).forEach(function (name) {
        var target = section.querySelector('[data-figure="' + name + '"]');
        if (!target) { return; }
        if (target.dataset.drawn === "true") { showFigure(section, figures[asked][name], name); }
        else {
          target.addEventListener("figure-drawn", function () {
            showFigure(section, figures[asked][name], name);
          }, { once: true });
        }
      });
      section.dataset.granularity = asked;
      remember(asked);
    }
    select.addEventListener("change", function () {
      showGranularity(section, figures, select.value);
      remember(select.value);
    });
  });
})();
