import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CONTENT_LOGGING_FLAGS,
  KNOWN_VLLM_FLAGS,
  VLLM_COMMAND,
  VLLM_FLAGS_VERSION,
  renderVllmArgs,
  unknownFlags,
  vllmEnv,
  type VllmArgsInput,
} from "../../../components/serving/vllm-args.js";

const base: VllmArgsInput = {
  modelDir: "/models/llama",
  servedModelName: "llama",
  tensorParallelSize: 2,
  gpuMemoryUtilization: 0.9,
  maxModelLen: 8192,
  prefixCaching: true,
  port: 8443,
  tls: { certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", caFile: "/tls/ca.crt" },
  shutdownTimeoutSeconds: 600,
};

function valueOf(args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

test("flag list belongs to the pinned release and has --no- variants", () => {
  assert.equal(VLLM_FLAGS_VERSION, "0.32.0");
  assert.ok(KNOWN_VLLM_FLAGS.has("--enable-prefix-caching"));
  assert.ok(KNOWN_VLLM_FLAGS.has("--no-enable-prefix-caching"));
  assert.ok(!KNOWN_VLLM_FLAGS.has("--disable-log-requests"), "removed deprecated flag must not be listed");
});

test("every rendered flag is accepted by the pinned release", () => {
  for (const prefixCaching of [true, false]) {
    assert.deepEqual(unknownFlags(renderVllmArgs({ ...base, prefixCaching })), []);
  }
});

test("unknownFlags reports a flag the release does not accept", () => {
  const args = [...renderVllmArgs(base), "--disable-log-requests", "--made-up-flag=1"];
  assert.deepEqual(unknownFlags(args), ["--disable-log-requests", "--made-up-flag"]);
});

test("model path is positional and first, after `vllm serve`", () => {
  assert.deepEqual(VLLM_COMMAND, ["vllm", "serve"]);
  const args = renderVllmArgs(base);
  assert.equal(args[0], "/models/llama");
  assert.equal(valueOf(args, "--served-model-name"), "llama");
  assert.equal(valueOf(args, "--tensor-parallel-size"), "2");
  assert.equal(valueOf(args, "--gpu-memory-utilization"), "0.9");
  assert.equal(valueOf(args, "--max-model-len"), "8192");
  assert.equal(valueOf(args, "--host"), "0.0.0.0");
  assert.equal(valueOf(args, "--port"), "8443");
});

test("TLS flags present and client certificates required", () => {
  const args = renderVllmArgs(base);
  assert.equal(valueOf(args, "--ssl-certfile"), "/tls/tls.crt");
  assert.equal(valueOf(args, "--ssl-keyfile"), "/tls/tls.key");
  assert.equal(valueOf(args, "--ssl-ca-certs"), "/tls/ca.crt");
  assert.equal(valueOf(args, "--ssl-cert-reqs"), "2");
});

test("only safetensors weights are loaded", () => {
  assert.equal(valueOf(renderVllmArgs(base), "--load-format"), "safetensors");
});

test("no flag turns request or output logging on; request logging is explicitly off", () => {
  const args = renderVllmArgs(base);
  for (const f of CONTENT_LOGGING_FLAGS) assert.ok(!args.includes(f), `${f} must not be rendered`);
  assert.ok(args.includes("--no-enable-log-requests"));
});

test("prefix caching on and off", () => {
  const on = renderVllmArgs({ ...base, prefixCaching: true });
  const off = renderVllmArgs({ ...base, prefixCaching: false });
  assert.ok(on.includes("--enable-prefix-caching") && !on.includes("--no-enable-prefix-caching"));
  assert.ok(off.includes("--no-enable-prefix-caching") && !off.includes("--enable-prefix-caching"));
});

test("environment opts out of telemetry and hub access", () => {
  const env = vllmEnv();
  for (const [k, v] of Object.entries({
    VLLM_NO_USAGE_STATS: "1",
    DO_NOT_TRACK: "1",
    VLLM_DO_NOT_TRACK: "1",
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    HF_HUB_DISABLE_TELEMETRY: "1",
  })) {
    assert.equal(env[k], v, k);
  }
  assert.ok(!("VLLM_API_KEY" in env), "the API key comes from a Secret, never from rendered env");
});

test("invalid input is rejected with every problem named", () => {
  assert.throws(
    () => renderVllmArgs({ ...base, modelDir: "models", tensorParallelSize: 0, gpuMemoryUtilization: 1.5, port: 70000 }),
    (e: unknown) => {
      const m = (e as Error).message;
      return ["modelDir", "tensorParallelSize", "gpuMemoryUtilization", "port"].every((k) => m.includes(k));
    },
  );
});

test("renewed certificates are reloaded in place, and SIGTERM drains in-flight requests", () => {
  const args = renderVllmArgs(base);
  assert.ok(args.includes("--enable-ssl-refresh"));
  assert.equal(valueOf(args, "--shutdown-timeout"), "600");
  assert.throws(() => renderVllmArgs({ ...base, shutdownTimeoutSeconds: 0 }), /shutdownTimeoutSeconds/);
});
