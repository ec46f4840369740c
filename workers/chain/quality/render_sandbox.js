// Sandboxed render of a generated component with each of its Storybook stories, then axe-core
// on what each rendered: the second line of defence behind the Python policy (policy.py).
// Each story gets a fresh jsdom window and a vm context of ours ("S") with string code
// generation off, whose global carries the window's DOM (jsdom-global style). React, react-dom
// and the allowed packages are evaluated inside S from the deps dir's CommonJS files, so the
// component shares no React with us. Whatever the code still tries (network, storage, cookies,
// navigation, eval, HTML injection, modules off the allow-list, string timers...) hits a trap:
// recorded on our side, then thrown. A render that loops is cut off by the vm timeout.
//
// Limits, on purpose:
// - jsdom's DOM objects and methods are host-realm objects (jsdom's code runs in Node's realm),
//   so `document.createElement.constructor` is the host's Function. While sandboxed code runs
//   (every step below) the host's Function.prototype.constructor and its async/generator kin
//   are traps too, but a host object can still be reached and polluted; the Python policy, which
//   runs first, forbids `constructor`, `__proto__` and `prototype` in any spelling, and Node
//   runs under its permission model (typecheck.py).
// - Callbacks the host calls later on its own (a MutationObserver's, a jsdom-internal timer)
//   run outside the vm timeout; the Python side kills Node when an answer is late.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { isBuiltin } = require("module");

const ORIGIN = "https://component.sandbox/";
const PAGE =
  '<!doctype html><html lang="en"><head><title>story</title></head><body><div id="root"></div></body></html>';
const REACT_MODULES = new Set(["react", "react/jsx-runtime", "react-dom", "react-dom/client"]);
const TIMER_BUDGET_MS = 1000; // virtual time the component's own timers may advance
const TIMER_CALLBACKS = 200; // and at most this many timer callbacks (React's scheduler's too)
const MAX_STORIES = 30;
// A whole request (every story, its inspection and axe) gets this many story time-outs at
// most: a template's dozen stories take a fraction of one, and code that spends its time
// is refused at the first time-out anyway, so it cannot hold a worker for minutes.
const REQUEST_TIMEOUTS = 4;
const HTML_LIMIT = 20000;
const ERROR_LIMIT = 300;
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"];
// Rules about a whole page, not a component; color-contrast needs a layout jsdom lacks.
const AXE_PAGE_RULES = [
  "region", "page-has-heading-one", "html-has-lang", "html-lang-valid", "html-xml-lang-mismatch",
  "document-title", "bypass", "meta-viewport", "meta-viewport-large", "meta-refresh",
  "meta-refresh-no-exceptions", "frame-tested", "color-contrast", "color-contrast-enhanced",
];
const VISUAL = [
  "display", "visibility", "opacity", "color", "background-color", "background-image", "border",
  "border-width", "border-style", "border-color", "border-radius", "padding", "margin",
  "font-size", "font-weight", "width", "height", "gap", "row-gap", "column-gap", "box-shadow",
  "outline",
];
const VISUAL_LONGHAND =
  /^((border|padding|margin)-(top|right|bottom|left)(-(width|style|color))?|border-(top|bottom)-(left|right)-radius|outline-(width|style|color|offset))$/;
const SHOWN_ATTRIBUTES = ["src", "alt", "placeholder", "value", "type", "checked", "disabled",
  "selected", "hidden", "open"];
const SVG = "http://www.w3.org/2000/svg";
const NOT_ON_SCREEN = new Set(["script", "style", "template", "noscript", "head", "title"]);

// null when a URL attribute is fine, else the trap's kind: the code policy's URL rule.
// Relative URLs and #... are fine; https: only to an allowed host; a link may also be
// mailto: or tel:, an image inline data:image/...; script schemes never are. Runs in the sandbox too (its source is put in the prelude).
function urlVerdict(tag, name, value, hosts) {
  var attr = String(name).toLowerCase();
  var href = attr === "href" || attr === "xlink:href";
  var link = href && (tag === "a" || tag === "area");
  var loading =
    (href && !link) ||
    (attr === "data" && tag === "object") ||
    ["src", "srcset", "imagesrcset", "poster", "background", "lowsrc", "ping", "action",
      "formaction", "manifest"].indexOf(attr) >= 0;
  if (!link && !loading) return null;
  var text = String(value);
  var urls = attr === "srcset" || attr === "imagesrcset"
    ? text.split(",").map(function (c) { return c.trim().split(/\s+/)[0]; })
    : attr === "ping" ? text.split(/\s+/) : [text];
  var verdict = null;
  for (var i = 0; i < urls.length; i++) {
    // Browsers drop control characters and blanks where they would split a scheme.
    var url = String(urls[i] || "").replace(/[\u0000-\u0020\u007f]/g, "").toLowerCase();
    if (url === "" || url[0] === "#" || (link && /^(mailto|tel):/.test(url))) continue;
    // An image may be inline data (the code policy's rule too); nothing else may.
    if (loading && /^data:image\/(png|gif|jpe?g|webp|avif)[;,]/.test(url)) continue;
    if (/^(javascript|vbscript|data):/.test(url)) return "script-url";
    var scheme = /^([a-z][a-z0-9+.-]*):/.exec(url);
    if (scheme && scheme[1] === "https" && allowedHost(url, hosts || [])) continue;
    if (/^[\\/][\\/]/.test(url) || scheme) verdict = "network";
  }
  return verdict;
}

// Whether an https: URL's host is one the tenant allowed (exact, or `*.example.com`).
function allowedHost(url, hosts) {
  var match = /^https:\/\/([^/?#:@]+)(:\d+)?([/?#]|$)/.exec(url);
  if (!match) return false;
  var host = match[1];
  for (var i = 0; i < hosts.length; i++) {
    var allowed = String(hosts[i]).toLowerCase();
    if (host === allowed) return true;
    if (allowed.slice(0, 2) === "*." && host.slice(-(allowed.length - 1)) === allowed.slice(1)) return true;
  }
  return false;
}

// Evaluated inside each story's context S: everything it defines is an S-realm function. The
// host's functions (record, resolve, load) stay in its closure, out of the sandbox's reach.
// It returns nothing: it defines a frozen, read-only `__cf` the host drives by small scripts,
// whose functions never throw and return only strings or numbers.
function prelude(w, host, config) {
  "use strict";
  var G = globalThis;
  var record = host.record;
  var resolve = host.resolve;
  var load = host.load;
  var O = Object;
  var defineProperty = O.defineProperty;
  var getDescriptor = O.getOwnPropertyDescriptor;
  var getPrototypeOf = O.getPrototypeOf;
  var apply = Reflect.apply;
  var SError = Error;
  var SString = String;
  var SMap = Map;
  var stringify = JSON.stringify;
  var isArray = Array.isArray;
  var doc = w.document;

  function text(value) {
    try {
      return typeof value === "string" ? value : SString(value);
    } catch (_) {
      return "?";
    }
  }
  // Armed only while sandboxed code runs: jsdom's close() and axe-core use the DOM freely.
  function trap(kind, detail) {
    var what = text(detail).slice(0, 200);
    if (!record(kind, what)) return;
    throw new SError("blocked by the render sandbox: " + kind + " (" + what + ")");
  }
  function trapFunction(kind, detail) {
    return function () {
      trap(kind, detail);
    };
  }
  function describe(error) {
    try {
      var message = error !== null && typeof error === "object" && "message" in error ? error.message : error;
      return text(message).slice(0, config.errorLimit) || "error";
    } catch (_) {
      return "unprintable error";
    }
  }
  function setValue(target, name, value) {
    try {
      defineProperty(target, name, { value: value, writable: true, configurable: true });
    } catch (_) {
      // not configurable on this object: the other layers still hold
    }
  }
  function setAccessor(target, name, get, set) {
    try {
      defineProperty(target, name, { get: get, set: set, configurable: true });
    } catch (_) {
      // not configurable on this object: the other layers still hold
    }
  }

  // --- eval and the Function constructors, in S and on the window (which holds the host's).
  var evalTrap = trapFunction("eval", "eval");
  var FunctionTrap = trapFunction("eval", "Function constructor");
  FunctionTrap.prototype = Function.prototype;
  var kinds = [
    [Function.prototype, FunctionTrap],
    [getPrototypeOf(async function () {}), trapFunction("eval", "AsyncFunction constructor")],
    [getPrototypeOf(function* () {}), trapFunction("eval", "GeneratorFunction constructor")],
    [getPrototypeOf(async function* () {}), trapFunction("eval", "AsyncGeneratorFunction constructor")],
  ];
  for (var k = 0; k < kinds.length; k++) setValue(kinds[k][0], "constructor", kinds[k][1]);

  // --- timers: a virtual clock the host advances after the render, within a small budget.
  var timers = new SMap();
  var clock = 0;
  var nextTimer = 0;
  var callbacks = 0;
  var firstError = null;
  function addTimer(kind, fn, ms, every, args) {
    if (typeof fn !== "function") trap("timer-string", kind + "(" + text(fn).slice(0, 80) + ")");
    var delay = Math.max(0, Number(ms) || 0);
    nextTimer += 1;
    timers.set(nextTimer, { id: nextTimer, fn: fn, at: clock + delay, every: every ? Math.max(1, delay) : 0, args: args });
    return nextTimer;
  }
  function clearTimer(id) {
    timers.delete(id);
  }
  var fakes = {
    setTimeout: function (fn, ms) { return addTimer("setTimeout", fn, ms, false, [].slice.call(arguments, 2)); },
    setInterval: function (fn, ms) { return addTimer("setInterval", fn, ms, true, [].slice.call(arguments, 2)); },
    setImmediate: function (fn) { return addTimer("setImmediate", fn, 0, false, [].slice.call(arguments, 1)); },
    requestAnimationFrame: function (fn) { return addTimer("requestAnimationFrame", fn, 16, false, [clock + 16]); },
    requestIdleCallback: function (fn) { return addTimer("requestIdleCallback", fn, 1, false, [{ didTimeout: false, timeRemaining: function () { return 0; } }]); },
    clearTimeout: clearTimer,
    clearInterval: clearTimer,
    clearImmediate: clearTimer,
    cancelAnimationFrame: clearTimer,
    cancelIdleCallback: clearTimer,
    queueMicrotask: function (fn) {
      if (typeof fn !== "function") trap("timer-string", "queueMicrotask");
      Promise.resolve().then(fn);
    },
  };

  // --- the location: ours, read-only; jsdom's (document.location) is caught by its console.
  var location = {};
  ["href", "origin", "protocol", "host", "hostname", "port", "pathname", "search", "hash"].forEach(function (name) {
    setAccessor(location, name, function () { return w.location[name]; }, function (v) {
      trap("navigation", "location." + name + " = " + text(v));
    });
  });
  location.assign = function (url) { trap("navigation", "location.assign(" + text(url) + ")"); };
  location.replace = function (url) { trap("navigation", "location.replace(" + text(url) + ")"); };
  location.reload = trapFunction("navigation", "location.reload()");
  location.toString = function () { return w.location.href; };

  // --- what the global (and the window, which sandboxed code may reach) offers instead.
  var overrides = {
    eval: evalTrap,
    Function: FunctionTrap,
    fetch: trapFunction("network", "fetch"),
    XMLHttpRequest: trapFunction("network", "XMLHttpRequest"),
    WebSocket: trapFunction("network", "WebSocket"),
    EventSource: trapFunction("network", "EventSource"),
    Worker: trapFunction("network", "Worker"),
    SharedWorker: trapFunction("network", "SharedWorker"),
    importScripts: trapFunction("network", "importScripts"),
    open: trapFunction("window-open", "window.open"),
    postMessage: trapFunction("post-message", "postMessage"),
    BroadcastChannel: trapFunction("post-message", "BroadcastChannel"),
    MessageChannel: trapFunction("post-message", "MessageChannel"),
    DOMParser: trapFunction("html-injection", "DOMParser"),
  };
  var storage = ["localStorage", "sessionStorage", "indexedDB", "caches", "cookieStore"];
  for (var name in fakes) overrides[name] = fakes[name];
  for (var name2 in overrides) setValue(w, name2, overrides[name2]);
  storage.forEach(function (name) {
    setAccessor(w, name, trapFunction("storage", name), undefined);
  });

  // Mirror the window onto the global, skipping what S has itself (its own builtins).
  var seen = {};
  for (var o = w; o !== null && getPrototypeOf(o) !== null; o = getPrototypeOf(o)) {
    O.getOwnPropertyNames(o).forEach(function (name) {
      if (seen[name] || name in G || name in overrides || storage.indexOf(name) >= 0) return;
      seen[name] = true;
      var bound = null;
      setAccessor(G, name, function () {
        var value = w[name];
        // Methods need the window as `this` (webidl checks it); classes and on* stay as they are.
        if (typeof value !== "function" || !/^[a-z]/.test(name) || /^on/.test(name)) return value;
        if (bound === null || bound.target !== value) {
          bound = { target: value, call: function () { return apply(value, w, arguments); } };
        }
        return bound.call;
      }, function (value) {
        w[name] = value;
      });
    });
  }
  for (var name3 in overrides) setValue(G, name3, overrides[name3]);
  ["window", "self", "top", "parent", "frames"].forEach(function (name) { setValue(G, name, G); });
  setAccessor(G, "location", function () { return location; }, function (v) {
    trap("navigation", "location = " + text(v));
  });
  storage.forEach(function (name) {
    setAccessor(G, name, trapFunction("storage", name), undefined);
  });

  // --- the DOM's prototypes (this window's own, jsdom makes them per window).
  function patchMethod(proto, name, make) {
    var original = proto && getDescriptor(proto, name);
    if (proto) setValue(proto, name, make(original && original.value));
  }
  function patchSetter(proto, name, check) {
    var original = proto && getDescriptor(proto, name);
    if (!original || !original.set) return;
    setAccessor(proto, name, original.get, function (value) {
      check(this, value);
      return apply(original.set, this, [value]);
    });
  }
  function checkUrl(element, name, value) {
    var tag = element && typeof element.localName === "string" ? element.localName : "";
    var attr = text(name).toLowerCase();
    if (attr === "srcdoc") trap("html-injection", "<" + tag + " srcdoc>");
    var verdict = urlVerdict(tag, attr, value, config.hosts);
    if (verdict !== null) trap(verdict, "<" + tag + " " + attr + "=" + text(value).slice(0, 120) + ">");
  }
  var urlProperties = {
    HTMLImageElement: ["src", "srcset"], HTMLScriptElement: ["src"], HTMLLinkElement: ["href"],
    HTMLIFrameElement: ["src", "srcdoc"], HTMLMediaElement: ["src"], HTMLVideoElement: ["poster"],
    HTMLSourceElement: ["src", "srcset"], HTMLTrackElement: ["src"], HTMLObjectElement: ["data"],
    HTMLEmbedElement: ["src"], HTMLInputElement: ["src"], HTMLAnchorElement: ["href", "ping"],
    HTMLAreaElement: ["href", "ping"], HTMLFormElement: ["action"], HTMLButtonElement: ["formAction"],
    HTMLBaseElement: ["href"],
  };
  O.keys(urlProperties).forEach(function (cls) {
    var proto = w[cls] && w[cls].prototype;
    urlProperties[cls].forEach(function (prop) {
      patchSetter(proto, prop, function (element, value) { checkUrl(element, prop, value); });
    });
  });
  var ElementProto = w.Element.prototype;
  patchMethod(ElementProto, "setAttribute", function (original) {
    return function (name, value) {
      checkUrl(this, name, value);
      return apply(original, this, arguments);
    };
  });
  patchMethod(ElementProto, "setAttributeNS", function (original) {
    return function (ns, name, value) {
      checkUrl(this, text(name).replace(/^.*:(?=href$)/, "xlink:"), value);
      return apply(original, this, arguments);
    };
  });
  [ElementProto, w.ShadowRoot.prototype].forEach(function (proto) {
    ["innerHTML", "outerHTML"].forEach(function (prop) {
      patchSetter(proto, prop, function () { trap("html-injection", prop); });
    });
    setValue(proto, "setHTMLUnsafe", trapFunction("html-injection", "setHTMLUnsafe"));
  });
  setValue(ElementProto, "insertAdjacentHTML", trapFunction("html-injection", "insertAdjacentHTML"));
  setValue(w.Document.prototype, "write", trapFunction("html-injection", "document.write"));
  setValue(w.Document.prototype, "writeln", trapFunction("html-injection", "document.writeln"));
  setValue(w.Document, "parseHTMLUnsafe", trapFunction("html-injection", "Document.parseHTMLUnsafe"));
  setValue(w.Range.prototype, "createContextualFragment", trapFunction("html-injection", "createContextualFragment"));
  var cookie = trapFunction("cookie", "document.cookie");
  setAccessor(w.Document.prototype, "cookie", cookie, cookie);
  setAccessor(doc, "cookie", cookie, cookie);
  setValue(w.History.prototype, "pushState", trapFunction("navigation", "history.pushState"));
  setValue(w.History.prototype, "replaceState", trapFunction("navigation", "history.replaceState"));
  setValue(w.HTMLFormElement.prototype, "submit", trapFunction("navigation", "form.submit()"));
  setValue(w.HTMLFormElement.prototype, "requestSubmit", trapFunction("navigation", "form.requestSubmit()"));
  setValue(w.navigator, "sendBeacon", trapFunction("network", "navigator.sendBeacon"));
  // A click on a link navigates from a jsdom timer, later: stop it where the click starts.
  function linkOf(node) {
    var link = node && typeof node.closest === "function" ? node.closest("a[href], area[href]") : null;
    var href = link ? text(link.getAttribute("href")) : "";
    return href && href[0] !== "#" ? href : "";
  }
  patchMethod(w.HTMLElement.prototype, "click", function (original) {
    return function () {
      var href = linkOf(this);
      if (href) trap("navigation", "click on a link to " + href);
      return apply(original, this, arguments);
    };
  });
  patchMethod(w.EventTarget.prototype, "dispatchEvent", function (original) {
    return function (event) {
      var href = event && event.type === "click" ? linkOf(this) : "";
      if (href) trap("navigation", "click event on a link to " + href);
      return apply(original, this, arguments);
    };
  });

  // --- modules: CommonJS, each evaluated in S, resolved by the host against the allow-list.
  var modules = new SMap();
  var processShim = O.freeze({ env: O.freeze({ NODE_ENV: "production" }) });
  // Stories may import @storybook/test (the policy allows it) for fn() in args; play
  // functions are not run, so its other helpers only need to exist.
  function storybookTest() {
    function fn(implementation) {
      var mock = function () {
        mock.mock.calls.push([].slice.call(arguments));
        return typeof implementation === "function" ? apply(implementation, this, arguments) : undefined;
      };
      mock.mock = { calls: [] };
      return mock;
    }
    var nothing = function () { return undefined; };
    return { fn: fn, expect: nothing, userEvent: {}, within: function () { return {}; }, waitFor: nothing };
  }
  function requireFrom(from) {
    return function require(request) {
      if (request === "@storybook/test" && (from === "stories" || from === "component")) {
        var shim = modules.get(request) || { exports: storybookTest() };
        modules.set(request, shim);
        return shim.exports;
      }
      var id = typeof request === "string" ? resolve(request, from) : "";
      if (!id) trap("module", "require(" + text(request) + ")");
      var cached = modules.get(id);
      if (cached) return cached.exports;
      var wrapper = load(id);
      var module = { exports: {} };
      modules.set(id, module);
      try {
        apply(wrapper, module.exports, [module.exports, requireFrom(id), module, id, "", processShim]);
      } catch (error) {
        modules.delete(id);
        throw error;
      }
      return module.exports;
    };
  }
  var requireRoot = requireFrom("");

  // --- the stories (CSF3: default export meta {component, args}; each named export a story).
  var meta = null;
  var entries = null;
  var component = null;
  function loadStories() {
    try {
      var list = [];
      if (config.stories) {
        var stories = requireRoot("stories");
        meta = stories.default;
        if (meta === null || typeof meta !== "object") {
          return stringify({ error: "the stories file has no default export (the meta)" });
        }
        var order = isArray(stories.__namedExportsOrder) ? stories.__namedExportsOrder : O.keys(stories);
        order.forEach(function (name) {
          var story = stories[name];
          if (name === "default" || name === "__esModule" || name === "__namedExportsOrder") return;
          if (story !== null && (typeof story === "object" || typeof story === "function")) list.push([text(name), story]);
        });
      }
      component = meta && meta.component;
      if (!component) {
        var exported = requireRoot("component");
        component = exported.default || O.keys(exported).map(function (n) { return exported[n]; })
          .filter(function (v) { return typeof v === "function"; })[0];
      }
      if (list.length === 0) list.push(["Default", {}]);
      entries = list;
      return stringify({ stories: list.map(function (entry) {
        return { name: entry[0], args: safeArgs(argsOf(entry[1])) };
      }) });
    } catch (error) {
      return stringify({ error: describe(error) });
    }
  }
  function argsOf(story) {
    return O.assign({}, meta && meta.args, story && story.args);
  }
  function safeArgs(args) {
    try {
      return JSON.parse(stringify(args, function (key, value) {
        if (typeof value === "function") return "[function]";
        if (typeof value === "symbol" || typeof value === "bigint") return text(value);
        if (value !== null && typeof value === "object" && value.$$typeof) return "[element]";
        return value;
      }) || "{}");
    } catch (_) {
      return { unserializable: true };
    }
  }
  function renderStory(index) {
    try {
      var React = requireRoot("react");
      var ReactDOM = requireRoot("react-dom");
      var client = requireRoot("react-dom/client");
      var story = entries[index][1];
      var args = argsOf(story);
      var draw = typeof story === "function" ? story : (story && story.render) || (meta && meta.render);
      var Component = (story && story.component) || component;
      if (!draw && typeof Component !== "function" && (Component === null || typeof Component !== "object")) {
        return stringify({ error: "no component to render (meta.component is missing)" });
      }
      // A story's render function may use hooks: it runs as a component of its own.
      var element = draw
        ? React.createElement(function Story() { return draw(args, { args: args }); })
        : React.createElement(Component, args);
      var root = client.createRoot(doc.getElementById("root"));
      ReactDOM.flushSync(function () { root.render(element); }); // commits and runs its effects
      return stringify({ error: null });
    } catch (error) {
      return stringify({ error: describe(error) });
    }
  }
  // One due timer; 1 while more may run within the budget, else 0.
  function tick() {
    try {
      if (callbacks >= config.timerCallbacks) return 0;
      var due = null;
      timers.forEach(function (timer) {
        if (due === null || timer.at < due.at || (timer.at === due.at && timer.id < due.id)) due = timer;
      });
      if (due === null || due.at > config.timerBudgetMs) return 0;
      if (due.every) due.at += due.every;
      else timers.delete(due.id);
      clock = Math.max(clock, due.at);
      callbacks += 1;
      apply(due.fn, G, due.args);
    } catch (error) {
      if (firstError === null) firstError = describe(error);
    }
    return 1;
  }
  function finish() {
    timers.clear();
    return stringify({ error: firstError });
  }
  defineProperty(G, "__cf", {
    value: O.freeze({ load: loadStories, render: renderStory, tick: tick, finish: finish }),
    writable: false,
    configurable: false,
  });
}

const PRELUDE = new vm.Script(`(function () {\n${allowedHost}\n${urlVerdict}\nreturn ${prelude};\n})()`, {
  filename: "render-prelude.js",
});

// One axe run on __root; __result holds its violations as JSON once the microtasks settle
// (after the evaluation: read it with a second one).
const axeRun = new vm.Script(`(function () {
  var options = JSON.parse(__options);
  var off = {};
  axe.getRules().forEach(function (r) {
    if (/^landmark-/.test(r.ruleId) || options.pageRules.indexOf(r.ruleId) >= 0) off[r.ruleId] = { enabled: false };
  });
  __result = null;
  axe.run(__root, { iframes: false, resultTypes: ["violations"], runOnly: { type: "tag", values: options.tags }, rules: off })
    .then(function (results) {
      __result = JSON.stringify(results.violations.map(function (v) {
        return { rule: v.id, impact: v.impact || null, help: v.help, nodes: v.nodes.slice(0, 5).map(function (n) {
          var first = n.target[0];
          return String(Array.isArray(first) ? first.join(" ") : first);
        }) };
      }));
    }, function (e) { __result = JSON.stringify({ error: String(e && e.message || e) }); });
})();`);
const axeResult = new vm.Script("__result");

function truncate(value, limit) {
  const s = String(value);
  return s.length > limit ? s.slice(0, limit) : s;
}

// Runs a host function under a vm timeout: a termination stops it even in the sandboxed
// code it calls (a getter a component planted on an element, say).
const guardContext = vm.createContext({});
const guardScript = new vm.Script("__guarded()");
function guarded(fn, ms) {
  guardContext.__guarded = fn;
  try {
    return guardScript.runInContext(guardContext, { timeout: Math.max(1, Math.ceil(ms)) });
  } finally {
    guardContext.__guarded = undefined;
  }
}

function isTimeout(error) {
  try {
    return guarded(() => error instanceof Error && error.code === "ERR_SCRIPT_EXECUTION_TIMEOUT", 50) === true;
  } catch (_) {
    return false;
  }
}

// The host realm's function constructors are traps while sandboxed code runs (see the top).
const HOST_FUNCTION_PROTOTYPES = [
  Function.prototype,
  Object.getPrototypeOf(async function () {}),
  Object.getPrototypeOf(function* () {}),
  Object.getPrototypeOf(async function* () {}),
];
const HOST_CONSTRUCTORS = HOST_FUNCTION_PROTOTYPES.map((p) => Object.getOwnPropertyDescriptor(p, "constructor"));
let onHostConstructor = null;
function hostConstructorTrap() {
  if (onHostConstructor) onHostConstructor();
  throw new Error("blocked by the render sandbox: eval (host Function constructor)");
}
function sealed(fn) {
  for (const proto of HOST_FUNCTION_PROTOTYPES) {
    Object.defineProperty(proto, "constructor", { value: hostConstructorTrap, writable: true, configurable: true });
  }
  try {
    return fn();
  } finally {
    HOST_FUNCTION_PROTOTYPES.forEach((proto, i) => Object.defineProperty(proto, "constructor", HOST_CONSTRUCTORS[i]));
  }
}

function createRenderer(depsDir, ts) {
  const nodeModules = path.join(depsDir, "node_modules");
  const { JSDOM, VirtualConsole } = require(path.join(nodeModules, "jsdom"));
  const axeSource = fs.readFileSync(path.join(nodeModules, "axe-core", "axe.js"), "utf8");
  const axePreamble = "var document = window.document;";
  if (!axeSource.includes(axePreamble)) throw new Error("unexpected axe-core source (its preamble changed)");
  const axeScript = new vm.Script(axeSource.replace(axePreamble, ""), { filename: "axe.js" });
  const packageScripts = new Map(); // file -> Script, compiled once, run in each story's context
  let windowNames = null; // a jsdom window's own properties, for axe's context
  const stepScripts = new Map();

  function packageScript(file) {
    let script = packageScripts.get(file);
    if (!script) {
      const source = fs.readFileSync(file, "utf8");
      script = new vm.Script(
        `(function (exports, require, module, __filename, __dirname, process) {${source}\n})`,
        { filename: file },
      );
      packageScripts.set(file, script);
    }
    return script;
  }

  function generatedScript(name, source, job) {
    const output = ts.transpileModule(source, {
      fileName: name,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        jsx: ts.JsxEmit.ReactJSX,
        target: ts.ScriptTarget.ES2020,
        esModuleInterop: true,
      },
    }).outputText;
    return new vm.Script(
      `(function (exports, require, module, __filename, __dirname, process) {${output}\n})`,
      {
        filename: name,
        // TypeScript turns import() into require(); any left over is a trap as well.
        importModuleDynamically: (specifier) => {
          job.record("module", `import(${truncate(specifier, 120)})`);
          throw new Error("blocked by the render sandbox: module (dynamic import)");
        },
      },
    );
  }

  // An allowed package, one of its subpaths (lucide-react/icons), or one of a scope's
  // packages (@radix-ui/*): as the Python policy reads its allow-list.
  function allowedPackage(name, allowed) {
    return allowed.some((a) =>
      a.endsWith("/*") ? a.length > 2 && name.startsWith(a.slice(0, -1)) : name === a || name.startsWith(`${a}/`),
    );
  }

  function resolver(job) {
    return (request, from) => {
      if (typeof request !== "string" || typeof from !== "string" || isBuiltin(request)) return "";
      if (from === "" && (request === "stories" || request === "component")) return request;
      let base;
      if (from === "stories" || from === "component") {
        if (request === "./component" || request === "./component.tsx") return "component";
        if (!REACT_MODULES.has(request) && !(request[0] !== "." && allowedPackage(request, job.allowed))) return "";
        base = depsDir;
      } else if (from === "") {
        if (!REACT_MODULES.has(request)) return "";
        base = depsDir;
      } else {
        base = path.dirname(from); // a package's own require: its files and its dependencies
      }
      try {
        const file = require.resolve(request, { paths: [base] });
        return file.startsWith(nodeModules + path.sep) && /\.c?js$/.test(file) ? file : "";
      } catch (_) {
        return "";
      }
    };
  }

  // A fresh window and context for one story; `config` for the prelude.
  function storyEnvironment(job) {
    const console = new VirtualConsole();
    // jsdom's own notices of what it does not do: navigation, window.open, form submission.
    // Recorded and thrown only while sandboxed code runs (a link click navigates from a
    // timer, later on, when nothing is armed).
    console.on("jsdomError", (error) => {
      const message = String(error && error.message);
      const kind = /navigation|HTMLFormElement.prototype.(requestSubmit|submit)/.test(message)
        ? "navigation"
        : /window\.open/.test(message) ? "window-open" : null;
      if (kind !== null && job.record(kind, message)) throw new Error(`blocked by the render sandbox: ${kind} (${message})`);
    });
    const dom = new JSDOM(PAGE, { url: ORIGIN, virtualConsole: console });
    const context = vm.createContext({}, {
      name: "story",
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: "afterEvaluate",
    });
    const host = {
      record: (kind, detail) => job.record(kind, detail),
      resolve: resolver(job),
      load: (id) => (job.scripts[id] || packageScript(id)).runInContext(context),
    };
    PRELUDE.runInContext(context)(dom.window, host, {
      stories: Boolean(job.scripts.stories),
      errorLimit: ERROR_LIMIT,
      timerBudgetMs: TIMER_BUDGET_MS,
      timerCallbacks: TIMER_CALLBACKS,
      hosts: job.hosts.slice(),
    });
    return { dom, context };
  }

  // One call into the sandbox under what is left of the deadline: {value} or {timedOut}.
  function step(job, env, code, deadline) {
    const ms = Math.floor(deadline - Date.now());
    if (ms <= 0) return { timedOut: true };
    let script = stepScripts.get(code);
    if (!script) stepScripts.set(code, (script = new vm.Script(code)));
    job.armed = true;
    try {
      const value = sealed(() => script.runInContext(env.context, { timeout: ms }));
      return { value: typeof value === "string" || typeof value === "number" ? value : null };
    } catch (error) {
      return isTimeout(error) ? { timedOut: true } : { value: null };
    } finally {
      job.armed = false;
    }
  }

  function parsed(result) {
    try {
      return typeof result.value === "string" ? JSON.parse(result.value) : { error: "the sandbox gave no answer" };
    } catch (_) {
      return { error: "the sandbox gave no answer" };
    }
  }

  // What a user sees: tags, visible text, computed visual styles, inline styles; not ids,
  // classes, data-* or aria-*. Plus the visible text and the markup.
  function inspect(job, env) {
    const win = env.dom.window;
    const doc = win.document;
    for (const element of doc.querySelectorAll("*")) {
      const tag = element.localName;
      for (const attr of Array.from(element.attributes)) {
        const name = attr.name.toLowerCase();
        const verdict = name === "srcdoc" ? "html-injection" : urlVerdict(tag, name, attr.value, job.hosts);
        if (verdict) job.record(verdict, `<${tag} ${name}=${truncate(attr.value, 120)}> in the rendered DOM`);
        if (name === "style" && /url\(|image-set\(|@import/i.test(attr.value)) {
          const remote = /(url\(|image-set\()\s*["']?\s*([a-z][a-z0-9+.-]*:|\/\/)/i.exec(attr.value);
          if (remote) {
            const kind = /^(javascript|vbscript|data):/i.test(remote[2]) ? "script-url" : "network";
            job.record(kind, `<${tag} style=${truncate(attr.value, 120)}> in the rendered DOM`);
          }
        }
      }
    }
    const root = doc.getElementById("root");
    const parts = [];
    const words = [];
    const walk = (node) => {
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) {
          const t = child.data.replace(/\s+/g, " ");
          if (t.trim()) parts.push(JSON.stringify(t.trim()));
          words.push(t);
          continue;
        }
        if (child.nodeType !== 1 || NOT_ON_SCREEN.has(child.localName)) continue;
        const style = win.getComputedStyle(child);
        const properties = new Set(VISUAL);
        for (let i = 0; i < style.length; i++) if (VISUAL_LONGHAND.test(style.item(i))) properties.add(style.item(i));
        const values = [...properties].sort().map((p) => [p, style.getPropertyValue(p)]).filter(([, v]) => v);
        // An SVG's shape is in its attributes (d, points, viewBox...): all of them count.
        const names = child.namespaceURI === SVG
          ? child.getAttributeNames().filter((a) => !/^(id|class|style|data-.*|aria-.*)$/i.test(a)).sort()
          : SHOWN_ATTRIBUTES.filter((a) => child.hasAttribute(a));
        const shown = names.map((a) => ` ${a}=${JSON.stringify(child.getAttribute(a))}`);
        const inline = child.style.cssText;
        parts.push(`<${child.localName}${shown.join("")}${inline ? ` style=${JSON.stringify(inline)}` : ""}`
          + ` {${values.map(([p, v]) => `${p}:${v}`).join(";")}}>`);
        const block = !/^(inline|contents|)$/.test(style.display);
        if (block) words.push(" ");
        if (style.display !== "none" && style.visibility !== "hidden") walk(child);
        if (block) words.push(" ");
        parts.push(`</${child.localName}>`);
      }
    };
    walk(root);
    return {
      screen: truncate(parts.join(""), HTML_LIMIT),
      text: words.join("").replace(/\s+/g, " ").trim(),
      html: truncate(root.innerHTML, HTML_LIMIT),
    };
  }

  // axe-core in a context of its own, one per request, run on each story's window once the
  // component's code is done. Its preamble's `var document = window.document` is dropped so
  // that `document` (like everything of `window`) is looked up on the current story's window.
  // Its setTimeout defers to a promise, so a whole run settles inside one evaluation, under
  // the vm timeout (microtaskMode afterEvaluate).
  function axeRunner() {
    const context = vm.createContext({}, { name: "axe", microtaskMode: "afterEvaluate" });
    const global = vm.runInContext("this", context);
    vm.runInContext(
      `var __result = null;
       var setTimeout = function (fn) { Promise.resolve().then(function () { fn(); }); return 0; };
       var clearTimeout = function () {};
       var window = this;`,
      context,
    );
    const runner = { window: null, loaded: false };
    windowNames = windowNames || Object.getOwnPropertyNames(new JSDOM("").window);
    for (const name of windowNames) {
      if (name in global) continue;
      Object.defineProperty(global, name, {
        get: () => {
          const value = runner.window[name];
          return typeof value === "function" && /^[a-z]/.test(name) ? value.bind(runner.window) : value;
        },
      });
    }
    global.__options = JSON.stringify({ tags: AXE_TAGS, pageRules: AXE_PAGE_RULES });
    runner.run = (win, deadline) => {
      const timeout = () => Math.max(1, Math.floor(deadline - Date.now()));
      runner.window = win;
      try {
        if (!runner.loaded) {
          sealed(() => axeScript.runInContext(context, { timeout: timeout() }));
          runner.loaded = true;
        }
        global.__root = win.document.getElementById("root");
        sealed(() => axeRun.runInContext(context, { timeout: timeout() }));
        const answer = sealed(() => axeResult.runInContext(context, { timeout: timeout() }));
        const result = JSON.parse(typeof answer === "string" ? answer : '{"error": "axe did not finish"}');
        if (!Array.isArray(result)) throw new Error(String(result.error));
        return { axe: result, axe_error: null };
      } catch (error) {
        const message = isTimeout(error) ? "axe timed out" : truncate(String(error && error.message), ERROR_LIMIT);
        return { axe: null, axe_error: message };
      } finally {
        global.__root = null;
      }
    };
    return runner;
  }

  function renderStory(job, env, index, list, request) {
    const timeoutMs = request.timeoutMs;
    const entry = list[index];
    const out = {
      name: entry.name, args: entry.args, html: "", text: "", screen: "", error: null, timed_out: false,
      axe: null, axe_error: null,
    };
    job.story = entry.name;
    const deadline = env.deadline;
    const rendered = step(job, env, `__cf.render(${index})`, deadline);
    let finished = rendered.timedOut ? rendered : null;
    if (!finished) {
      out.error = parsed(rendered).error || null;
      let more = { value: 1 };
      while (more.value === 1) more = step(job, env, "__cf.tick()", deadline);
      finished = more.timedOut ? more : step(job, env, "__cf.finish()", deadline);
    }
    if (finished.timedOut) {
      out.timed_out = true;
      out.error = `timed out after ${timeoutMs} ms`;
    } else if (!out.error) {
      out.error = parsed(finished).error || null;
    }
    try {
      job.armed = true; // the DOM may hold functions the component planted
      Object.assign(out, sealed(() => guarded(() => inspect(job, env), Math.max(1, deadline - Date.now()))));
    } catch (error) {
      out.error = out.error || (isTimeout(error) ? "inspecting the DOM timed out" : "inspecting the DOM failed");
    } finally {
      job.armed = false;
    }
    if (request.axe && !out.timed_out) {
      job.axe = job.axe || axeRunner();
      Object.assign(out, job.axe.run(env.dom.window, Math.min(Date.now() + timeoutMs, request.until)));
    }
    // A trap fails its story even when the component caught what it threw (or the throw
    // went to a promise nobody awaits).
    const trapped = job.traps.find((t) => t.story === entry.name);
    if (!out.error && trapped) out.error = `blocked by the render sandbox: ${trapped.kind} (${trapped.detail})`;
    if (out.error) out.error = truncate(out.error, ERROR_LIMIT);
    return out;
  }

  function close(env) {
    try {
      sealed(() => guarded(() => env.dom.window.close(), 1000));
    } catch (_) {
      // a window that will not close is left to the garbage collector
    }
  }

  // request: {component, stories, timeout_ms, allowed_packages, url_hosts, axe} (the
  // protocol's "render").
  function render(files, options) {
    const request = {
      component: typeof options.component === "string" ? options.component : "component.tsx",
      stories: typeof options.stories === "string" ? options.stories : "stories.tsx",
      timeoutMs: Math.min(60000, Math.max(50, Number(options.timeout_ms) || 2000)),
      axe: options.axe !== false,
    };
    const allowed = Array.isArray(options.allowed_packages)
      ? options.allowed_packages.filter((p) => typeof p === "string")
      : [];
    const hosts = Array.isArray(options.url_hosts)
      ? options.url_hosts.filter((h) => typeof h === "string")
      : [];
    const seen = new Set();
    const traps = [];
    const job = {
      allowed, hosts, story: null, armed: false, scripts: {}, axe: null, traps,
      // Records a trap; false when nothing is armed (then the trap lets the call through).
      record(kind, detail) {
        if (!this.armed) return false;
        const story = this.story;
        const entry = { kind: String(kind), detail: truncate(detail, 200), story };
        const key = JSON.stringify(entry);
        if (!seen.has(key)) {
          seen.add(key);
          traps.push(entry);
        }
        return true;
      },
    };
    onHostConstructor = () => job.record("eval", "host Function constructor");
    const answer = (stories, error) => {
      job.armed = false;
      onHostConstructor = null;
      const trapped = traps.find((t) => t.story === null); // while loading, caught or not
      const failed = error || (trapped ? `blocked by the render sandbox: ${trapped.kind} (${trapped.detail})` : null);
      return { stories, traps, error: failed ? truncate(failed, ERROR_LIMIT) : null };
    };
    for (const [key, name] of [["component", request.component], ["stories", request.stories]]) {
      if (typeof files[name] !== "string") {
        if (key === "component") return answer([], `${name} is missing`);
        continue;
      }
      try {
        job.scripts[key] = generatedScript(name, files[name], job);
      } catch (error) {
        return answer([], `${name}: ${String(error && error.message)}`);
      }
    }
    const stories = [];
    let list = null;
    request.until = Date.now() + REQUEST_TIMEOUTS * request.timeoutMs;
    for (let index = 0; list === null || index < list.length; index++) {
      if (list !== null && (Date.now() >= request.until || stories.some((story) => story.timed_out))) {
        // Out of time, or a story already timed out (the code is refused for it): the
        // rest are not rendered, and say so.
        for (; index < list.length; index++) {
          stories.push({ ...list[index], html: "", text: "", screen: "", error: "not rendered: the render ran out of time",
            timed_out: true, axe: null, axe_error: null });
        }
        break;
      }
      const env = storyEnvironment(job);
      env.deadline = Math.min(Date.now() + request.timeoutMs, request.until);
      try {
        job.story = null; // traps while loading the modules belong to no one story
        const loaded = step(job, env, "__cf.load()", env.deadline);
        const info = loaded.timedOut ? { error: `loading the modules timed out after ${request.timeoutMs} ms` } : parsed(loaded);
        if (list === null) {
          if (info.error || !Array.isArray(info.stories)) return answer([], info.error || "no stories");
          list = info.stories.slice(0, MAX_STORIES);
        }
        if (info.error) {
          stories.push({ ...list[index], html: "", text: "", screen: "", error: truncate(info.error, ERROR_LIMIT),
            timed_out: Boolean(loaded.timedOut), axe: null, axe_error: null });
          continue;
        }
        stories.push(renderStory(job, env, index, list, request));
      } finally {
        close(env);
      }
    }
    return answer(stories, null);
  }

  return { render };
}

module.exports = { createRenderer, urlVerdict };
