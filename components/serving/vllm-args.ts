// Pure rendering of the vLLM OpenAI-compatible server's command line and environment.
// Creates no resources, so tests can check it directly against the flags the pinned
// release accepts (vllm-flags.json, kept next to this file with its sources).
import flagData from "./vllm-flags.json";

/** Inputs for one vLLM container. All values come from validated config. */
export interface VllmArgsInput {
  /** Local directory holding the verified model (safetensors plus tokenizer/config files). */
  modelDir: string;
  /** Name clients send in the `model` field. */
  servedModelName: string;
  /** GPUs per replica. */
  tensorParallelSize: number;
  /** Fraction of GPU memory vLLM may use, in (0, 1]. */
  gpuMemoryUtilization: number;
  /** Maximum context length in tokens. */
  maxModelLen: number;
  /** Automatic prefix caching on or off (rendered explicitly either way). */
  prefixCaching: boolean;
  /** HTTPS port the server listens on. */
  port: number;
  /** PEM files mounted into the pod; the CA signs the client certificates vLLM accepts. */
  tls: { certFile: string; keyFile: string; caFile: string };
  /** Seconds vLLM lets in-flight requests finish after SIGTERM. */
  shutdownTimeoutSeconds: number;
}

/**
 * Command that starts the server. The official `vllm/vllm-openai` image's ENTRYPOINT
 * is `vllm serve` in recent releases (older Dockerfiles used
 * `python3 -m vllm.entrypoints.openai.api_server`, which does not take the model as
 * a positional argument). The pod sets `command` explicitly so it does not depend on
 * which one the image has; the arguments below start after it.
 */
export const VLLM_COMMAND: readonly string[] = ["vllm", "serve"];

/** Env var vLLM reads the API key from (vllm/envs.py); the component fills it from a Secret. */
export const VLLM_API_KEY_ENV = "VLLM_API_KEY";

/** `ssl.CERT_REQUIRED` in Python's ssl module: the server demands a client certificate. */
export const SSL_CERT_REQUIRED = 2;

/** Every long flag the pinned release's server accepts. */
export const KNOWN_VLLM_FLAGS: ReadonlySet<string> = new Set(flagData.flags);

/** Pinned release the flag list belongs to. */
export const VLLM_FLAGS_VERSION: string = flagData.vllmVersion;

/**
 * Flags that would turn on logging of prompt or response content. Request logging is
 * off by default (`--enable-log-requests` defaults to False; `--enable-log-outputs`
 * requires it), and the renderer also says so explicitly with `--no-enable-log-requests`.
 */
export const CONTENT_LOGGING_FLAGS: readonly string[] = ["--enable-log-requests", "--enable-log-outputs"];

function collectErrors(input: VllmArgsInput): string[] {
  const errors: string[] = [];
  const positiveInt = (key: string, v: number): void => {
    if (!Number.isInteger(v) || v < 1) errors.push(`${key} must be a positive integer, got ${v}`);
  };
  if (!input.modelDir.startsWith("/")) errors.push(`modelDir must be an absolute path inside the pod, got "${input.modelDir}"`);
  if (input.servedModelName.trim() === "") errors.push("servedModelName must not be empty");
  positiveInt("tensorParallelSize", input.tensorParallelSize);
  positiveInt("maxModelLen", input.maxModelLen);
  if (!(input.gpuMemoryUtilization > 0 && input.gpuMemoryUtilization <= 1)) {
    errors.push(`gpuMemoryUtilization must be in (0, 1], got ${input.gpuMemoryUtilization}`);
  }
  if (!Number.isInteger(input.port) || input.port < 1 || input.port > 65535) errors.push(`port must be 1-65535, got ${input.port}`);
  positiveInt("shutdownTimeoutSeconds", input.shutdownTimeoutSeconds);
  for (const k of ["certFile", "keyFile", "caFile"] as const) {
    if (!input.tls[k].startsWith("/")) errors.push(`tls.${k} must be an absolute path, got "${input.tls[k]}"`);
  }
  return errors;
}

/**
 * Arguments for `vllm serve` (after VLLM_COMMAND): local model path first (positional
 * `model_tag`), then flags. Throws once with every problem found.
 */
export function renderVllmArgs(input: VllmArgsInput): string[] {
  const errors = collectErrors(input);
  if (errors.length > 0) throw new Error(`invalid vLLM arguments:\n  - ${errors.join("\n  - ")}`);
  return [
    input.modelDir,
    "--served-model-name", input.servedModelName,
    "--tensor-parallel-size", String(input.tensorParallelSize),
    "--gpu-memory-utilization", String(input.gpuMemoryUtilization),
    "--max-model-len", String(input.maxModelLen),
    input.prefixCaching ? "--enable-prefix-caching" : "--no-enable-prefix-caching",
    // Refuses pickled (.bin/.pt) weights: only safetensors files are loaded.
    "--load-format", "safetensors",
    "--no-enable-log-requests",
    "--host", "0.0.0.0",
    "--port", String(input.port),
    "--ssl-keyfile", input.tls.keyFile,
    "--ssl-certfile", input.tls.certFile,
    "--ssl-ca-certs", input.tls.caFile,
    "--ssl-cert-reqs", String(SSL_CERT_REQUIRED),
    // Reload the certificate, key and CA when their files change (vllm/entrypoints/ssl.py,
    // SSLCertRefresher): a renewed certificate reaches the running server through the mounted
    // Secret, so a renewal restarts no model server.
    "--enable-ssl-refresh",
    // After SIGTERM, let in-flight requests (long streams) finish for up to this long before
    // exiting (`vllm serve --shutdown-timeout`, https://docs.vllm.ai/en/v0.30.0/cli/serve/).
    "--shutdown-timeout", String(input.shutdownTimeoutSeconds),
  ];
}

/**
 * Environment that keeps vLLM and the Hugging Face libraries from phoning home.
 * vllm/envs.py: usage stats go to VLLM_USAGE_STATS_SERVER (stats.vllm.ai) unless
 * VLLM_NO_USAGE_STATS=1 or VLLM_DO_NOT_TRACK/DO_NOT_TRACK=1. HF_HUB_OFFLINE and
 * TRANSFORMERS_OFFLINE stop hub lookups; HF_HUB_DISABLE_TELEMETRY stops huggingface_hub
 * telemetry.
 */
export function vllmEnv(): Record<string, string> {
  return {
    VLLM_NO_USAGE_STATS: "1",
    VLLM_DO_NOT_TRACK: "1",
    DO_NOT_TRACK: "1",
    HF_HUB_OFFLINE: "1",
    TRANSFORMERS_OFFLINE: "1",
    HF_HUB_DISABLE_TELEMETRY: "1",
  };
}

/** Long flags in `args` that the pinned release does not accept (so a test can fail on them). */
export function unknownFlags(args: readonly string[]): string[] {
  return args
    .filter((a) => a.startsWith("--"))
    .map((a) => a.split("=", 1)[0] ?? a)
    .filter((f) => !KNOWN_VLLM_FLAGS.has(f));
}
