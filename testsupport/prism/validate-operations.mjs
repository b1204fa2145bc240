// Validates every GraphQL operation that Prismatic's CLI (`@prismatic-io/prism`, installed in
// testsupport/node_modules) sends against plumb's schema.
//
//   node testsupport/prism/validate-operations.mjs path/to/schema.graphql
//
// Prints one JSON document: { total, valid, operations: [{ name, kind, valid, errors }] }.
// An operation is a template literal of the package's bundle whose text parses as a GraphQL
// document with at least one operation; fragments defined in the bundle are added to the
// documents that spread them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const graphql = require("graphql");
const { buildSchema, parse, validate, Kind } = graphql;

const schemaPath = process.argv[2];
if (!schemaPath) {
  console.error("usage: validate-operations.mjs SCHEMA.graphql");
  process.exit(2);
}
const schema = buildSchema(readFileSync(schemaPath, "utf8"));

const pkg = dirname(require.resolve("@prismatic-io/prism/package.json"));
const bundle = readFileSync(join(pkg, "lib", "index.js"), "utf8");

// Template literals whose text starts with an operation or fragment keyword.
const texts = [];
const start = /`(\s*(?:query|mutation|fragment|subscription)[\s({A-Za-z_])/g;
for (let m = start.exec(bundle); m; m = start.exec(bundle)) {
  const from = m.index + 1;
  const to = bundle.indexOf("`", from);
  if (to < 0) break;
  const text = bundle.slice(from, to);
  start.lastIndex = to + 1;
  if (text.includes("${")) continue;
  try {
    texts.push({ text, doc: parse(text) });
  } catch {
    // prose that happens to begin with "query ..."
  }
}

const fragments = new Map();
for (const { doc } of texts)
  for (const d of doc.definitions)
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);

const spreads = (node, out) => {
  if (!node || typeof node !== "object") return out;
  if (node.kind === Kind.FRAGMENT_SPREAD) out.add(node.name.value);
  for (const v of Object.values(node)) {
    if (Array.isArray(v)) v.forEach((x) => spreads(x, out));
    else if (v && typeof v === "object" && v.kind) spreads(v, out);
  }
  return out;
};

const seen = new Set();
const operations = [];
for (const { text, doc } of texts) {
  const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (ops.length === 0) continue;
  const key = text.replace(/\s+/g, " ").trim();
  if (seen.has(key)) continue;
  seen.add(key);
  // Add the fragments this document spreads but does not define, transitively.
  const defined = new Set(
    doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => d.name.value),
  );
  const definitions = [...doc.definitions];
  const todo = [...spreads(doc, new Set())];
  while (todo.length) {
    const name = todo.pop();
    if (defined.has(name) || !fragments.has(name)) continue;
    defined.add(name);
    definitions.push(fragments.get(name));
    todo.push(...spreads(fragments.get(name), new Set()));
  }
  const full = { ...doc, definitions };
  const errors = validate(schema, full).map((e) => e.message);
  operations.push({
    name: ops[0].name?.value ?? "(anonymous)",
    kind: ops[0].operation,
    valid: errors.length === 0,
    errors,
    text: key,
  });
}

const valid = operations.filter((o) => o.valid).length;
console.log(JSON.stringify({ total: operations.length, valid, operations }, null, 2));
