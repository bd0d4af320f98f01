// A node:test reporter that prints, after the run, every skipped test with its reason, so a
// skip is never mistaken for a pass. A suite skipped as a whole (`describe(..., { skip })`)
// registers none of its tests, so the runner's count would miss them: such suites are listed
// separately, and test files should skip each test instead.
export default async function* skippedReporter(source) {
  const tests = [];
  const suites = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") continue;
    const { name, skip, details, file } = event.data;
    if (skip === undefined || skip === false) continue;
    const entry = `${name}${typeof skip === "string" ? `: ${skip}` : ""}${file ? ` (${file.replace(process.cwd() + "/", "")})` : ""}`;
    (details?.type === "suite" ? suites : tests).push(entry);
  }
  if (tests.length > 0) yield `\nskipped ${tests.length} test(s):\n${tests.map((t) => `  - ${t}`).join("\n")}\n`;
  if (suites.length > 0) yield `\nskipped ${suites.length} whole suite(s), whose tests are not counted above (skip each test instead):\n${suites.map((t) => `  - ${t}`).join("\n")}\n`;
}
