// OpenAI-style error bodies. Every message here is written for the client; nothing from the
// upstream or from an exception is ever copied into one.
export type ErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "not_found_error" | "rate_limit_error" | "server_error";

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ErrorType,
    readonly code: string,
    /** For the audit line: the decision this error represents. */
    readonly decision: "rejected" | "denied" | "blocked" | "rate_limited" | "error",
    /** For the audit line: machine-readable reasons. */
    readonly reasons: string[] = [code],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function errorBody(message: string, type: ErrorType, code: string): string {
  return JSON.stringify({ error: { message, type, code } });
}

export const badRequest = (message: string, code = "invalid_request", reasons?: string[]): GatewayError =>
  new GatewayError(400, message, "invalid_request_error", code, "rejected", reasons ?? [code]);
