// npm simple-hl7: parse only (segments, fields, components; no check of any kind).
// Prints {"messages": N, "rejected": M}.
"use strict";
const hl7 = require("simple-hl7");
const { messages } = require("./messages.cjs");

const parser = new hl7.Parser({ segmentSeperator: "\r" });
let count = 0;
let rejected = 0;
for (const text of messages(process.argv[2])) {
  count += 1;
  try {
    parser.parse(text);
  } catch (e) {
    rejected += 1;
  }
}
process.stdout.write(JSON.stringify({ messages: count, rejected }) + "\n");
