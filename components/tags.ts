/** The base tags every taggable resource carries, merged with a resource's own Name. */
export type Tags = Record<string, string>;

export function withName(tags: Tags, name: string): Tags {
  return { ...tags, Name: name };
}
