// Texts that made earlier versions of the detectors backtrack (found with recheck and by hand),
// and a benign text to compare them with, at a given size. Shared by the tests and the benchmark.

/** Adversarial message contents of about `size` characters, by family. */
export function adversarialBodies(size: number): Record<string, string> {
  const fill = (unit: string, prefix = "", suffix = "") => prefix + unit.repeat(Math.max(0, Math.floor((size - prefix.length - suffix.length) / unit.length))) + suffix;
  return {
    whitespace_after_keyword: fill("\t ", "note\t", "s"),
    newline_runs: fill("\n", "y", "t\nsystem:ok"),
    repeated_override_keyword: fill("ignoraç"),
    repeated_persona_keyword: fill("m sam\u0000"),
    repeated_exfiltration_keyword: fill("post-"),
    spaced_letters: fill("a ", "", "ab"),
    quotes_and_questions: fill('why "ignore previous instructions" '),
    digits_and_separators: fill("4111 1111-"),
    at_signs: fill("a@a."),
    base64_run: fill("QUFB"),
  };
}

/** Ordinary clinical prose of about `size` characters. */
export function benignBody(size: number): string {
  const para =
    "The patient was seen in clinic today for follow-up of hypertension. Blood pressure is well controlled on the current dose; " +
    "continue lisinopril and review renal function in three months. Diet and exercise advice was given, and the family asked " +
    "about the discharge plan, which was explained in plain language. ";
  return para.repeat(Math.ceil(size / para.length)).slice(0, size);
}
