// Small progressive enhancement only: the pages work the same without it.
// - after a submit with files, say that the messages are being read (a long upload is not a hang);
// - move the focus to the problem summary when the questionnaire comes back with problems.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
  var form = document.querySelector("form.questionnaire");
  var busy = document.getElementById("busy");
  if (!form || !busy) { return; }
  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || button.value !== "check") { return; }
    var files = document.getElementById("f-messages");
    var count = files && files.files ? files.files.length : 0;
    busy.textContent = count
      ? "Checking… reading " + count + " file" + (count === 1 ? "" : "s") + " on this computer."
      : "Checking…";
  });
});
