// The posts table: the column picker writes `columns=a,b,c` into the address (keeping the order
// of columns already shown, new ones after them), and the period picker keeps columns and sort.
"use strict";

function chosenColumns(form, current) {
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[data-column]"));
  var checked = boxes.filter(function (box) { return box.checked && !box.disabled; })
    .map(function (box) { return box.value; });
  var kept = current.filter(function (name) { return checked.indexOf(name) >= 0; });
  var added = checked.filter(function (name) { return kept.indexOf(name) < 0; });
  var columns = kept.concat(added);
  // post_id is always shown; asking for it alone is how to show nothing else.
  return columns.length ? columns : ["post_id"];
}

function setUpColumnPicker(table) {
  var form = table.querySelector("form[data-column-form]");
  if (!form) { return; }
  var current = table.dataset.columns ? table.dataset.columns.split(",") : [];
  var hidden = form.querySelector('input[name="columns"]');
  form.addEventListener("submit", function (event) {
    // Build the address here, so that it reads columns=a,b,c rather than columns=a%2Cb%2Cc.
    event.preventDefault();
    hidden.value = chosenColumns(form, current).join(",");
    var query = new URLSearchParams(new FormData(form)).toString().replace(/%2C/g, ",");
    window.location.assign(window.location.pathname + "?" + query);
  });
  form.querySelector("[data-column-defaults]").addEventListener("click", function () {
    var standard = table.dataset.defaultColumns.split(",");
    form.querySelectorAll("input[data-column]:not([disabled])").forEach(function (box) {
      box.checked = standard.indexOf(box.value) >= 0;
    });
    current = standard;
    form.requestSubmit();
  });
}

function keepTableInPeriodPicker(table) {
  var form = document.querySelector("form[data-period-picker]");
  if (!form) { return; }
  [["columns", table.dataset.columns], ["sort", table.dataset.sort]].forEach(function (pair) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = pair[0];
    input.value = pair[1];
    form.appendChild(input);
  });
  var json = form.querySelector("a.json");
  if (json) { json.href = table.dataset.json; }
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-posts-table]").forEach(function (table) {
    setUpColumnPicker(table);
    keepTableInPeriodPicker(table);
  });
});
