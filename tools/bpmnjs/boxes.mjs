// Draws BPMN files with bpmn-js's viewer in headless Chromium and prints, per file, every shape's box and every
// label line's centre and baseline as bpmn-js lays them out: node boxes.mjs OUT.json A.bpmn [B.bpmn ...]
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const viewer = join(here, "node_modules", "bpmn-js", "dist", "bpmn-viewer.production.min.js");
const [out, ...files] = process.argv.slice(2);
const chromium = process.env.CHROMIUM || "chromium";

const probe = `
const xmls = JSON.parse(document.getElementById("xmls").textContent);
const result = {};
(async () => {
  for (const [name, xml] of Object.entries(xmls)) {
    const host = document.createElement("div");
    host.style.width = "4000px"; host.style.height = "3000px";
    document.body.appendChild(host);
    const viewer = new BpmnJS({ container: host });
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
    result[name] = found;
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
    `</head><body><script type="application/json" id="xmls">${data}</script><script>${probe}</script></body></html>`);
  const dom = execFileSync(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files",
    "--virtual-time-budget=20000", `--user-data-dir=${join(work, "profile")}`, "--dump-dom", `file://${page}`],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, stdio: ["ignore", "pipe", "ignore"] });
  const match = dom.match(/<pre id="out">([\s\S]*?)<\/pre>/);
  if (!match) throw new Error("bpmn-js wrote no result: " + dom.slice(0, 300));
  const text = match[1].replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&amp;/g, "&");
  writeFileSync(out, text);
} finally {
  rmSync(work, { recursive: true, force: true });
}
