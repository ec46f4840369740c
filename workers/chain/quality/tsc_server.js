// Long-lived TypeScript checker: one request per line on stdin, one answer per line on
// stdout. A request is {"id", "files": {"component.tsx": "...", "stories.tsx": "..."}};
// the answer is {"id", "diagnostics": {"component.tsx": [{line, column, code, message}]}}.
// The library and @types files are parsed once and kept, so a check costs only the two
// generated files. Usage: node tsc_server.js <dir with node_modules>
"use strict";

const path = require("path");
const readline = require("readline");

const depsDir = path.resolve(process.argv[2] || ".");
const ts = require(path.join(depsDir, "node_modules", "typescript"));

const ROOT = path.join(depsDir, "__generated__");
const options = {
  strict: true,
  noEmit: true,
  jsx: ts.JsxEmit.ReactJSX,
  esModuleInterop: true,
  skipLibCheck: true,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2020,
  lib: ["lib.es2020.d.ts", "lib.dom.d.ts"],
  types: [],
};

const cache = new Map(); // file name -> SourceFile, for everything that is not generated
const host = ts.createCompilerHost(options, true);
const readFile = host.getSourceFile.bind(host);
let generated = {};

host.getSourceFile = (fileName, languageVersion) => {
  if (fileName.startsWith(ROOT)) {
    const text = generated[path.basename(fileName)];
    return text === undefined ? undefined : ts.createSourceFile(fileName, text, languageVersion, true);
  }
  if (!cache.has(fileName)) cache.set(fileName, readFile(fileName, languageVersion));
  return cache.get(fileName);
};
const fileExists = host.fileExists.bind(host);
host.fileExists = (fileName) =>
  fileName.startsWith(ROOT) ? path.basename(fileName) in generated : fileExists(fileName);
const directoryExists = host.directoryExists ? host.directoryExists.bind(host) : () => true;
host.directoryExists = (dir) => dir === ROOT || directoryExists(dir);
const read = host.readFile.bind(host);
host.readFile = (fileName) =>
  fileName.startsWith(ROOT) ? generated[path.basename(fileName)] : read(fileName);

let oldProgram;

function check(files) {
  generated = files;
  const roots = Object.keys(files).map((name) => path.join(ROOT, name));
  const program = ts.createProgram(roots, options, host, oldProgram);
  oldProgram = program;
  const result = {};
  for (const name of Object.keys(files)) {
    const source = program.getSourceFile(path.join(ROOT, name));
    const diagnostics = [
      ...program.getSyntacticDiagnostics(source),
      ...program.getSemanticDiagnostics(source),
    ];
    result[name] = diagnostics.map((d) => {
      const at = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
      return {
        line: at ? at.line + 1 : 0,
        column: at ? at.character + 1 : 0,
        code: d.code,
        message: ts.flattenDiagnosticMessageText(d.messageText, "\n"),
      };
    });
  }
  return result;
}

const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  let request;
  try {
    request = JSON.parse(line);
    const diagnostics = check(request.files);
    process.stdout.write(JSON.stringify({ id: request.id, diagnostics }) + "\n");
  } catch (error) {
    const id = request ? request.id : null;
    process.stdout.write(JSON.stringify({ id, error: String(error && error.stack || error) }) + "\n");
  }
});
process.stdout.write(JSON.stringify({ ready: true, typescript: ts.version }) + "\n");
