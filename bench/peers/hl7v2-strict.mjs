// npm hl7v2 (panates), strict: each message parsed with { strict: true }, which decodes every
// value by its datatype and throws at the first one that does not fit (no other check).
// Prints {"messages": N, "rejected": M}.
import { createRequire } from "module";
import { HL7Message } from "hl7v2";

const require = createRequire(import.meta.url);
const { messages } = require("./messages.cjs");

let count = 0;
let rejected = 0;
for (const text of messages(process.argv[2])) {
  count += 1;
  try {
    HL7Message.parse(text, { strict: true });
  } catch (e) {
    rejected += 1;
  }
}
process.stdout.write(JSON.stringify({ messages: count, rejected }) + "\n");
