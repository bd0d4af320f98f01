// Node storage per GPU node group: instance store where the types have enough of it, otherwise
// gp3 sized from the model; the Bottlerocket settings are the documented ephemeral-storage calls.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "smol-toml";
import { GP3, gp3ForModel, nodeStorageProblems, planNodeStorage, type NodeStorageInput } from "../../../components/cluster/node-storage";

const input = (over: Partial<NodeStorageInput> = {}): NodeStorageInput => ({ groupName: "g", instanceTypes: ["g6e.12xlarge"], mode: "auto", dataVolumeGiB: 300, largestModelGiB: 141, ...over });

describe("planNodeStorage", () => {
  test("auto: instance store on types that hold the models, with the documented bootstrap command", () => {
    const p = planNodeStorage(input());
    assert.equal(p.mode, "instance-store");
    const toml = parse(p.bottlerocketSettings!) as any;
    const cmd = toml.settings["bootstrap-commands"]["k8s-ephemeral-storage"];
    assert.deepEqual(cmd.commands, [
      ["apiclient", "ephemeral-storage", "init"],
      ["apiclient", "ephemeral-storage", "bind", "--dirs", "/var/lib/containerd", "/var/lib/kubelet", "/var/log/pods"],
    ]);
    assert.equal(cmd.essential, true);
    assert.equal(cmd.mode, "always");
    assert.ok(p.modelWriteMiBps >= 2000, "two NVMe devices");
  });

  test("auto: ebs when one type of the group lacks the room, gp3 provisioned from the model", () => {
    // g6e.xlarge has 250 GB (232 GiB) of instance store: too little for a 200 GiB model with its image.
    const p = planNodeStorage(input({ instanceTypes: ["g6e.xlarge", "g6e.12xlarge"], largestModelGiB: 200, dataVolumeGiB: 400 }));
    assert.equal(p.mode, "ebs");
    assert.equal(p.bottlerocketSettings, undefined);
    assert.equal(p.dataVolume.throughputMiBps, 1000);
    assert.equal(p.dataVolume.iops, 4000);
    assert.equal(p.modelWriteMiBps, 1000);
  });

  test("gp3 from model size: baseline for small models, ratio and size limits respected", () => {
    assert.deepEqual(gp3ForModel(5, 100), { throughputMiBps: GP3.baseMiBps, iops: GP3.baseIops });
    const mid = gp3ForModel(16, 200);
    assert.equal(mid.throughputMiBps, 275);
    assert.ok(mid.iops * GP3.mibpsPerIops >= mid.throughputMiBps);
    // A 6 GiB volume allows 3000 IOPS, so at most 750 MiB/s.
    assert.deepEqual(gp3ForModel(500, 6), { throughputMiBps: 750, iops: 3000 });
  });

  test("explicit modes: refused with every reason at once when they cannot work", () => {
    const p = nodeStorageProblems(input({ mode: "instance-store", instanceTypes: ["g6e.xlarge", "no.such"], largestModelGiB: 300 }));
    assert.equal(p.length, 2, p.join("\n"));
    assert.match(p.join("\n"), /no\.such/);
    assert.match(p.join("\n"), /g6e\.xlarge \(232 GiB\) cannot hold/);
    assert.match(nodeStorageProblems(input({ mode: "ebs", dataVolumeGiB: 100 })).join(), /dataVolumeGiB: 100 GiB cannot hold/);
    assert.throws(() => planNodeStorage(input({ mode: "instance-store", instanceTypes: ["g6e.xlarge"], largestModelGiB: 200 })), /node group g/);
    assert.equal(planNodeStorage(input({ mode: "ebs", dataVolumeGiB: 400 })).mode, "ebs");
  });

  test("every model of the group counts, twice (the node's cache and the server's copy): two models that fit alone may not fit together", () => {
    // g6e.2xlarge: 450 GB (419 GiB) of instance store.
    assert.equal(planNodeStorage(input({ instanceTypes: ["g6e.2xlarge"], largestModelGiB: 400, totalModelGiB: 400, dataVolumeGiB: 900 })).mode, "ebs");
    assert.equal(planNodeStorage(input({ instanceTypes: ["g6e.2xlarge"], largestModelGiB: 150 })).mode, "instance-store");
    // 2 x 200 + 40 = 440 GiB: one copy of the model would fit, the cache's and the server's do not.
    assert.equal(planNodeStorage(input({ instanceTypes: ["g6e.2xlarge"], largestModelGiB: 200, dataVolumeGiB: 500 })).mode, "ebs");
    assert.equal(planNodeStorage(input({ instanceTypes: ["g6e.2xlarge"], largestModelGiB: 150, totalModelGiB: 300, dataVolumeGiB: 700 })).mode, "ebs");
    assert.match(nodeStorageProblems(input({ mode: "ebs", largestModelGiB: 100, totalModelGiB: 200, dataVolumeGiB: 400 })).join(), /raise it to at least 440/);
  });
});
