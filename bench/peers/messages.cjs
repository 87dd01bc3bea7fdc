// The messages of a capture file, as both drivers split them: line ends made CR, a message
// starting at every segment line that begins with "MSH|" (what bench_peers.py writes).
"use strict";
const fs = require("fs");

function messages(path) {
  const text = fs.readFileSync(path, "latin1").replace(/\r\n|\n/g, "\r");
  return text.split(/\r(?=MSH\|)/).filter((m) => m.startsWith("MSH|"));
}

module.exports = { messages };
