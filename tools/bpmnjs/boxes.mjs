// Draws BPMN files with bpmn-js's viewer in headless Chromium and prints, per file, every shape's box and every
// label line's centre and baseline as bpmn-js lays them out:
//   node boxes.mjs --font=REGULAR.ttf --bold-font=BOLD.ttf OUT.json A.bpmn [B.bpmn ...]
// bpmn-js measures and draws its text in the two given font files (an @font-face family no installed font can
// answer to), not in its default "Arial, sans-serif", which fontconfig resolves to whatever the machine has
// (DejaVu Sans on a bare Debian, Liberation Sans once fonts-liberation is installed); it stops with an error
// when Chromium cannot load them.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const viewer = join(here, "node_modules", "bpmn-js", "dist", "bpmn-viewer.production.min.js");
const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith("--")).map((a) => [a.slice(2, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]));
const [out, ...files] = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const chromium = process.env.CHROMIUM || "chromium";
const fonts = { normal: options["font"], bold: options["bold-font"] };
for (const [weight, file] of Object.entries(fonts)) {
  if (!file || !existsSync(file)) throw new Error(`the ${weight} font file is missing: ${file ?? "give --font and --bold-font"}`);
}
const FAMILY = "sop-pinned-metrics-font";
const fontFaces = Object.entries(fonts).map(([weight, file]) =>
  `@font-face{font-family:"${FAMILY}";font-style:normal;font-weight:${weight};src:url("${pathToFileURL(resolve(file))}")}`).join("");

const probe = `
const xmls = JSON.parse(document.getElementById("xmls").textContent);
const result = { files: {}, fontError: null };
(async () => {
  for (const weight of ["normal", "bold"]) {
    const loaded = await document.fonts.load(weight + ' 12px "${FAMILY}"').catch((e) => String(e));
    if (!Array.isArray(loaded) || !loaded.length || loaded.some((face) => face.status !== "loaded")) {
      result.fontError = "Chromium did not load the " + weight + " font file: " + JSON.stringify(loaded);
    }
  }
  for (const [name, xml] of result.fontError ? [] : Object.entries(xmls)) {
    const host = document.createElement("div");
    host.style.width = "4000px"; host.style.height = "3000px";
    document.body.appendChild(host);
    const viewer = new BpmnJS({ container: host, textRenderer: { defaultStyle: { fontFamily: '"${FAMILY}"' } } });
    const found = { shapes: {}, labels: {}, error: null };
    try {
      await viewer.importXML(xml);
      const registry = viewer.get("elementRegistry");
      for (const el of registry.getAll()) {
        if (el.waypoints || !el.businessObject || el.type === "bpmn:Process" || el.type === "bpmn:Collaboration") continue;
        const gfx = registry.getGraphics(el);
        const lines = [...gfx.querySelectorAll("text tspan")].map((t) => ({
          text: t.textContent,
          cx: el.x + Number(t.getAttribute("x")) + t.getComputedTextLength() / 2,
          y: el.y + Number(t.getAttribute("y")),
        }));
        if (el.type === "label") {
          found.labels[el.labelTarget.id] = lines;
        } else {
          found.shapes[el.id] = [el.x, el.y, el.width, el.height];
          if (lines.length && !el.type.endsWith("Participant") && !el.type.endsWith("Lane")) found.labels[el.id] = lines;
        }
      }
    } catch (e) { found.error = String(e); }
    result.files[name] = found;
    viewer.destroy();
    host.remove();
  }
  const pre = document.createElement("pre");
  pre.id = "out";
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
})();
`;

const work = mkdtempSync(join(tmpdir(), "bpmnjs-"));
try {
  const xmls = Object.fromEntries(files.map((f) => [f, readFileSync(f, "utf8")]));
  const page = join(work, "page.html");
  const data = JSON.stringify(xmls).replace(/</g, "\\u003c");
  writeFileSync(page, `<!doctype html><html><head><meta charset="utf-8"><script src="file://${viewer}"></script>` +
    `<style>${fontFaces}</style></head><body><script type="application/json" id="xmls">${data}</script><script>${probe}</script></body></html>`);
  const dom = execFileSync(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
    "--virtual-time-budget=20000", `--user-data-dir=${join(work, "profile")}`, "--dump-dom", `file://${page}`],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
  const match = dom.match(/<pre id="out">([\s\S]*?)<\/pre>/);
  if (!match) throw new Error("bpmn-js wrote no result: " + dom.slice(0, 300));
  const text = match[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  const result = JSON.parse(text);
  if (result.fontError) throw new Error(result.fontError);
  writeFileSync(out, JSON.stringify(result.files));
} finally {
  rmSync(work, { recursive: true, force: true });
}
