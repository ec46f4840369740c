// Long-lived TypeScript checker: one request per line on stdin, one answer per line on
// stdout. A request is {"id", "files": {"component.tsx": "...", "stories.tsx": "..."}};
// the answer is {"id", "diagnostics": {"component.tsx": [{line, column, code, message}]}}.
// The library and @types files are parsed once and kept, so a check costs only the two
// generated files. Usage: node tsc_server.js <dir with node_modules>
// A request with "render": {component, stories, timeout_ms, allowed_packages, axe} also
// renders each story in a sandbox (render_sandbox.js); the answer then carries
// "render": {stories: [...], traps: [...], error}.
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
  // Every file is a module, even one without imports or exports: a batch's files must
  // never share a global scope (one job's script could not then collide with another's).
  moduleDetection: ts.ModuleDetectionKind.Force,
};

const cache = new Map(); // file name -> SourceFile, for everything that is not generated
const host = ts.createCompilerHost(options, true);
const readFile = host.getSourceFile.bind(host);
let generated = {}; // path under ROOT ("3/component.tsx": the batch's 4th job) -> text
const generatedPath = (fileName) => path.relative(ROOT, fileName);

host.getSourceFile = (fileName, languageVersion) => {
  if (fileName.startsWith(ROOT)) {
    const text = generated[generatedPath(fileName)];
    return text === undefined ? undefined : ts.createSourceFile(fileName, text, languageVersion, true);
  }
  if (!cache.has(fileName)) cache.set(fileName, readFile(fileName, languageVersion));
  return cache.get(fileName);
};
const fileExists = host.fileExists.bind(host);
host.fileExists = (fileName) =>
  fileName.startsWith(ROOT) ? generatedPath(fileName) in generated : fileExists(fileName);
const directoryExists = host.directoryExists ? host.directoryExists.bind(host) : () => true;
host.directoryExists = (dir) => dir === ROOT || dir.startsWith(ROOT + path.sep) || directoryExists(dir);
const read = host.readFile.bind(host);
host.readFile = (fileName) =>
  fileName.startsWith(ROOT) ? generated[generatedPath(fileName)] : read(fileName);

let oldProgram;
let renderer; // made on the first render request: jsdom and axe-core take ~0.3 s to load

function render(files, options) {
  try {
    renderer = renderer || require("./render_sandbox").createRenderer(depsDir, ts);
  } catch (error) {
    return { stories: [], traps: [], error: `render unavailable: ${error && error.message}`, unavailable: true };
  }
  try {
    return renderer.render(files, options);
  } catch (error) {
    // A failure of ours, maybe provoked by the code: the render did not pass, it is not "unavailable".
    return { stories: [], traps: [], error: `the render sandbox failed: ${String(error && error.message).slice(0, 300)}` };
  }
}

// Several jobs' files in one program, each job in a folder of its own: the checker's
// set-up (the DOM library's globals, React's JSX types) is paid once per batch, not per job.
function checkBatch(batch) {
  generated = {};
  batch.forEach((files, i) => {
    for (const name of Object.keys(files)) generated[`${i}/${name}`] = files[name];
  });
  const roots = Object.keys(generated).map((name) => path.join(ROOT, name));
  const program = ts.createProgram(roots, options, host, oldProgram);
  oldProgram = program;
  return batch.map((files, i) => diagnosticsOf(program, i, files));
}

function diagnosticsOf(program, i, files) {
  const result = {};
  for (const name of Object.keys(files)) {
    const source = program.getSourceFile(path.join(ROOT, `${i}`, name));
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

async function answer(line) {
  let request;
  try {
    request = JSON.parse(line);
    const answer = { id: request.id };
    if (request.batch) answer.batch = checkBatch(request.batch);
    else answer.diagnostics = request.check === false ? {} : checkBatch([request.files])[0];
    if (request.render) {
      answer.render = render(request.files, request.render);
      // Let what the component left queued with the host (a MutationObserver's callback...)
      // run now, outside the vm timeout: if it hangs, it is this request that gets no answer
      // (the Python side kills Node), not the next one.
      await new Promise((resolve) => setImmediate(resolve));
    }
    process.stdout.write(JSON.stringify(answer) + "\n");
  } catch (error) {
    const id = request ? request.id : null;
    process.stdout.write(JSON.stringify({ id, error: String(error && error.stack || error) }) + "\n");
  }
}

// A component's promise that rejects with no handler (its import() that a trap refused, say)
// would end Node, and a failed jsdom callback after a render too: each request starts from
// fresh state, so note it and go on.
process.on("unhandledRejection", () => {});
process.on("uncaughtException", (error) => {
  process.stderr.write(`uncaught after a request: ${String(error && error.message).slice(0, 300)}\n`);
});

let pending = Promise.resolve(); // one request at a time, in order
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  pending = pending.then(() => answer(line));
});
process.stdout.write(JSON.stringify({ ready: true, typescript: ts.version }) + "\n");
