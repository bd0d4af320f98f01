/**
 * Loading the Pulumi SDK in `check`'s worker processes (synthesis, pack host) without the parts
 * they never call.
 *
 * `require("@pulumi/pulumi")` loads the function-serialization code of `pulumi.runtime` at once,
 * and with it `@npmcli/arborist` (to compute the packages a serialized function needs: pacote,
 * sigstore, cacache and the rest of npm's install machinery) and TypeScript (to parse a function's
 * text). Neither runs unless a program serializes a function (a dynamic provider, a Lambda
 * callback); the program and the packs do neither. Loading them is a third of what importing the
 * SDK costs (measured with `node --cpu-prof`: about 0.5 s of 1.5 s of CPU).
 *
 * `deferSdkClosureModules()` makes those two requires, made by files of `@pulumi/pulumi`, return a
 * stand-in that loads the real module the first time anything reads from it, so a program that
 * does serialize a function gets the real module, only later. The stand-in reports `__esModule`
 * so that TypeScript's `__importStar` helper passes it through instead of copying every export
 * (which would load the module at once). Everything else loads as usual.
 */
import Module from "node:module";
import { sep } from "node:path";

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;
type Resolve = (request: string, parent: unknown, isMain: boolean) => string;

const SDK_DIR = `${sep}node_modules${sep}@pulumi${sep}pulumi${sep}`;
/** Requests deferred when an SDK file makes them, and how they look before resolution. */
const DEFERRED: { request: (r: string) => boolean; resolved: (f: string) => boolean }[] = [
  { request: (r) => r === "@npmcli/arborist", resolved: () => true },
  // Deferred by path, so the shim's own fallback (a vendored TypeScript) still applies when it loads.
  { request: (r) => r.endsWith("typescript-shim"), resolved: (f) => f.includes(SDK_DIR) },
];

/** Module names deferred so far, and whether each has been loaded since (for tests). */
export const deferred = new Map<string, boolean>();

let installed = false;

/** Installs the deferral; call before `@pulumi/pulumi` is first required. Idempotent. */
export function deferSdkClosureModules(): void {
  if (installed) return;
  installed = true;
  const mod = Module as unknown as { _load: Load; _resolveFilename: Resolve };
  const load = mod._load;
  mod._load = function (this: unknown, request, parent, isMain) {
    const rule = parent?.filename?.includes(SDK_DIR) ? DEFERRED.find((d) => d.request(request)) : undefined;
    if (!rule) return load.call(this, request, parent, isMain);
    const filename = mod._resolveFilename(request, parent, isMain);
    if (!rule.resolved(filename)) return load.call(this, request, parent, isMain);
    const already = require.cache[filename];
    if (already?.loaded) return already.exports;
    let real: Record<PropertyKey, unknown> | undefined;
    const target = (): Record<PropertyKey, unknown> => {
      if (real === undefined) {
        real = load.call(this, request, parent, isMain) as Record<PropertyKey, unknown>;
        deferred.set(request, true);
      }
      return real;
    };
    deferred.set(request, false);
    return new Proxy({} as Record<PropertyKey, unknown>, {
      get: (_t, key) => (key === "__esModule" ? true : target()[key]),
      has: (_t, key) => key in target(),
      ownKeys: () => Reflect.ownKeys(target()),
      getOwnPropertyDescriptor: (_t, key) => {
        const d = Reflect.getOwnPropertyDescriptor(target(), key);
        // A proxy may not report a property as non-configurable that its own target lacks.
        return d && { ...d, configurable: true };
      },
    });
  };
}
