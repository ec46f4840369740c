// Regenerates platform_names.json: the DOM members whose declared type reaches past the
// object they are read on (the code policy refuses those unless listed as safe). Usage: node platform_names.js <dir with
// node_modules/typescript>
"use strict";

const fs = require("fs");
const path = require("path");

const ts = require(path.join(path.resolve(process.argv[2] || "."), "node_modules", "typescript"));
const libDir = path.dirname(require.resolve(path.join(path.resolve(process.argv[2] || "."), "node_modules", "typescript")));
// Style declarations hold CSS property names: a style object's keys, not platform objects.
const SKIPPED = new Set(["CSSStyleDeclaration", "CSSStyleProperties"]);
// A member whose declared type can hold one of these reaches past the element it is read
// on: to a window or document (and from there everything), to any node (a document is
// one), to an event target (a window is one), or to code. (`any` payloads are data.)
const REACH = /\b(Window|WindowProxy|Document|Node|ParentNode|Location|History|Storage|Navigator|EventTarget|MessageEventSource|CacheStorage|IDBFactory|CookieStore|ServiceWorkerContainer|Worker|Function|Selection|globalThis)\b/;

function namesOf(file) {
  const text = fs.readFileSync(path.join(libDir, file), "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const reach = new Set();
  const visit = (node) => {
    if ((ts.isInterfaceDeclaration(node) || ts.isClassDeclaration(node)) && node.name && SKIPPED.has(node.name.text)) {
      return;
    }
    if (ts.isPropertySignature(node) || ts.isMethodSignature(node) || ts.isPropertyDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node) || ts.isSetAccessor(node)) {
      if (node.name && ts.isIdentifier(node.name)) {
        const type = node.type ? node.type.getText(source) : "any";
        if (REACH.test(type)) reach.add(node.name.text);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reach;
}

const reach = new Set();
for (const file of ["lib.dom.d.ts", "lib.dom.iterable.d.ts"]) for (const name of namesOf(file)) reach.add(name);
const out = { typescript: ts.version, reach: [...reach].sort() };
process.stdout.write(JSON.stringify(out, null, 0).replace(/","/g, '",\n"') + "\n");
