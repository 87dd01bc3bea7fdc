// Sortable portfolio table (progressive enhancement: without it the table reads in key order).
// Each column heading becomes a button; a second press reverses the order.
(function () {
  document.querySelectorAll("table.rows").forEach(function (table) {
    var body = table.tBodies[0];
    if (table.caption) {
      table.caption.textContent += " Press a column heading to sort by it.";
    }
    table.querySelectorAll("thead th").forEach(function (th, column) {
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (other) {
          other.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        var value = function (row) {
          var cell = row.cells[column];
          var sort = cell.getAttribute("data-sort");
          return sort !== null ? sort : cell.textContent.trim().toLowerCase();
        };
        rows.sort(function (a, b) {
          var x = value(a), y = value(b);
          var nx = parseFloat(x), ny = parseFloat(y);
          var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
