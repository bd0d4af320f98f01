/**
 * `npm run deploy -- <stack> [--ask <prompt> --model <name>]`: the stack's deploy sequence
 * (plan.ts) for real, then optionally a first chat completion through the gateway with the token
 * in SOVEREIGN_LLM_TOKEN (an OIDC access token or a workload API key). Exit 0 on success, 1 on a
 * failed run or answer, 2 on bad arguments.
 */
import { readStackFile } from "../check/stack-file";
import { deploy, firstAnswer } from "./run";

export interface DeployIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function main(argv: string[], io: DeployIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) }): Promise<number> {
  const [stackName, ...rest] = argv;
  const flag = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const ask = flag("--ask");
  const model = flag("--model");
  const unknown = rest.filter((a, i) => a.startsWith("--") && !["--ask", "--model"].includes(a) && !["--ask", "--model"].includes(rest[i - 1]));
  if (!stackName || stackName.startsWith("--") || unknown.length > 0 || (ask !== undefined) !== (model !== undefined)) {
    io.err("usage: npm run deploy -- <stack> [--ask <prompt> --model <model name>]   (the token for --ask in SOVEREIGN_LLM_TOKEN)\n");
    return 2;
  }
  const token = process.env.SOVEREIGN_LLM_TOKEN;
  if (ask !== undefined && !token) {
    io.err("--ask needs SOVEREIGN_LLM_TOKEN: an access token from your identity provider, or a workload API key\n");
    return 2;
  }
  try {
    const { plan, outputs } = await deploy({ stack: stackName, onOutput: io.out });
    io.out(`\nstack ${plan.stack} deployed in ${plan.runs.length} run(s); gateway load balancer: ${String(outputs.gatewayLoadBalancer?.value ?? "") || "(none yet)"}\n`);
    if (ask !== undefined && model !== undefined) {
      const region = readStackFile(stackName).config["aws:region"] ?? "";
      const answer = await firstAnswer({ region, outputs, token: token!, model, prompt: ask, onOutput: io.out });
      io.out(`HTTP ${answer.status}\n${answer.text}\n`);
      return answer.status === 200 ? 0 : 1;
    }
    return 0;
  } catch (err) {
    io.err(`deploy: ${(err as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
