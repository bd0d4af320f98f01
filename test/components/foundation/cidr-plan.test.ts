/** The VPC address plan: fixed blocks per zone letter, no overlaps, stable when zones change. */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { zonePlan, planProblem, maxZoneIndex, vpcCidrProblem, cidrsOverlap, MAX_ZONE_INDEX, type ZonePlan } from "../../../components/network/cidr-plan.js";

const TIERS: (keyof ZonePlan)[] = ["workload", "endpoints", "firewall", "public"];

function subnetsOf(cidr: string, prefix: number, indexes: number[]): { label: string; cidr: string }[] {
  return indexes.flatMap((i) => {
    const plan = zonePlan(cidr, prefix, i);
    return TIERS.map((t) => ({ label: `${String.fromCharCode(97 + i)}.${t}`, cidr: plan[t] }));
  });
}

function assertDisjointInside(vpc: string, subnets: { label: string; cidr: string }[]) {
  for (let i = 0; i < subnets.length; i++) {
    assert.ok(cidrsOverlap(subnets[i].cidr, vpc) && Number(subnets[i].cidr.split("/")[1]) >= Number(vpc.split("/")[1]), `${subnets[i].label} ${subnets[i].cidr} lies outside ${vpc}`);
    for (let j = i + 1; j < subnets.length; j++) {
      assert.ok(!cidrsOverlap(subnets[i].cidr, subnets[j].cidr), `${subnets[i].label} ${subnets[i].cidr} overlaps ${subnets[j].label} ${subnets[j].cidr}`);
    }
  }
}

describe("zonePlan", () => {
  test("a /16 with /19 workload subnets, per zone letter", () => {
    assert.deepEqual(zonePlan("10.10.0.0/16", 19, 0), { workload: "10.10.0.0/19", endpoints: "10.10.224.0/23", firewall: "10.10.254.0/28", public: "10.10.254.128/28" });
    assert.deepEqual(zonePlan("10.10.0.0/16", 19, 1), { workload: "10.10.32.0/19", endpoints: "10.10.226.0/23", firewall: "10.10.254.16/28", public: "10.10.254.144/28" });
    assert.deepEqual(zonePlan("10.10.0.0/16", 19, 2), { workload: "10.10.64.0/19", endpoints: "10.10.228.0/23", firewall: "10.10.254.32/28", public: "10.10.254.160/28" });
  });

  test("a /18 with /20 workload subnets", () => {
    assert.deepEqual(zonePlan("172.16.64.0/18", 20, 1), { workload: "172.16.80.0/20", endpoints: "172.16.113.0/24", firewall: "172.16.127.16/28", public: "172.16.127.144/28" });
  });

  test("tiers have the documented sizes", () => {
    const plan = zonePlan("192.168.0.0/16", 19, 0);
    assert.equal(plan.workload.split("/")[1], "19");
    assert.equal(plan.endpoints.split("/")[1], "23");
    assert.equal(plan.firewall.split("/")[1], "28");
    assert.equal(plan.public.split("/")[1], "28");
  });

  test("no two subnets overlap, for every letter a-h", () => {
    for (const [vpc, prefix] of [["10.10.0.0/16", 19], ["10.20.0.0/16", 20], ["10.30.0.0/17", 19], ["10.40.0.0/18", 20], ["192.168.0.0/16", 18]] as const) {
      const max = maxZoneIndex(Number(vpc.split("/")[1]), prefix);
      assertDisjointInside(vpc, subnetsOf(vpc, prefix, [...Array(max + 1).keys()]));
    }
  });

  test("no two subnets overlap, for every letter planProblem accepts", () => {
    for (const [vpc, prefix] of [["10.20.0.0/16", 20], ["10.20.0.0/16", 19], ["10.20.0.0/17", 20], ["10.20.0.0/18", 20]] as const) {
      const max = maxZoneIndex(Number(vpc.split("/")[1]), prefix);
      assert.equal(planProblem(vpc, prefix, [max]), undefined);
      assert.notEqual(planProblem(vpc, prefix, [max + 1]), undefined, `${vpc} with /${prefix} accepts letter ${String.fromCharCode(98 + max)}`);
      assertDisjointInside(vpc, subnetsOf(vpc, prefix, [...Array(max + 1).keys()]));
    }
  });

  test("zones beyond h never fit: the /28 tiers have eight slots", () => {
    assert.equal(MAX_ZONE_INDEX, 7);
    assert.equal(maxZoneIndex(16, 20), 7);
    assert.match(planProblem("10.20.0.0/16", 20, [0, 8]) ?? "", /zone letter i does not fit/);
  });

  test("stability: a zone's subnets depend only on its letter", () => {
    // planProblem and zonePlan take the zone's index, never its position in the list: zone b is
    // the same whether or not a is listed, and whatever else is listed.
    const b = zonePlan("10.10.0.0/16", 19, 1);
    assert.equal(planProblem("10.10.0.0/16", 19, [1, 2]), undefined);
    assert.equal(planProblem("10.10.0.0/16", 19, [2, 1, 0]), undefined);
    assert.deepEqual(zonePlan("10.10.0.0/16", 19, 1), b);
    assert.notDeepEqual(zonePlan("10.10.0.0/16", 19, 0), b);
  });

  test("zonePlan throws what planProblem reports", () => {
    assert.throws(() => zonePlan("10.10.0.0/18", 19, 1), /does not fit/);
    assert.throws(() => zonePlan("8.8.0.0/16", 19, 0), /RFC 1918/);
  });
});

describe("planProblem", () => {
  test("zones that fit", () => {
    assert.equal(planProblem("10.10.0.0/16", 19, [0, 1, 2]), undefined);
    assert.equal(planProblem("10.10.0.0/17", 19, [0, 1, 2]), undefined);
    assert.equal(planProblem("10.10.0.0/18", 20, [0, 1, 2]), undefined);
  });
  test("too small a VPC for the zone letters", () => {
    assert.match(planProblem("10.10.0.0/18", 19, [0, 1]) ?? "", /holds zones a-a only \(zone letter b does not fit\)/);
    assert.match(planProblem("10.10.0.0/17", 19, [0, 3]) ?? "", /zone letter d does not fit/);
  });
  test("workload prefix not longer than the VPC's, or too long", () => {
    assert.match(planProblem("10.10.0.0/18", 18, [0]) ?? "", /must be longer than the VPC prefix/);
    assert.match(planProblem("10.10.0.0/16", 21, [0]) ?? "", /use \/20 or shorter/);
  });
  test("maxZoneIndex keeps the last block for infrastructure", () => {
    assert.equal(maxZoneIndex(16, 19), 6);
    assert.equal(maxZoneIndex(17, 19), 2);
    assert.equal(maxZoneIndex(18, 20), 2);
  });
  test("every VPC prefix vpcCidrProblem accepts can hold two zones with some workload prefix", () => {
    const accepted = [16, 17, 18, 19, 20, 21, 22].filter((prefix) => vpcCidrProblem(`10.50.0.0/${prefix}`) === undefined);
    assert.deepEqual(accepted, [16, 17, 18]);
    for (const prefix of accepted) {
      const cidr = `10.50.0.0/${prefix}`;
      const fits = [17, 18, 19, 20].some((w) => planProblem(cidr, w, [0, 1, 2]) === undefined);
      assert.ok(fits, `${cidr} passes vpcCidrProblem, but no workload prefix holds zones a-c`);
    }
  });
});

describe("vpcCidrProblem", () => {
  const cases: [string, RegExp | undefined][] = [
    ["10.0.0.0/16", undefined],
    ["172.16.0.0/16", undefined],
    ["192.168.0.0/16", undefined],
    ["10.0.0.0/33", /is not an IPv4 CIDR/],
    ["10.0.0/16", /is not an IPv4 CIDR/],
    ["10.0.0.1/16", /host bits set; use its network address 10.0.0.0\/16/],
    ["100.64.0.0/16", /RFC 1918/],
    ["11.0.0.0/16", /RFC 1918/],
    ["10.0.0.0/15", /\/16 to \/18/],
    ["10.0.0.0/19", /\/16 to \/18/],
    ["10.0.0.0/24", /\/16 to \/18/],
  ];
  for (const [cidr, expected] of cases) {
    test(`${cidr} → ${expected ?? "ok"}`, () => {
      const problem = vpcCidrProblem(cidr);
      if (expected === undefined) assert.equal(problem, undefined);
      else assert.match(problem ?? "", expected);
    });
  }
});

test("cidrsOverlap", () => {
  assert.ok(cidrsOverlap("10.0.0.0/16", "10.0.5.0/24"));
  assert.ok(cidrsOverlap("10.0.5.0/24", "10.0.0.0/16"));
  assert.ok(!cidrsOverlap("10.0.0.0/17", "10.0.128.0/17"));
  assert.ok(cidrsOverlap("0.0.0.0/0", "192.168.1.0/24"));
});
