// Builds the analysts' BPMN modeler (bpmn-js, its properties panel and our "Xử lý" group) into
// admin/static/build/: modeler.js, modeler.css and the BPMN icon font. Run by `npm ci`
// (package.json's postinstall); the output is not committed.
import { rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as esbuild from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, "..", "..", "static", "build");

await rm(outdir, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { modeler: join(here, "main.js"), "modeler-styles": join(here, "styles.css") },
  outdir,
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  legalComments: "eof", // keep the libraries' licence notices
  loader: { ".eot": "file", ".svg": "file", ".ttf": "file", ".woff": "file", ".woff2": "file" },
  assetNames: "fonts/[name]-[hash]",
  metafile: true,
  logLevel: "warning",
});
const outputs = Object.entries(result.metafile.outputs).map(
  ([file, { bytes }]) => `${file.replace(/^.*admin\/static\//, "admin/static/")} ${bytes} B`,
);
console.log("modeler built:\n  " + outputs.join("\n  "));
