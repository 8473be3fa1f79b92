// tikscope pages: draw the Plotly figures shipped as JSON, and make the forms a little smarter.
// No inline scripts (the Content-Security-Policy forbids them): everything starts here.
"use strict";

var NARROW = 520;  // px: below it, figures put their legend under the plot

function drawFigures(root) {
  root.querySelectorAll("script[data-figure-for]").forEach(function (block) {
    var target = root.querySelector('[data-figure="' + block.dataset.figureFor + '"]');
    if (!target || !window.Plotly) { return; }
    var spec = JSON.parse(block.textContent);
    if (target.clientWidth < NARROW && spec.layout.legend) {
      // On a phone a legend above the plot wraps over it: put it below instead.
      spec.layout.legend = Object.assign({}, spec.layout.legend, { x: 0, xanchor: "left", y: -0.2, yanchor: "top" });
    }
    if (target.clientWidth < NARROW && spec.layout.meta && spec.layout.meta.narrow_ticktext) {
      // Long post names would push the bars off a phone's screen: the figure ships short ones.
      spec.layout.yaxis = Object.assign({}, spec.layout.yaxis, { ticktext: spec.layout.meta.narrow_ticktext });
      // and the bars' numbers would run off its edge: hovering a bar shows its number.
      spec.data.forEach(function (trace) { delete trace.texttemplate; });
    }
    Plotly.newPlot(target, spec.data, spec.layout, {
      displaylogo: false, responsive: true,
      modeBarButtonsToRemove: ["select2d", "lasso2d"],
    }).then(function () {
      target.dataset.drawn = "true";
      target.dispatchEvent(new CustomEvent("figure-drawn", { bubbles: true }));
    });
  });
}

function setUpPeriodPicker(form) {
  var days = form.querySelector('select[name="days"]');
  var start = form.querySelector('input[name="start"]');
  var end = form.querySelector('input[name="end"]');
  days.addEventListener("change", function () {
    if (days.value) { start.value = ""; end.value = ""; form.requestSubmit(); }
    else { start.focus(); }
  });
  [start, end].forEach(function (input) {
    input.addEventListener("change", function () { if (start.value || end.value) { days.value = ""; } });
  });
  form.addEventListener("submit", function () {
    // Leave empty fields out of the address, so that links stay short and readable.
    form.querySelectorAll("input, select").forEach(function (field) {
      if (field.name && field.value === "") { field.disabled = true; }
    });
    if (days.value) { start.disabled = true; end.disabled = true; }
    // The hidden "compare=false" only speaks when the box is unticked.
    var box = form.querySelector('input[type="checkbox"][name="compare"]');
    var unticked = form.querySelector('input[type="hidden"][name="compare"]');
    if (box && unticked && box.checked) { unticked.disabled = true; }
  });
}

document.addEventListener("DOMContentLoaded", function () {
  drawFigures(document);
  document.querySelectorAll("form[data-period-picker]").forEach(setUpPeriodPicker);
  document.querySelectorAll("select[data-navigate]").forEach(function (select) {
    select.addEventListener("change", function () { window.location.assign(select.value); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
});

window.tikscope = { drawFigures: drawFigures };
