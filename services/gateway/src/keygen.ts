// Creates a workload API key: prints the key once (hand it to the workload) and the entry to add
// to the API key Secret (only the hash is stored).   node dist/keygen.js <name>
import { randomBytes } from "node:crypto";
import { hashApiKey } from "./auth.js";

const name = process.argv[2];
if (name === undefined || !/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
  process.stderr.write("usage: keygen <name>   (letters, digits, '.', '_' or '-')\n");
  process.exit(2);
}
// 32 random bytes, base64url: no dots, so it can never be mistaken for a JWT.
const key = `sk-${randomBytes(32).toString("base64url")}`;
process.stdout.write(`key (give to the workload, not stored anywhere): ${key}\n`);
process.stdout.write(`secret entry:\n- name: ${name}\n  sha256: ${hashApiKey(key)}\n`);
